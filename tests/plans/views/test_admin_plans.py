"""The admin's plan pages over HTTP: every plan with filters and pages, adding a hire, per-plan edits,
moving to a newer template version with a preview, people, and the working-day rule."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from onboarding.audit.models import Event
from onboarding.extensions import db
from onboarding.org.models import Holiday, OrgSettings
from onboarding.people.models import User
from onboarding.plans.models import Plan, PlanItem
from onboarding.plans.states import complete_item
from onboarding.plans.views import admin as admin_plans
from onboarding.roles.operations import import_role
from tests.conftest import NOW, sample_role
from tests.plans.views.conftest import (
    DAY_60,
    DAY_90,
    GROUP,
    LEAF,
    MONTH_6,
    item_by_text,
    snapshot,
)


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin_client(org, client_as):
    return client_as(org.admin)


def _names(page):
    return re.findall(r'<th scope="row"><a href="/admin/plans/\d+">([^<]+)</a>', page)


# --- the list of plans ------------------------------------------------------------------------------


def test_all_plans_with_filters(org, make_user, make_plan, make_role, admin_client):
    other_role = make_role("Data Engineer")
    orphan = make_plan(hire=make_user(name="Olga Orphan"), manager=False, role=other_role,
                       start_on=date(2026, 1, 15))
    page = html(admin_client.get("/admin/plans"))
    assert _names(page) == ["Hana Hire", "Hugo Hire", "Olga Orphan"]
    assert '<span class="badge status-overdue">No manager</span>' in page
    assert _names(html(admin_client.get("/admin/plans?role=data-engineer"))) == ["Olga Orphan"]
    assert _names(html(admin_client.get("/admin/plans?manager=none"))) == ["Olga Orphan"]
    assert _names(html(admin_client.get(f"/admin/plans?manager={org.manager_b.id}"))) == ["Hugo Hire"]
    assert _names(html(admin_client.get("/admin/plans?month=2026-01"))) == ["Olga Orphan"]
    assert _names(html(admin_client.get("/admin/plans?month=2026-03&role=support-engineer"))) == ["Hana Hire",
                                                                                                  "Hugo Hire"]
    assert _names(html(admin_client.get("/admin/plans?status=overdue"))) == ["Olga Orphan"]  # day-30 passed
    assert _names(html(admin_client.get("/admin/plans?status=on+track"))) == ["Hana Hire", "Hugo Hire"]
    empty = html(admin_client.get("/admin/plans?status=complete"))
    assert _names(empty) == [] and "No plan matches these filters." in empty
    assert orphan.id


@pytest.mark.parametrize("query", ["role=nope", "manager=abc", "manager=99999999999999999999", "status=great",
                                   "month=2026-13", "month=<script>", "page=abc", "page=-1"])
def test_bad_filters_are_shown_not_crashed(org, admin_client, query):
    response = admin_client.get(f"/admin/plans?{query}")
    assert response.status_code in (200, 400)
    assert "<script>" not in html(response).split("</header>", 1)[1]


def test_plans_come_in_pages(org, make_plan, admin_client, monkeypatch):
    monkeypatch.setattr(admin_plans, "PLANS_PER_PAGE", 2)
    make_plan()
    first = html(admin_client.get("/admin/plans"))
    assert len(_names(first)) == 2 and "Page 1 of 2" in first
    assert '<a href="/admin/plans?page=2">Next page</a>' in first
    second = html(admin_client.get("/admin/plans?page=2"))
    assert len(_names(second)) == 1
    assert set(_names(first)).isdisjoint(_names(second))
    filtered = html(admin_client.get(f"/admin/plans?manager={org.manager_a.id}&page=1"))
    assert _names(filtered) == ["Hana Hire"] and "Next page" not in filtered


def test_dashboard_links_plans_without_a_manager_to_their_page(make_user, make_plan, admin_client):
    orphan = make_plan(hire=make_user(name="Olga Orphan"), manager=False)
    page = html(admin_client.get("/admin/"))
    assert f'<a href="/admin/plans/{orphan.id}">Olga Orphan</a>' in page
    plan_page = html(admin_client.get(f"/admin/plans/{orphan.id}"))
    assert "This plan has no manager." in plan_page


# --- adding a hire ----------------------------------------------------------------------------------


def _hire(**changes):
    data = {"email": "newbie@example.com", "name": "Nia Newbie", "role": "support-engineer",
            "start_on": "2026-04-06", "manager_email": "mara@example.com", "buddy_email": "buddy@example.com",
            "timezone": "Europe/Paris"}
    data.update(changes)
    return data


def test_add_a_hire_makes_the_plan(org, admin_client):
    page = html(admin_client.get("/admin/plans/new"))
    for label in ("Name", "Email", "Role template", "Start date", "Manager", "Buddy (optional)",
                  "Time zone"):
        assert re.search(rf'<label for="\w+">{re.escape(label)}</label>', page), label
    response = admin_client.post("/admin/plans/new", data=_hire())
    assert response.status_code == 302
    plan = db.session.scalar(select(Plan).join(User, User.id == Plan.hire_id).where(User.email == "newbie@example.com"))
    assert response.headers["Location"].endswith(f"/admin/plans/{plan.id}")
    assert (plan.start_on, plan.manager_id, plan.buddy_id) == (date(2026, 4, 6), org.manager_a.id, org.buddy.id)
    assert plan.hire.timezone == "Europe/Paris" and plan.hire.role == "hire"
    assert item_by_text(plan, LEAF).due_on == date(2026, 5, 6)
    assert "Added Nia Newbie (new account)" in html(admin_client.get(f"/admin/plans/{plan.id}"))


def test_a_hire_without_a_manager_is_added_with_a_warning(org, admin_client):
    response = admin_client.post("/admin/plans/new", data=_hire(manager_email="", buddy_email=""),
                                 follow_redirects=True)
    assert response.status_code == 200
    assert "has no manager yet" in html(response)
    assert "Nia Newbie" in html(admin_client.get("/admin/plans?manager=none"))


@pytest.mark.parametrize("changes, message", [
    ({"start_on": "06/04/2026"}, "is not a date: use YYYY-MM-DD."),
    ({"start_on": ""}, "Give the start date"),
    ({"start_on": "   "}, "Give the start date"),  # spaces only: no date, refused like an empty box
    ({"email": "not-an-email"}, "is not a valid email address"),
    ({"email": ""}, "This field is required"),
    ({"name": ""}, "This field is required"),
    ({"name": "n" * 201}, "Field cannot be longer than 200 characters"),
    ({"role": "no-such-role"}, "Not a valid choice"),
    ({"role": ""}, "Choose a role template"),
    ({"manager_email": "nobody@example.com"}, "no person with the email nobody@example.com"),
    ({"buddy_email": "newbie@example.com"}, "no person with the email newbie@example.com"),
    ({"email": "hana@example.com"}, "already has an active plan"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone"),
])
def test_adding_a_hire_with_bad_input_writes_nothing(org, admin_client, changes, message):
    before = snapshot()
    response = admin_client.post("/admin/plans/new", data=_hire(**changes))
    assert response.status_code == 400
    assert message in html(response)
    assert snapshot() == before


def test_a_hire_name_with_markup_is_escaped(org, admin_client):
    admin_client.post("/admin/plans/new", data=_hire(name="<img src=x onerror=alert(1)>"))
    page = html(admin_client.get("/admin/plans"))
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page


# --- per-plan edits ---------------------------------------------------------------------------------


def test_move_the_start_date(org, admin_client):
    complete_item(item_by_text(org.plan_a, LEAF), org.hire_a, now=NOW)
    db.session.commit()
    response = admin_client.post(f"/admin/plans/{org.plan_a.id}/start", data={"start_on": "2026-03-16"})
    assert response.status_code == 302
    assert item_by_text(org.plan_a, DAY_60).due_on == date(2026, 5, 15)
    assert item_by_text(org.plan_a, LEAF).due_on == date(2026, 4, 1)  # done: stays
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "plan.start_moved")) == 1
    for bad in ("", "2026-02-30", "tomorrow", "9" * 50):
        before = snapshot()
        assert admin_client.post(f"/admin/plans/{org.plan_a.id}/start", data={"start_on": bad}).status_code == 400
        assert snapshot() == before


def test_a_date_of_spaces_only_is_refused_as_missing(org, admin_client):
    """A date box holding only spaces has no date in it: it is refused as empty, not read as no date."""
    for url, data, message in [
        (f"/admin/plans/{org.plan_a.id}/start", {"start_on": "   "}, "Give the new start date as YYYY-MM-DD."),
        ("/admin/holidays", {"on": " \t ", "name": "Christmas"}, "Give the date as YYYY-MM-DD."),
    ]:
        before = snapshot()
        response = admin_client.post(url, data=data)
        assert response.status_code == 400, url
        assert message in html(response), url
        assert snapshot() == before


def test_set_a_manager_for_a_plan_without_one(make_user, make_plan, org, admin_client):
    orphan = make_plan(hire=make_user(name="Olga Orphan"), manager=False)
    url = f"/admin/plans/{orphan.id}/people"
    before = snapshot()
    bad = admin_client.post(url, data={"manager_email": "ghost@example.com"})
    assert bad.status_code == 400 and "No person with the email ghost@example.com" in html(bad)
    own = admin_client.post(url, data={"manager_email": orphan.hire.email})
    assert own.status_code == 400 and "A hire cannot be their own manager." in html(own)
    assert snapshot() == before
    assert admin_client.post(url, data={"manager_email": "MARA@example.com", "buddy_email": ""}).status_code == 302
    db.session.rollback()
    assert db.session.get(Plan, orphan.id).manager_id == org.manager_a.id
    assert "Olga Orphan" not in html(admin_client.get("/admin/plans?manager=none"))
    assert "Olga Orphan" in html(admin_client.get(f"/admin/plans?manager={org.manager_a.id}"))


def test_add_an_item_to_one_plan(org, admin_client):
    url = f"/admin/plans/{org.plan_a.id}/items"
    assert admin_client.post(url, data={"phase": "day-90", "parent": "", "text": "Shadow on-call."}).status_code == 302
    added = item_by_text(org.plan_a, "Shadow on-call.")
    assert (added.phase_key, added.is_custom, added.due_on) == ("day-90", True, date(2026, 5, 31))
    assert item_by_text(org.plan_b, "Shadow on-call.") is None  # only this plan
    group = item_by_text(org.plan_a, GROUP)
    assert admin_client.post(url, data={"phase": "day-30", "parent": str(group.id), "text": "The runbook"}
                             ).status_code == 302
    assert item_by_text(org.plan_a, "The runbook").parent_id == group.id
    other_plans_item = item_by_text(org.plan_b, GROUP)
    for data in ({"phase": "day-90", "text": ""}, {"phase": "long-term", "text": "x"}, {"phase": "day-99", "text": "x"},
                 {"phase": "day-90", "text": "t" * 2001},
                 {"phase": "day-30", "parent": str(other_plans_item.id), "text": "Not mine"},
                 {"phase": "day-60", "parent": str(group.id), "text": "Wrong phase"}):
        before = snapshot()
        response = admin_client.post(url, data=data)
        assert response.status_code == 400, data
        assert snapshot() == before


def test_edit_an_items_text_with_a_conflict_check(org, admin_client):
    item = item_by_text(org.plan_a, DAY_90)
    stale = item.version
    response = admin_client.post(f"/admin/items/{item.id}/edit", data={"text": "Write three help articles.",
                                                                        "version": item.version})
    assert response.status_code == 302
    assert item_by_text(org.plan_a, "Write three help articles.").is_custom
    before = snapshot()
    conflict = admin_client.post(f"/admin/items/{item.id}/edit", data={"text": "Write four.", "version": stale})
    assert conflict.status_code == 409
    assert "Someone else changed this item" in html(conflict)
    assert "Write three help articles." in html(conflict)
    assert snapshot() == before


def test_waive_needs_a_reason(org, admin_client):
    item = item_by_text(org.plan_a, MONTH_6)
    before = snapshot()
    for reason in ("", "   ", "r" * 1001):
        response = admin_client.post(f"/admin/items/{item.id}/waive", data={"reason": reason, "version": item.version})
        assert response.status_code == 400
        assert snapshot() == before
    response = admin_client.post(f"/admin/items/{item.id}/waive",
                                 data={"reason": "No incidents <this> year.", "version": item.version})
    assert response.status_code == 302
    item = item_by_text(org.plan_a, MONTH_6)
    assert (item.state, item.waived_reason) == ("waived", "No incidents <this> year.")
    assert "Waived: No incidents &lt;this&gt; year." in html(admin_client.get(f"/admin/plans/{org.plan_a.id}"))


# --- moving to a newer template version -------------------------------------------------------------


def _new_version():
    changed = sample_role()
    changed["phases"][2]["milestones"] = [{"text": "Run a customer webinar.", "children": []}]
    import_role(changed, now=NOW)
    db.session.commit()


def test_upgrade_shows_a_preview_then_moves_the_plan(org, admin_client):
    url = f"/admin/plans/{org.plan_a.id}/upgrade"
    assert "already uses the newest version" in html(admin_client.get(url))
    complete_item(item_by_text(org.plan_a, LEAF), org.hire_a, now=NOW)
    db.session.commit()
    _new_version()
    before = snapshot()
    page = html(admin_client.get(url))
    assert snapshot() == before  # a preview writes nothing
    assert "From version 1 to version 2." in page
    assert re.search(r'Added \(1\).*?90 days: Run a customer webinar\.', page, re.S)
    assert re.search(r'Removed \(1\).*?90 days: Write two help articles\.', page, re.S)
    assert "Kept unchanged (7)" in page
    assert "Move to version 2" in page
    response = admin_client.post(url, data={"version": "2"})
    assert response.status_code == 302
    db.session.rollback()
    plan = db.session.get(Plan, org.plan_a.id)
    assert plan.template_version.number == 2
    assert item_by_text(plan, LEAF).state == "done"
    assert item_by_text(plan, "Run a customer webinar.") is not None
    assert item_by_text(plan, DAY_90) is None


@pytest.mark.parametrize("version", ["1", "3", "0", "abc", "", "99999999999"])
def test_upgrade_to_a_version_that_is_not_newer_changes_nothing(org, admin_client, version):
    _new_version()
    before = snapshot()
    response = admin_client.post(f"/admin/plans/{org.plan_a.id}/upgrade", data={"version": version},
                                 follow_redirects=True)
    assert response.status_code == 200
    assert 'class="flash flash-error"' in html(response)
    assert snapshot() == before


# --- people -----------------------------------------------------------------------------------------


def test_people_list_and_add_a_person(org, admin_client):
    page = html(admin_client.get("/admin/people"))
    assert "Hana Hire" in page and "Mara Manager" in page
    assert f'<a href="/admin/plans/{org.plan_a.id}">Open plan<span class="visually-hidden"> of Hana Hire</span></a>' in page
    response = admin_client.post("/admin/people", data={"email": "Pat@Example.com", "name": "Pat <Person>",
                                                        "role": "manager", "timezone": "UTC",
                                                        "manager_email": "admin@example.com"})
    assert response.status_code == 302
    pat = db.session.scalar(select(User).where(User.email == "pat@example.com"))
    assert (pat.role, pat.manager_id, pat.password_hash) == ("manager", org.admin.id, None)
    found = html(admin_client.get("/admin/people?q=pat"))
    assert "Pat &lt;Person&gt;" in found and "Hana Hire" not in found
    assert "Nobody matches" in html(admin_client.get("/admin/people?q=%25%25zz"))


@pytest.mark.parametrize("changes, message", [
    ({"email": "hana@example.com"}, "already exists"),
    ({"email": "bad"}, "is not a valid email address"),
    ({"role": "superuser"}, "Not a valid choice"),
    ({"password": "short"}, "Field must be between 8 and 1000 characters long"),
    ({"manager_email": "ghost@example.com"}, "choose the manager from the list"),
    ({"timezone": ""}, "This field is required"),
])
def test_adding_a_person_with_bad_input_writes_nothing(org, admin_client, changes, message):
    data = {"email": "pat@example.com", "name": "Pat", "role": "hire", "timezone": "UTC"}
    data.update(changes)
    before = snapshot()
    response = admin_client.post("/admin/people", data=data)
    assert response.status_code == 400
    assert message in html(response)
    assert snapshot() == before


# --- working days and holidays ----------------------------------------------------------------------


def test_working_day_rule_and_holidays(org, admin_client):
    page = html(admin_client.get("/admin/holidays"))
    assert '<label for="is_working_days_only">Due dates fall on working days only</label>' in page
    assert "No holidays listed." in page
    assert db.session.scalar(select(func.count()).select_from(OrgSettings)) == 0  # reading writes nothing
    assert admin_client.post("/admin/holidays/working-days", data={"is_working_days_only": "y"}).status_code == 302
    assert db.session.get(OrgSettings, 1).is_working_days_only is True
    assert admin_client.post("/admin/holidays", data={"on": "2026-12-25", "name": "Christmas <Day>"}).status_code == 302
    page = html(admin_client.get("/admin/holidays"))
    assert "Christmas &lt;Day&gt;" in page and "Fri 25 Dec 2026" in page
    assert "Remove<span class=\"visually-hidden\"> Christmas &lt;Day&gt; (2026-12-25)</span>" in page
    for data in ({"on": "2026-12-25", "name": "Again"}, {"on": "25.12.2026", "name": "x"}, {"on": "", "name": "x"},
                 {"on": "2026-12-26", "name": ""}, {"on": "2026-12-26", "name": "n" * 201}):
        before = snapshot()
        assert admin_client.post("/admin/holidays", data=data).status_code == 400, data
        assert snapshot() == before
    holiday_id = db.session.scalar(select(Holiday.id))
    assert admin_client.post(f"/admin/holidays/{holiday_id}/delete").status_code == 302
    assert admin_client.post(f"/admin/holidays/{holiday_id}/delete").status_code == 404
    assert admin_client.post("/admin/holidays/working-days", data={}).status_code == 302
    db.session.rollback()
    assert db.session.get(OrgSettings, 1).is_working_days_only is False


def test_a_plan_made_with_the_working_day_rule_skips_weekends(org, admin_client):
    admin_client.post("/admin/holidays/working-days", data={"is_working_days_only": "y"})
    # Start Thursday 2026-04-02: day 30 is Saturday 2026-05-02, so Monday 2026-05-04.
    admin_client.post("/admin/plans/new", data=_hire(start_on="2026-04-02"))
    plan = db.session.scalar(select(Plan).join(User, User.id == Plan.hire_id).where(User.email == "newbie@example.com"))
    assert item_by_text(plan, LEAF).due_on == date(2026, 5, 4)
    assert db.session.scalar(select(func.count()).select_from(PlanItem).where(PlanItem.plan_id == plan.id)) == 8
