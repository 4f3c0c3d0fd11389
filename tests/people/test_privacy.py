"""Privacy of HR data: what a buddy sees; export and erase a person (pages and commands)."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import String, cast, func, select

from onboarding.audit.models import Event
from onboarding.audit.types import EventType
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.people.models import User
from onboarding.people.operations import deactivate_person, get_user_by_email
from onboarding.plans.check_ins import add_comment, record_check_in, record_self_assessment
from onboarding.plans.models import CheckIn, Comment, Plan, PlanItem
from onboarding.plans.states import complete_item
from onboarding.plans.status import progress_for_plans
from tests.conftest import NOW, TODAY, login
from tests.plans.views.conftest import LEAF, item_by_text, sign_in

RATING_NOTES = "Struggles with the on-call rota; HR is aware."
SELF_ASSESSMENT = "I felt lost during the first two weeks."


@pytest.fixture
def private_plan(org):
    """Plan A with a recorded check-in (rating and notes), a self-assessment, a done item and comments."""
    plan = org.plan_a
    record_self_assessment(plan, "day-30", org.hire_a, SELF_ASSESSMENT, NOW)
    record_check_in(plan, "day-30", org.manager_a, "at risk", RATING_NOTES, NOW)
    db.session.commit()
    complete_item(item_by_text(plan, LEAF), org.hire_a, now=NOW, note="Paired with Sam on the queue.")
    add_comment(plan, org.buddy, "Nice progress on the queue!", NOW)
    add_comment(plan, org.hire_a, "Thanks, Bea!", NOW)
    db.session.commit()
    return org


def test_a_buddy_sees_items_and_comments_but_no_check_in_or_self_assessment(private_plan, client_as):
    org = private_plan
    buddy = client_as(org.buddy)
    for path in (f"/plans/{org.plan_a.id}", f"/plans/{org.plan_a.id}/history"):
        page = buddy.get(path).get_data(as_text=True)
        assert RATING_NOTES not in page and SELF_ASSESSMENT not in page, path
        assert "At risk" not in page and "at risk" not in page, path
    page = buddy.get(f"/plans/{org.plan_a.id}").get_data(as_text=True)
    assert LEAF in page and "Nice progress on the queue!" in page and "Thanks, Bea!" in page
    # the hire and the manager do see the check-in on the same page
    for person in (org.hire_a, org.manager_a, org.admin):
        page = client_as(person).get(f"/plans/{org.plan_a.id}").get_data(as_text=True)
        assert RATING_NOTES in page, person.email


def test_comments_have_a_length_limit_a_rate_limit_and_pages(app, org, client_as):
    app.config["FIXED_NOW"] = NOW
    buddy = client_as(org.buddy)
    url = f"/plans/{org.plan_a.id}/comments"
    assert buddy.post(url, data={"body": "x" * 5001}).status_code == 400
    app.config["COMMENT_MAX_PER_WINDOW"] = 3
    for n in range(3):
        assert buddy.post(url, data={"body": f"Comment {n}"}).status_code == 302
    refused = buddy.post(url, data={"body": "One too many"})
    assert refused.status_code == 400 and "wait a few minutes" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 3
    app.config["COMMENT_MAX_PER_WINDOW"] = 1000
    for n in range(3, 60):
        add_comment(org.plan_a, org.hire_a, f"Comment {n}", NOW)
    db.session.commit()
    def comments_of(page: str) -> str:
        return re.search(r'id="comments".*?</section>', page, re.S).group(0)

    newest = comments_of(buddy.get(f"/plans/{org.plan_a.id}").get_data(as_text=True))
    assert "Comments (60)" in buddy.get(f"/plans/{org.plan_a.id}").get_data(as_text=True)
    assert "Comment 59" in newest and ">Comment 0<" not in newest
    assert "Page 2 of 2" in newest
    oldest = comments_of(buddy.get(f"/plans/{org.plan_a.id}?page=1").get_data(as_text=True))
    assert ">Comment 0<" in oldest and "Comment 59" not in oldest
    assert buddy.get(f"/plans/{org.plan_a.id}?page=99999999999999999999").status_code == 200


def test_an_admin_exports_everything_about_a_person(private_plan, client_as):
    org = private_plan
    response = client_as(org.admin).get(f"/admin/people/{org.hire_a.id}/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="person-{org.hire_a.id}.json"'
    document = response.get_json()
    assert document["person"]["email"] == "hana@example.com"
    [plan] = document["plans"]
    assert plan["check_ins"][0]["self_assessment"] == SELF_ASSESSMENT
    assert any(i["note"] == "Paired with Sam on the queue." for i in plan["items"])
    assert {c["body"] for c in document["comments"]} == {"Nice progress on the queue!", "Thanks, Bea!"}
    assert db.session.scalar(select(Event.actor_id).where(
        Event.kind == EventType.PERSON_EXPORTED, Event.person_id == org.hire_a.id)) == org.admin.id


def test_erasing_needs_a_deactivated_person_and_a_typed_confirmation(private_plan, client_as):
    org = private_plan
    admin = client_as(org.admin)
    url = f"/admin/people/{org.hire_a.id}/erase"
    page = admin.get(url).get_data(as_text=True)
    assert "Type their email address" in page
    assert admin.post(url, data={"confirm_email": "hana@example.com"}).status_code == 400  # still active
    deactivate_person(org.hire_a, actor=org.admin, now=NOW)
    db.session.commit()
    assert admin.post(url, data={"confirm_email": "someone@else.com"}).status_code == 400
    db.session.rollback()
    assert get_user_by_email("hana@example.com").erased_at is None
    assert admin.post(url, data={"confirm_email": "hana@example.com"}).status_code == 302


def test_erasing_removes_personal_data_and_keeps_anonymous_figures(private_plan, client_as):
    org = private_plan
    hire_id, plan_id = org.hire_a.id, org.plan_a.id
    before = progress_for_plans([plan_id], TODAY)[plan_id]
    deactivate_person(org.hire_a, actor=org.admin, now=NOW)
    db.session.commit()
    assert client_as(org.admin).post(f"/admin/people/{hire_id}/erase",
                                     data={"confirm_email": "hana@example.com"}).status_code == 302
    db.session.rollback()
    person = db.session.get(User, hire_id)
    assert (person.name, person.email) == (f"Erased person {hire_id}", f"erased-{hire_id}@erased.invalid")
    assert person.password_hash is None and person.erased_at is not None and not person.is_active_account
    # the plan and its figures stay
    plan = db.session.get(Plan, plan_id)
    assert plan is not None and plan.hire_id == hire_id
    after = progress_for_plans([plan_id], TODAY)[plan_id]
    assert (after.status, after.done, after.total) == (before.status, before.done, before.total)
    assert db.session.scalar(select(CheckIn.status).where(CheckIn.plan_id == plan_id)) == "at risk"
    # the words are gone: notes, assessments, comments, mail, and the email/name in the audit log
    assert db.session.scalar(select(CheckIn.notes).where(CheckIn.plan_id == plan_id)) == ""
    assert db.session.scalar(select(CheckIn.self_assessment).where(CheckIn.plan_id == plan_id)) == ""
    assert set(db.session.scalars(select(PlanItem.note).where(PlanItem.plan_id == plan_id))) == {""}
    assert set(db.session.scalars(select(Comment.body))) == {"[removed]"}
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.user_id == hire_id)) == 0
    for text in ("hana@example.com", "Hana Hire", SELF_ASSESSMENT, RATING_NOTES, "Nice progress"):
        found = db.session.scalar(select(func.count()).select_from(Event).where(
            (cast(Event.old_value, String).like(f"%{text}%")) | (cast(Event.new_value, String).like(f"%{text}%"))))
        assert found == 0, text
    assert db.session.scalar(select(Event.kind).where(Event.person_id == hire_id).order_by(Event.id.desc())) \
        == EventType.PERSON_ERASED
    # they cannot sign in, and cannot be reactivated
    assert login(client_as(None), "hana@example.com").status_code == 401
    assert client_as(org.admin).post(f"/admin/people/{hire_id}/reactivate").status_code == 400


def test_people_export_and_erase_commands(private_plan, runner):
    result = runner.invoke(args=["people", "export", "hana@example.com"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["person"]["name"] == "Hana Hire"
    refused = runner.invoke(args=["people", "erase", "hana@example.com"], input="n\n")
    assert refused.exit_code != 0 and get_user_by_email("hana@example.com") is not None
    result = runner.invoke(args=["people", "erase", "hana@example.com"], input="y\n")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("Erased person ")
    db.session.rollback()
    assert get_user_by_email("hana@example.com") is None
    missing = runner.invoke(args=["people", "export", "nobody@example.com"])
    assert missing.exit_code != 0 and "no person with the email nobody@example.com" in missing.output


def test_the_admin_cannot_erase_themselves(org, client_as):
    deactivated = db.session.get(User, org.admin.id)
    client = client_as(org.admin)
    assert client.post(f"/admin/people/{deactivated.id}/erase",
                       data={"confirm_email": "admin@example.com"}).status_code == 400


def test_out_of_range_ids_are_not_found(org, client_as):
    client = client_as(org.admin)
    for path in ("/admin/people/0", "/admin/people/99999999999999999999", "/admin/people/9223372036854775808",
                 "/admin/people/2147483648/export"):
        assert client.get(path).status_code == 404, path


def test_sign_in_with_an_erased_persons_old_session_fails(app, org, client_as):
    client = app.test_client()
    sign_in(client, org.hire_a)
    assert client.get("/plan").status_code == 200
    from onboarding.people.privacy import erase_person

    deactivate_person(org.hire_a, actor=None, now=NOW)
    erase_person(org.hire_a, actor=None, now=NOW)
    db.session.commit()
    assert client.get("/plan").status_code == 302
