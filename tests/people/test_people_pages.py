"""The people pages: status, edit, deactivate and reactivate, pickers, time zones, web CSV import,
every change an audit event."""
from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import func, select

from onboarding.audit.models import Event
from onboarding.audit.types import EventType
from onboarding.extensions import db
from onboarding.people.operations import get_user_by_email
from onboarding.plans.models import Plan
from onboarding.reminders.build import build_digests
from onboarding.reminders.models import Digest
from tests.conftest import NOW, login
from tests.people.helpers import mail_to
from tests.plans.views.conftest import sign_in


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@example.com", name="Ada Admin", role="admin")


@pytest.fixture
def admin_client(app, admin):
    app.config["FIXED_NOW"] = NOW
    client = app.test_client()
    sign_in(client, admin)
    return client


def _edit(admin_client, person, **changes):
    data = {"name": person.name, "email": person.email, "role": person.role,
            "manager_email": person.manager.email if person.manager else "", "timezone": person.timezone}
    data.update(changes)
    return admin_client.post(f"/admin/people/{person.id}", data=data)


def test_the_people_page_shows_each_status_and_filters_by_it(admin_client, make_user):
    make_user(email="active@example.com", name="Al Active")
    invited = make_user(email="invited@example.com", name="Ivy Invited", password=None)
    admin_client.post(f"/admin/people/{invited.id}/invite")
    gone = make_user(email="gone@example.com", name="Gus Gone")
    admin_client.post(f"/admin/people/{gone.id}/deactivate")
    page = admin_client.get("/admin/people").get_data(as_text=True)
    for name, status in (("Al Active", "Active"), ("Ivy Invited", "Invited"), ("Gus Gone", "Deactivated")):
        assert re.search(rf">{name}</a></th>.*?<td>{status}</td>", page, re.S), name
    filtered = admin_client.get("/admin/people?status=invited").get_data(as_text=True)
    assert "Ivy Invited" in filtered and "Al Active" not in filtered and "Gus Gone" not in filtered
    assert admin_client.get("/admin/people?status=nonsense").status_code == 200


def test_an_admin_edits_a_person_and_the_change_is_recorded(admin_client, make_user, admin):
    boss = make_user(email="boss@example.com", name="Bo Boss", role="manager")
    hire = make_user(email="hana@example.com", name="Hana Hire")
    response = _edit(admin_client, hire, name="Hana Hire-Smith", email="Hana.Smith@Example.com",
                     manager_email="boss@example.com", timezone="Asia/Tokyo")
    assert response.status_code == 302
    db.session.rollback()
    hana = get_user_by_email("hana.smith@example.com")
    assert (hana.name, hana.manager_id, hana.timezone) == ("Hana Hire-Smith", boss.id, "Asia/Tokyo")
    event = db.session.scalar(select(Event).where(Event.person_id == hana.id, Event.kind == EventType.PERSON_EDITED))
    assert event.actor_id == admin.id
    assert event.old_value == {"name": "Hana Hire", "email": "hana@example.com", "manager": None, "timezone": "UTC"}
    assert event.new_value["email"] == "hana.smith@example.com"
    # nothing changed: no event
    _edit(admin_client, hana)
    assert db.session.scalar(select(func.count()).select_from(Event).where(
        Event.person_id == hana.id, Event.kind == EventType.PERSON_EDITED)) == 1


@pytest.mark.parametrize("changes,message", [
    ({"manager_email": "hire2@example.com"}, "cannot be a manager"),
    ({"manager_email": "ghost@example.com"}, "choose the manager from the list"),
    ({"email": "admin@example.com"}, "already exists"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"name": ""}, "This field is required"),
    ({"role": "emperor"}, "Not a valid choice"),
])
def test_bad_edits_write_nothing(admin_client, make_user, changes, message):
    make_user(email="hire2@example.com")
    hire = make_user(email="hana@example.com", name="Hana Hire")
    before = db.session.scalar(select(func.count()).select_from(Event))
    response = _edit(admin_client, hire, **changes)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert get_user_by_email("hana@example.com").name == "Hana Hire"
    assert db.session.scalar(select(func.count()).select_from(Event)) == before


def test_a_manager_cannot_report_to_their_own_report(admin_client, make_user):
    boss = make_user(email="boss@example.com", role="manager")
    lead = make_user(email="lead@example.com", role="manager", manager_email="boss@example.com")
    response = _edit(admin_client, boss, manager_email=lead.email)
    assert response.status_code == 400 and "circle of managers" in response.get_data(as_text=True)


def test_deactivated_people_cannot_sign_in_get_no_digests_and_keep_their_plan(app, admin_client, make_plan):
    plan = make_plan()
    hire = plan.hire
    hire.digest_cadence = "daily"
    db.session.commit()
    client = app.test_client()
    assert login(client, hire.email).status_code == 302
    assert admin_client.post(f"/admin/people/{hire.id}/deactivate").status_code == 302
    assert client.get("/plan").status_code == 302
    assert login(app.test_client(), hire.email).status_code == 401
    build_digests(NOW.replace(hour=23))
    assert db.session.scalar(select(func.count()).select_from(Digest).where(Digest.user_id == hire.id)) == 0
    assert db.session.get(Plan, plan.id) is not None
    page = admin_client.get(f"/admin/people/{hire.id}").get_data(as_text=True)
    assert "Deactivated" in page and ">Reactivate</button>" in page
    assert admin_client.post(f"/admin/people/{hire.id}/reactivate").status_code == 302
    assert login(app.test_client(), hire.email).status_code == 302
    kinds = db.session.scalars(select(Event.kind).where(Event.person_id == hire.id).order_by(Event.id)).all()
    assert kinds[-2:] == [EventType.PERSON_DEACTIVATED, EventType.PERSON_REACTIVATED]


def test_an_admin_cannot_deactivate_themselves(admin_client, admin):
    response = admin_client.post(f"/admin/people/{admin.id}/deactivate")
    assert response.status_code == 400
    db.session.rollback()
    assert get_user_by_email("admin@example.com").is_active_account


def test_a_person_with_a_password_is_not_invited(admin_client, make_user):
    hire = make_user(email="hana@example.com")
    assert admin_client.post(f"/admin/people/{hire.id}/invite").status_code == 400
    assert mail_to("hana@example.com") == []


def test_managers_are_chosen_from_a_list_of_eligible_people(admin_client, make_user, make_role):
    make_role()
    make_user(email="boss@example.com", name="Bo Boss", role="manager")
    make_user(email="hire2@example.com", name="Hal Hire")
    gone = make_user(email="gone@example.com", name="Gus Gone", role="manager")
    admin_client.post(f"/admin/people/{gone.id}/deactivate")
    for path in ("/admin/people", "/admin/plans/new"):
        page = admin_client.get(path).get_data(as_text=True)
        managers = re.search(r'<datalist id="eligible-managers">(.*?)</datalist>', page, re.S).group(1)
        assert '<option value="boss@example.com">Bo Boss</option>' in managers
        assert "hire2@example.com" not in managers and "gone@example.com" not in managers
        assert 'list="eligible-managers"' in page
    buddies = re.search(r'<datalist id="eligible-buddies">(.*?)</datalist>',
                        admin_client.get("/admin/plans/new").get_data(as_text=True), re.S).group(1)
    assert "hire2@example.com" in buddies and "gone@example.com" not in buddies


def test_time_zones_come_from_the_iana_list(admin_client):
    page = admin_client.get("/admin/people").get_data(as_text=True)
    zone_select = re.search(r'<select[^>]* id="timezone"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert '<option value="Europe/Paris">Europe/Paris</option>' in zone_select
    assert '<option selected value="UTC">UTC</option>' in zone_select
    assert zone_select.count("<option") > 300


SAMPLE = (b"name,email,role,start date,manager email\n"
          b"Ida Import,ida@example.com,support-engineer,2026-04-06,boss@example.com\n"
          b"Bad Date,bad@example.com,support-engineer,2026-02-30,boss@example.com\n"
          b"No Role,norole@example.com,astronaut,2026-04-06,boss@example.com\n")


def test_the_web_import_previews_with_line_numbers_then_saves(admin_client, make_user, make_role):
    make_role()
    make_user(email="boss@example.com", role="manager")
    from io import BytesIO

    preview = admin_client.post("/admin/hires/import", data={"file": (BytesIO(SAMPLE), "hires.csv"), "invite": "y"},
                                content_type="multipart/form-data")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Preview: nothing is saved yet" in page and "Ida Import" in page
    assert "Line 3:" in page and "Line 4: no role template &#39;astronaut&#39;" in page
    assert get_user_by_email("ida@example.com") is None  # nothing saved yet
    assert mail_to("ida@example.com") == []
    content = re.search(r'name="content" type="hidden" value="([^"]+)"', page).group(1)
    assert base64.b64decode(content) == SAMPLE
    saved = admin_client.post("/admin/hires/import", data={"content": content, "save": "y", "invite": "y"})
    assert saved.status_code == 302
    ida = get_user_by_email("ida@example.com")
    assert ida is not None and db.session.scalar(select(Plan).where(Plan.hire_id == ida.id)) is not None
    assert len(mail_to("ida@example.com")) == 1
    assert get_user_by_email("bad@example.com") is None


@pytest.mark.parametrize("data,message", [
    ({}, "choose a CSV file first"),
    ({"content": "!!!not base64"}, "damaged"),
    ({"content": base64.b64encode(b"\x00\x01binary").decode()}, "not a CSV text file"),
    ({"content": base64.b64encode(b"name,email\nA,a@example.com\n").decode()}, "lacks the column"),
])
def test_the_web_import_refuses_files_that_are_not_hires_csv(admin_client, data, message):
    response = admin_client.post("/admin/hires/import", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_sample_csv_is_served_and_imports_cleanly(app, runner, admin_client, make_user, make_role, tmp_path):
    from onboarding import PROJECT_ROOT

    with admin_client.get("/static/sample-hires.csv") as sample:
        assert sample.status_code == 200
        data = sample.data
    assert data == (PROJECT_ROOT / "onboarding" / "static" / "sample-hires.csv").read_bytes()
    assert b"sample-hires.csv" in (PROJECT_ROOT / "README.md").read_bytes()
    make_role()
    make_user(email="mara@example.com", role="manager")
    make_user(email="sam@example.com")
    path = tmp_path / "sample.csv"
    path.write_bytes(data)
    result = runner.invoke(args=["hires", "import", str(path), "--no-invite"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("Imported 2 hire(s); 0 skipped")


def test_the_person_page_shows_the_history_of_changes(admin_client, make_user):
    hire = make_user(email="hana@example.com", name="Hana Hire")
    _edit(admin_client, hire, name="Hana H. Hire")
    admin_client.post(f"/admin/people/{hire.id}/deactivate")
    page = admin_client.get(f"/admin/people/{hire.id}").get_data(as_text=True)
    history = re.search(r'id="person-history-heading".*?</table>', page, re.S).group(0)
    # newest first (the factory added the person at the wall clock's time, so only the two below are ordered)
    assert history.index("deactivated the person") < history.index("edited the person")
    assert "added the person" in history
    assert "name: Hana Hire → Hana H. Hire" in history and "Ada Admin" in history


def test_the_people_pages_cost_the_same_queries_for_5_or_40_people(admin_client, make_user, count_queries):
    boss = make_user(email="boss@example.com", role="manager")

    def statements(path: str) -> int:
        with count_queries() as recorded:
            assert admin_client.get(path).status_code == 200
        return len(recorded)

    for n in range(5):
        make_user(email=f"few{n}@example.com", manager_email=boss.email)
    few = (statements("/admin/people"), statements(f"/admin/people/{boss.id}"))
    for n in range(35):
        make_user(email=f"many{n}@example.com", manager_email=boss.email, password=None)
    many = (statements("/admin/people"), statements(f"/admin/people/{boss.id}"))
    assert few == many


def test_a_person_whose_manager_left_can_still_be_edited(admin_client, make_user):
    boss = make_user(email="boss@example.com", role="manager")
    hire = make_user(email="hana@example.com", name="Hana Hire", manager_email=boss.email)
    admin_client.post(f"/admin/people/{boss.id}/deactivate")
    assert _edit(admin_client, hire, name="Hana H. Hire", manager_email="boss@example.com").status_code == 302
    db.session.rollback()
    assert get_user_by_email("hana@example.com").name == "Hana H. Hire"
