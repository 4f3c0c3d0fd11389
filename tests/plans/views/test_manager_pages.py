"""The manager's pages over HTTP: the team dashboard (sorting, attention first, a fixed number of
queries), signing off, sending back, phase sign-off, check-ins, conflicts and bad input."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from onboarding.extensions import db
from onboarding.plans.check_ins import record_check_in
from onboarding.plans.edits import add_item
from onboarding.plans.models import CheckIn
from onboarding.plans.states import complete_item, reopen_item
from tests.conftest import NOW, TODAY
from tests.plans.views.conftest import CHILD_1, CHILD_2, DAY_60, LEAF, item_by_text, snapshot


def html(response) -> str:
    return response.get_data(as_text=True)


def done(plan, *texts):
    for text in texts:
        complete_item(item_by_text(plan, text), plan.hire, now=NOW)
        db.session.commit()


# --- the team dashboard -----------------------------------------------------------------------------


def test_dashboard_shows_each_report_with_day_progress_status_waiting_and_next_check_in(org, client_as):
    done(org.plan_a, LEAF, CHILD_1)
    page = html(client_as(org.manager_a).get("/team"))
    row = re.search(r"<tr>\s*<th scope=\"row\"><a href=\"/team/plans/%d\">Hana Hire</a>(.*?)</tr>" % org.plan_a.id,
                    page, re.S)
    assert row, page
    cells = row.group(1)
    assert "Support Engineer" in cells
    assert "Day 1" in cells
    assert re.search(r"<progress max=\"3\" value=\"2\" aria-label=\"Hana Hire, 30 days\">67%</progress> <span class=\"progress-text\">2/3</span>", cells)
    assert '<span class="badge status-on-track">On track</span>' in cells
    assert ">2 items</a>" in cells
    assert '30 days, <time datetime="2026-04-01">1 Apr 2026</time>' in cells
    assert "Hugo Hire" not in page  # manager B's report


def test_a_manager_without_reports_gets_a_helpful_empty_state(make_user, client_as):
    manager = make_user(role="manager")
    page = html(client_as(manager).get("/team"))
    assert "No reports yet." in page


def _team(make_user, make_plan):
    manager = make_user(email="lead@example.com", role="manager")
    names = {}
    for name, start, ticks in (("Cleo", TODAY, 0), ("Abe", TODAY - timedelta(days=45), 0),
                               ("Bram", TODAY - timedelta(days=5), 2), ("Dora", TODAY - timedelta(days=26), 0)):
        hire = make_user(name=name, email=f"{name.lower()}@example.com")
        plan = make_plan(hire=hire, manager=manager, start_on=start)
        for item in [i for i in plan.items if not any(c.parent_id == i.id for c in plan.items)][:ticks]:
            complete_item(item, hire, now=NOW)
        db.session.commit()
        names[name] = plan
    return manager, names


def _order(page):
    return re.findall(r'<th scope="row"><a href="/team/plans/\d+">(\w+)</a>', page)


def test_dashboard_puts_the_reports_that_need_attention_first(make_user, make_plan, client_as):
    manager, _ = _team(make_user, make_plan)
    client = client_as(manager)
    page = html(client.get("/team"))
    # Abe is overdue (day 46), Dora at risk (day-30 phase due in 4 days, nothing done),
    # Bram has items waiting for sign-off, Cleo is on track.
    assert _order(page) == ["Abe", "Dora", "Bram", "Cleo"]
    assert "status-overdue" in page and "status-at-risk" in page
    assert _order(html(client.get("/team?sort=name"))) == ["Abe", "Bram", "Cleo", "Dora"]
    assert _order(html(client.get("/team?sort=start"))) == ["Abe", "Dora", "Bram", "Cleo"]
    assert _order(html(client.get("/team?sort=waiting")))[0] == "Bram"
    assert _order(html(client.get("/team?sort=status"))) == ["Abe", "Dora", "Bram", "Cleo"]
    for bad in ("bogus", "", "<script>", "name" * 1000):
        response = client.get("/team", query_string={"sort": bad})
        assert response.status_code == 200 and _order(html(response)) == ["Abe", "Dora", "Bram", "Cleo"]


def test_dashboard_query_count_does_not_grow_with_the_team(make_user, make_plan, client_as, count_queries):
    manager = make_user(email="lead@example.com", role="manager")
    client = client_as(manager)

    def add_reports(n):
        for _ in range(n):
            plan = make_plan(manager=manager)
            complete_item(plan.items[1], plan.hire, now=NOW)
            record_check_in(plan, "day-30", manager, "on track", "", NOW)
            db.session.commit()

    def measure():
        with count_queries() as statements:
            response = client.get("/team")
        assert response.status_code == 200
        return len(statements), html(response).count('<th scope="row">')

    add_reports(2)
    small, rows = measure()
    assert rows == 2
    add_reports(4)
    large, rows = measure()
    assert rows == 6
    assert small == large, f"{small} queries for 2 reports, {large} for 6"


def test_plan_page_query_count_does_not_grow_with_the_items(org, client_as, count_queries):
    client = client_as(org.hire_a)

    def measure():
        with count_queries() as statements:
            assert client.get("/plan").status_code == 200
        return len(statements)

    before = measure()
    for n in range(10):
        add_item(org.plan_a, "day-60", f"Extra item {n}", org.admin, NOW)
    db.session.commit()
    assert measure() == before


# --- signing off and sending back -------------------------------------------------------------------


def test_sign_off_a_done_item(org, client_as):
    done(org.plan_a, LEAF)
    client = client_as(org.manager_a)
    page = html(client.get(f"/team/plans/{org.plan_a.id}"))
    item = item_by_text(org.plan_a, LEAF)
    group = re.search(rf'<div role="group" aria-labelledby="text-{item.id}" class="actions">(.*?)</div>\s*</li>',
                      page, re.S)
    assert group and "<button type=\"submit\">Sign off</button>" in group.group(1)
    assert f'<span class="item-text" id="text-{item.id}">{LEAF}</span>' in page
    assert "Waiting for your sign-off (1)" in page
    response = client.post(f"/team/items/{item.id}/sign-off", data={"version": item.version})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/team/plans/{org.plan_a.id}#item-{item.id}")
    assert item_by_text(org.plan_a, LEAF).state == "signed_off"
    page = html(client.get(f"/team/plans/{org.plan_a.id}"))
    assert f"Signed off “{LEAF}”" in page and f"“{LEAF}”." not in page  # the milestone's full stop ends it


def test_only_done_items_can_be_signed_off(org, client_as):
    item = item_by_text(org.plan_a, LEAF)
    before = snapshot()
    response = client_as(org.manager_a).post(f"/team/items/{item.id}/sign-off", data={"version": item.version})
    assert response.status_code == 400
    assert "Only a done item can be signed off; this one is open." in html(response)
    assert snapshot() == before


def test_send_back_needs_a_comment_and_the_hire_sees_it(org, client_as):
    done(org.plan_a, LEAF)
    item = item_by_text(org.plan_a, LEAF)
    client = client_as(org.manager_a)
    before = snapshot()
    for comment in ("", "   ", "c" * 5001):
        response = client.post(f"/team/items/{item.id}/send-back", data={"version": item.version, "comment": comment})
        assert response.status_code == 400
        assert snapshot() == before
    response = client.post(f"/team/items/{item.id}/send-back",
                           data={"version": item.version, "comment": "Which tickets? Add the <numbers>."})
    assert response.status_code == 302
    item = item_by_text(org.plan_a, LEAF)
    assert (item.state, item.review_comment) == ("open", "Which tickets? Add the <numbers>.")
    page = html(client_as(org.hire_a).get("/plan"))
    assert "Which tickets? Add the &lt;numbers&gt;." in page and "Needs you first (1)" in page


def test_sign_off_all_done_items_in_a_phase(org, client_as):
    done(org.plan_a, LEAF, CHILD_1, DAY_60)
    client = client_as(org.manager_a)
    page = html(client.get(f"/team/plans/{org.plan_a.id}"))
    assert page.count("Sign off all done items in this phase") == 2  # day-30 and day-60
    response = client.post(f"/team/plans/{org.plan_a.id}/phases/day-30/sign-off")
    assert response.status_code == 302
    assert [item_by_text(org.plan_a, t).state for t in (LEAF, CHILD_1, CHILD_2, DAY_60)] == [
        "signed_off", "signed_off", "open", "done"]
    again = client.post(f"/team/plans/{org.plan_a.id}/phases/day-30/sign-off", follow_redirects=True)
    assert "Nothing in 30 days was waiting for sign-off." in html(again)
    assert client.post(f"/team/plans/{org.plan_a.id}/phases/nonsense/sign-off").status_code == 404


def test_a_stale_sign_off_shows_the_current_state(org, client_as):
    done(org.plan_a, LEAF)
    item = item_by_text(org.plan_a, LEAF)
    stale = item.version
    reopen_item(item, org.hire_a, now=NOW)  # the hire unticks it after the manager opened the page
    db.session.commit()
    before = snapshot()
    response = client_as(org.manager_a).post(f"/team/items/{item.id}/sign-off", data={"version": stale})
    assert response.status_code == 409
    assert "Someone else changed this item while you were looking at it" in html(response)
    assert snapshot() == before
    assert item_by_text(org.plan_a, LEAF).state == "open"


@pytest.mark.parametrize("version", ["", "abc", "-1", "1.5", "9" * 30])
def test_a_missing_or_bad_version_is_refused(org, client_as, version):
    done(org.plan_a, LEAF)
    item = item_by_text(org.plan_a, LEAF)
    before = snapshot()
    response = client_as(org.manager_a).post(f"/team/items/{item.id}/sign-off", data={"version": version})
    assert response.status_code == 400
    assert snapshot() == before


# --- check-ins --------------------------------------------------------------------------------------


def test_check_in_form_with_kpis_and_high_performance_beside_it(org, client_as):
    page = html(client_as(org.manager_a).get(f"/team/plans/{org.plan_a.id}"))
    for n, label in enumerate(("On track", "At risk", "Off track")):
        assert f'<input id="day-30-status-{n}" name="day-30-status" required type="radio"' in page
        assert f'<label for="day-30-status-{n}">{label}</label>' in page
    assert '<label for="day-30-notes">Notes</label>' in page
    assert '<form method="post" action="/team/plans/%d/phases/day-30/check-in" aria-labelledby="checkin-day-30-heading">' % org.plan_a.id in page
    guidance = page[page.index('id="guidance-heading"'):]
    assert "What high performance looks like" in guidance and "Spots patterns across tickets." in guidance
    assert "First reply time" in guidance and "Under 60 minutes" in guidance
    assert "Customers get correct answers fast." in guidance


def test_record_a_check_in(org, client_as):
    client = client_as(org.manager_a)
    url = f"/team/plans/{org.plan_a.id}/phases/day-30/check-in"
    response = client.post(url, data={"day-30-status": "at risk", "day-30-notes": "Needs <more> pairing."})
    assert response.status_code == 302
    row = db.session.scalar(select(CheckIn).where(CheckIn.plan_id == org.plan_a.id))
    assert (row.status, row.notes, row.recorded_by_id) == ("at risk", "Needs <more> pairing.", org.manager_a.id)
    page = html(client.get(f"/team/plans/{org.plan_a.id}"))
    # A held check-in reads: no form of its own; the next phase's form is the one that is open.
    held = page[page.index('id="checkin-day-30"'):page.index('id="checkin-day-60"')]
    assert 'Recorded: <span class="badge status-at-risk">At risk</span>' in held
    assert "Needs &lt;more&gt; pairing." in held and "<form" not in held
    assert 'name="day-60-status"' in page and 'name="day-30-status"' not in page
    assert "Needs &lt;more&gt; pairing." in html(client_as(org.hire_a).get("/plan"))


@pytest.mark.parametrize("data", [
    {},
    {"day-30-status": "excellent"},
    {"day-30-status": ""},
    {"day-30-status": "on track", "day-30-notes": "n" * 5001},
])
def test_a_bad_check_in_is_refused(org, client_as, data):
    before = snapshot()
    response = client_as(org.manager_a).post(f"/team/plans/{org.plan_a.id}/phases/day-30/check-in", data=data)
    assert response.status_code == 400
    assert 'role="alert"' in html(response)
    assert snapshot() == before


def test_check_in_for_a_phase_that_is_not_dated(org, client_as):
    before = snapshot()
    response = client_as(org.manager_a).post(f"/team/plans/{org.plan_a.id}/phases/long-term/check-in",
                                             data={"long-term-status": "on track"})
    assert response.status_code == 400
    assert snapshot() == before
