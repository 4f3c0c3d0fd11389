"""Invitations: however a person is added, one mail through the outbox, a 7-day single-use link."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onboarding.audit.models import Event
from onboarding.audit.types import EventType
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.people.operations import get_user_by_email
from tests.conftest import NOW, login
from tests.people.helpers import link_in, mail_to
from tests.plans.views.conftest import sign_in


@pytest.fixture
def admin_client(app, make_user):
    app.config["FIXED_NOW"] = NOW
    admin = make_user(email="admin@example.com", name="Ada Admin", role="admin")
    client = app.test_client()
    sign_in(client, admin)
    return client


def _add_person(admin_client, **changes):
    data = {"name": "Nia Newbie", "email": "nia@example.com", "role": "hire", "timezone": "Europe/Paris",
            "invite": "y"}
    data.update(changes)
    return admin_client.post("/admin/people", data=data)


def test_adding_a_person_queues_one_invitation_with_a_link(app, admin_client):
    response = _add_person(admin_client)
    assert response.status_code == 302
    [message] = mail_to("nia@example.com")
    assert message.status == "queued"
    assert message.subject == "You are invited to Onboarding"
    assert "Ada Admin added you" in message.text_body
    assert message.headers["Message-ID"] and message.headers["Date"]
    assert link_in(message.text_body, "invitation").startswith("/password/invitation/")
    assert link_in(message.html_body, "invitation") == link_in(message.text_body, "invitation")
    nia = get_user_by_email("nia@example.com")
    assert nia.status == "invited"
    kinds = db.session.scalars(select(Event.kind).where(Event.person_id == nia.id).order_by(Event.id)).all()
    assert kinds == [EventType.PERSON_ADDED, EventType.PERSON_INVITED]


def test_the_invitation_box_unticked_or_a_password_sends_nothing(admin_client):
    assert _add_person(admin_client, invite="").status_code == 302
    assert _add_person(admin_client, email="pat@example.com", password="a good long password").status_code == 302
    assert mail_to("nia@example.com") == [] and mail_to("pat@example.com") == []
    assert get_user_by_email("nia@example.com").status == "not invited"
    assert get_user_by_email("pat@example.com").status == "active"


def test_the_box_is_ticked_by_default(admin_client):
    page = admin_client.get("/admin/people").get_data(as_text=True)
    assert re.search(r'<input checked id="invite" name="invite" type="checkbox" value="y">', page)
    assert '<label for="invite">Send an invitation</label>' in page


def test_the_link_sets_a_password_signs_in_and_works_once(app, admin_client, make_plan):
    _add_person(admin_client)
    path = link_in(mail_to("nia@example.com")[0].text_body, "invitation")
    visitor = app.test_client()
    page = visitor.get(path).get_data(as_text=True)
    assert '<label for="new">New password</label>' in page
    assert '<label for="confirm">Confirm new password</label>' in page
    assert ">Set password</button>" in page
    response = visitor.post(path, data={"new": "my new password", "confirm": "my new password"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert visitor.get("/").headers["Location"].endswith("/plan")
    assert visitor.get("/plan").status_code == 200  # signed in
    assert get_user_by_email("nia@example.com").status == "active"
    again = app.test_client().post(path, data={"new": "another password", "confirm": "another password"})
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)
    assert login(app.test_client(), "nia@example.com", "another password").status_code == 401
    assert login(app.test_client(), "nia@example.com", "my new password").status_code == 302


def test_mismatched_or_short_passwords_are_refused_and_the_link_still_works(app, admin_client):
    _add_person(admin_client)
    path = link_in(mail_to("nia@example.com")[0].text_body, "invitation")
    client = app.test_client()
    assert client.post(path, data={"new": "my new password", "confirm": "my other one"}).status_code == 400
    assert client.post(path, data={"new": "short", "confirm": "short"}).status_code == 400
    assert get_user_by_email("nia@example.com").password_hash is None
    assert client.get(path).status_code == 200


def test_the_link_expires_after_seven_days(app, admin_client):
    _add_person(admin_client)
    path = link_in(mail_to("nia@example.com")[0].text_body, "invitation")
    app.config["FIXED_NOW"] = NOW + timedelta(days=6, hours=23)
    assert app.test_client().get(path).status_code == 200
    app.config["FIXED_NOW"] = NOW + timedelta(days=7, minutes=1)
    response = app.test_client().post(path, data={"new": "my new password", "confirm": "my new password"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert get_user_by_email("nia@example.com").password_hash is None


def test_forged_and_other_kinds_of_links_do_nothing(app, admin_client, make_user):
    _add_person(admin_client)
    path = link_in(mail_to("nia@example.com")[0].text_body, "invitation")
    token = path.rsplit("/", 1)[1]
    client = app.test_client()
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (f"/password/invitation/{forged}", f"/password/reset/{token}", "/password/invitation/nonsense",
                "/password/invitation/" + "x" * 5000):
        response = client.post(bad, data={"new": "my new password", "confirm": "my new password"})
        assert response.status_code == 400, bad
        assert "not valid" in response.get_data(as_text=True)
    assert get_user_by_email("nia@example.com").password_hash is None


def test_resending_revokes_the_earlier_link(app, admin_client):
    _add_person(admin_client)
    nia = get_user_by_email("nia@example.com")
    first = link_in(mail_to("nia@example.com")[0].text_body, "invitation")
    app.config["FIXED_NOW"] = NOW + timedelta(minutes=5)
    assert admin_client.post(f"/admin/people/{nia.id}/invite").status_code == 302
    messages = mail_to("nia@example.com")
    assert len(messages) == 2
    second = link_in(messages[1].text_body, "invitation")
    assert app.test_client().get(first).status_code == 400
    assert app.test_client().get(second).status_code == 200


def test_a_deactivated_person_cannot_use_their_link(app, admin_client):
    _add_person(admin_client)
    nia = get_user_by_email("nia@example.com")
    path = link_in(mail_to("nia@example.com")[0].text_body, "invitation")
    admin_client.post(f"/admin/people/{nia.id}/deactivate")
    assert app.test_client().get(path).status_code == 400


def test_users_add_invites_unless_told_not_to(app, runner):
    result = runner.invoke(args=["users", "add", "--email", "ada@example.com", "--name", "Ada", "--role", "hire"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "Added hire Ada <ada@example.com>."
    assert len(mail_to("ada@example.com")) == 1
    runner.invoke(args=["users", "add", "--email", "bob@example.com", "--name", "Bob", "--role", "hire",
                        "--no-invite"])
    runner.invoke(args=["users", "add", "--email", "cy@example.com", "--name", "Cy", "--role", "hire",
                        "--password", "a good long password"])
    assert mail_to("bob@example.com") == [] and mail_to("cy@example.com") == []


def test_hires_add_and_import_invite_new_people_once(app, runner, make_role, make_user, tmp_path):
    make_role()
    make_user(email="mara@example.com", role="manager")
    result = runner.invoke(args=["hires", "add", "--email", "ida@example.com", "--name", "Ida", "--role-template",
                                 "support-engineer", "--start", "2026-04-06", "--manager", "mara@example.com"])
    assert result.exit_code == 0, result.output
    assert len(mail_to("ida@example.com")) == 1
    runner.invoke(args=["hires", "add", "--email", "jo@example.com", "--name", "Jo", "--role-template",
                        "support-engineer", "--start", "2026-04-06", "--no-invite"])
    assert mail_to("jo@example.com") == []
    csv = tmp_path / "hires.csv"
    csv.write_text("name,email,role,start date,manager email\n"
                   "Kim,kim@example.com,support-engineer,2026-04-06,mara@example.com\n"
                   "Ida,ida@example.com,support-engineer,2026-04-06,mara@example.com\n")
    result = runner.invoke(args=["hires", "import", str(csv)])
    assert result.output.strip().splitlines()[-1].startswith("Imported 1 hire(s); 1 skipped")
    assert len(mail_to("kim@example.com")) == 1
    assert len(mail_to("ida@example.com")) == 1  # the existing person is not invited again
    csv.write_text("name,email,role,start date\nLu,lu@example.com,support-engineer,2026-04-06\n")
    runner.invoke(args=["hires", "import", str(csv), "--no-invite"])
    assert mail_to("lu@example.com") == []


def test_an_imported_hires_invitation_link_sets_a_password(app, runner, make_role, make_user, tmp_path):
    """The import invites set-based (one UPDATE, one INSERT of mails and of events per chunk): the
    link it mails still names the person and works once, and the invitation is in the audit log."""
    make_role()
    make_user(email="mara@example.com", role="manager")
    csv = tmp_path / "hires.csv"
    csv.write_text("name,email,role,start date,manager email\n"
                   "Kim Import,kim@example.com,support-engineer,2026-04-06,mara@example.com\n")
    result = runner.invoke(args=["hires", "import", str(csv)])
    assert result.exit_code == 0, result.output
    [message] = mail_to("kim@example.com")
    assert "Kim" in message.text_body and message.headers["To"] == "Kim Import <kim@example.com>"
    kim = get_user_by_email("kim@example.com")
    assert kim.invited_at is not None
    assert [e.kind for e in db.session.scalars(select(Event).where(Event.person_id == kim.id).order_by(Event.id))] \
        == [EventType.PERSON_ADDED, EventType.PERSON_INVITED]
    path = link_in(message.text_body, "invitation")
    visitor = app.test_client()
    response = visitor.post(path, data={"new": "my new password", "confirm": "my new password"})
    assert response.status_code == 302
    assert visitor.get("/plan").status_code == 200
    again = app.test_client().post(path, data={"new": "another password", "confirm": "another password"})
    assert again.status_code == 400


def test_a_failed_add_sends_no_mail(admin_client):
    assert _add_person(admin_client, manager_email="ghost@example.com").status_code == 400
    assert mail_to("nia@example.com") == []
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "nia@example.com")) == 0


def test_someone_signed_in_cannot_use_another_persons_link(app, admin_client, make_user):
    _add_person(admin_client)
    path = link_in(mail_to("nia@example.com")[0].text_body, "invitation")
    other = make_user(email="olga@example.com")
    client = app.test_client()
    sign_in(client, other)
    response = client.post(path, data={"new": "my new password", "confirm": "my new password"})
    assert response.status_code == 403 and "This link is for someone else" in response.get_data(as_text=True)
    assert get_user_by_email("nia@example.com").password_hash is None


def test_a_hire_added_through_the_api_is_invited_once_unless_told_not_to(app, client, make_user, make_role):
    from onboarding.people.tokens import create_token
    from tests.api.conftest import auth

    make_role()
    admin = make_user(role="admin", name="Ada Admin")
    secret = create_token(admin, "HRIS", actor=None, now=NOW)[1]
    db.session.commit()

    def add(email: str, key: str, **extra):
        return client.post("/api/v1/hires", headers=auth(secret, **{"Idempotency-Key": key}), json={
            "email": email, "name": "Nia Newbie", "role": "support-engineer", "start_on": "2026-03-02", **extra})

    assert add("nia@example.com", "one").status_code == 201
    assert add("nia@example.com", "one").status_code == 201  # a replay answers again, mails nothing more
    [message] = mail_to("nia@example.com")
    assert message.subject == "You are invited to Onboarding"
    assert get_user_by_email("nia@example.com").status == "invited"

    assert add("pat@example.com", "two", invite=False).status_code == 201
    assert mail_to("pat@example.com") == [] and get_user_by_email("pat@example.com").status == "not invited"
