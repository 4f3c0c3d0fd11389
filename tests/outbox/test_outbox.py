"""Delivery through a real SMTP server that refuses, fails for a while, or goes down."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onboarding.extensions import db
from onboarding.outbox.delivery import deliver_outbox
from onboarding.outbox.models import OutboxMessage
from onboarding.outbox.queue import LEASE, backoff, claim_batch
from onboarding.reminders.build import build_digests
from tests.conftest import NOW, TODAY, login
from tests.reminders.helpers import outbox


def team(person, make_plan, n: int = 3):
    """n hires with overdue work and no manager: n digests on Monday at NOW."""
    hires = []
    for i in range(n):
        hire = person(f"hire{i}@example.com", name=f"Hire {i}")
        make_plan(hire=hire, manager=False, start_on=TODAY - timedelta(days=40))
        hires.append(hire)
    return hires


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_no_smtp_configured_keeps_mail_queued(app, person, make_plan):
    team(person, make_plan, 2)
    assert build_digests(NOW) == 2
    assert deliver_outbox(NOW) == 0
    assert [m.status for m in outbox()] == ["queued", "queued"]
    assert all(m.attempts == 0 and m.last_error == "" for m in outbox())


def test_messages_are_sent_once_and_marked_sent(app, person, make_plan, smtp):
    team(person, make_plan, 3)
    build_digests(NOW)
    assert deliver_outbox(NOW, batch_size=2) == 3  # two batches, two connections
    assert sorted(r.to for r in smtp.received) == ["hire0@example.com", "hire1@example.com", "hire2@example.com"]
    assert all(m.status == "sent" and m.sent_at == NOW and m.attempts == 1 for m in outbox())
    assert deliver_outbox(NOW + timedelta(hours=1)) == 0
    assert len(smtp.received) == 3


def test_a_451_is_retried_with_backoff_then_delivered(app, person, make_plan, smtp):
    team(person, make_plan, 2)
    build_digests(NOW)
    smtp.fail_once("hire0@example.com", "451 4.3.0 Mailbox busy, try again later")
    assert deliver_outbox(NOW) == 1  # the other one goes through on the same connection
    waiting = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == "hire0@example.com"))
    assert waiting.status == "queued" and waiting.attempts == 1
    assert waiting.next_attempt_at == NOW + timedelta(minutes=1)
    assert waiting.last_error == "451 4.3.0 Mailbox busy, try again later"
    assert deliver_outbox(NOW + timedelta(seconds=30)) == 0  # not before the backoff
    assert deliver_outbox(NOW + timedelta(minutes=1)) == 1
    db.session.expire_all()
    assert waiting.status == "sent" and waiting.attempts == 2 and waiting.last_error == ""
    assert len(smtp.to("hire0@example.com")) == 1 and len(smtp.to("hire1@example.com")) == 1


def test_a_550_fails_the_message_and_admins_see_it(app, person, make_plan, smtp, client):
    team(person, make_plan, 2)
    person("root@example.com", role="admin", cadence="off")
    from onboarding.people.operations import get_user_by_email, set_password

    set_password(get_user_by_email("root@example.com"), "correct horse battery")
    db.session.commit()
    build_digests(NOW)
    smtp.reject("hire1@example.com", "550 5.1.1 <hire1@example.com>: Recipient address rejected")
    assert deliver_outbox(NOW) == 1
    failed = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == "hire1@example.com"))
    assert failed.status == "failed"
    assert failed.last_error == "550 5.1.1 <hire1@example.com>: Recipient address rejected"
    assert deliver_outbox(NOW + timedelta(days=1)) == 0  # failed stays failed

    login(client, "root@example.com")
    page = client.get("/admin/outbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "hire1@example.com" in html and "Recipient address rejected" in html
    assert "Retry<span class=\"visually-hidden\"> the message to hire1@example.com</span>" in html
    assert "No SMTP server is configured" not in html

    smtp.accept("hire1@example.com")
    response = client.post(f"/admin/outbox/{failed.id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    assert failed.status == "queued" and failed.attempts == 0
    later = NOW + timedelta(days=1)
    failed.next_attempt_at = later
    db.session.commit()
    assert deliver_outbox(later) == 1
    assert len(smtp.to("hire1@example.com")) == 1


def test_only_admins_see_the_outbox(app, person, client, make_user):
    make_user(email="hire@example.com", role="hire")
    assert client.get("/admin/outbox").status_code == 302  # to sign-in
    login(client, "hire@example.com")
    assert client.get("/admin/outbox").status_code == 403
    assert client.post("/admin/outbox/1/retry").status_code == 403


def test_outbox_page_says_when_no_smtp_is_configured(app, person, make_plan, client, make_user):
    team(person, make_plan, 1)
    make_user(email="root@example.com", role="admin")
    build_digests(NOW)
    login(client, "root@example.com")
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert "No SMTP server is configured" in html and "ONBOARDING_SMTP_HOST" in html
    assert "hire0@example.com" in html  # queued, listed


def test_smtp_down_loses_nothing_and_everything_arrives_once_it_is_back(app, person, make_plan, smtp):
    team(person, make_plan, 3)
    build_digests(NOW)
    smtp.stop()
    moment = NOW
    for _ in range(5):  # the 1-minute drain keeps trying while the server is down
        assert deliver_outbox(moment) == 0
        moment += timedelta(minutes=20)
    queued = outbox()
    assert [m.status for m in queued] == ["queued"] * 3
    assert all("cannot reach the SMTP server" in m.last_error for m in queued)
    smtp.start()
    assert deliver_outbox(moment + timedelta(hours=1)) == 3
    assert sorted(r.to for r in smtp.received) == ["hire0@example.com", "hire1@example.com", "hire2@example.com"]
    assert deliver_outbox(moment + timedelta(hours=3)) == 0
    assert len(smtp.received) == 3


def test_a_failing_server_never_fails_a_message_however_long_it_is_down(app, person, make_plan, smtp):
    team(person, make_plan, 1)
    build_digests(NOW)
    smtp.stop()
    for day in range(6):
        deliver_outbox(NOW + timedelta(days=day))
    [message] = outbox()
    assert message.status == "queued" and message.attempts == 6


def test_a_4xx_for_days_ends_as_failed(app, person, make_plan, smtp):
    team(person, make_plan, 1)
    build_digests(NOW)
    smtp.reject("hire0@example.com", "452 4.2.2 Mailbox full")
    moment = NOW
    for _ in range(12):
        deliver_outbox(moment)
        moment += timedelta(hours=8)
    [message] = outbox()
    assert message.status == "failed"
    assert message.last_error.startswith("gave up after") and "452 4.2.2 Mailbox full" in message.last_error


def test_killed_between_build_and_send_sends_once_on_the_next_run(app, person, make_plan, smtp):
    team(person, make_plan, 2)
    build_digests(NOW)  # committed; the process dies before delivering
    db.session.remove()
    assert build_digests(NOW + timedelta(minutes=15)) == 0  # the next wake builds nothing new ...
    assert deliver_outbox(NOW + timedelta(minutes=15)) == 2  # ... and sends what was queued
    assert deliver_outbox(NOW + timedelta(minutes=30)) == 0
    assert len(smtp.received) == 2


def test_killed_while_sending_retries_after_the_lease(app, person, make_plan, smtp):
    team(person, make_plan, 2)
    build_digests(NOW)
    assert len(claim_batch(NOW, 10)) == 2  # claimed, then the sender dies
    db.session.remove()
    assert deliver_outbox(NOW + timedelta(seconds=30)) == 0  # another sender does not take them yet
    assert deliver_outbox(NOW + LEASE) == 2
    assert len(smtp.received) == 2


def test_two_senders_never_claim_the_same_message(app, person, make_plan):
    team(person, make_plan, 5)
    build_digests(NOW)
    first = claim_batch(NOW, 3)
    second = claim_batch(NOW, 3)
    assert len(first) == 3 and len(second) == 2
    assert not {m.id for m in first} & {m.id for m in second}
    assert claim_batch(NOW, 3) == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtp_login_when_configured(app, person, make_plan):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from tests.reminders.helpers import RecordingHandler, free_port

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) in {
        (b"mailer", b"s3cret"), ("mailer", "s3cret")}
        return AuthResult(success=ok, handled=False)

    handler, port = RecordingHandler(), free_port()
    # AUTH without TLS (aiosmtpd warns about it): this test is about the login, not the encryption
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        team(person, make_plan, 1)
        build_digests(NOW)
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_USER="mailer", SMTP_PASSWORD="wrong")
        assert deliver_outbox(NOW) == 0
        [message] = outbox()
        assert message.status == "queued" and "535" in message.last_error  # a bad login keeps mail queued
        app.config.update(SMTP_PASSWORD="s3cret")
        assert deliver_outbox(NOW + timedelta(hours=1)) == 1
        assert [r.to for r in handler.received] == ["hire0@example.com"]
    finally:
        controller.stop()


def test_old_empty_claims_are_pruned_and_sent_ones_kept(app, person, make_plan, smtp):
    from onboarding.reminders.models import Digest

    busy = person("busy@example.com")
    idle = person("idle@example.com")
    make_plan(hire=busy, manager=False, start_on=TODAY - timedelta(days=40))
    build_digests(NOW)
    assert {d.user_id: d.message_id is None for d in db.session.scalars(select(Digest))} == {busy.id: False,
                                                                                            idle.id: True}
    build_digests(NOW + timedelta(days=15))  # two weeks on: the empty claim of week 10 is gone
    periods = {(d.user_id, d.period) for d in db.session.scalars(select(Digest))}
    assert (busy.id, "2026-W10") in periods and (idle.id, "2026-W10") not in periods
    assert (idle.id, "2026-W12") in periods


def test_a_long_error_is_kept_to_its_first_1000_characters(app):
    """The give-up wording goes before the server's reply, which may itself be 1000 characters."""
    from onboarding.outbox.queue import ClaimedMessage, Outcomes, retry_later

    message = ClaimedMessage(id=1, to_addr="a@example.com", subject="s", text_body="t", html_body="h", headers={},
                             attempts=20, created_at=NOW - timedelta(days=5), last_error="")
    outcomes = Outcomes()
    retry_later(outcomes, message, NOW, "451 " + "x" * 996, give_up_allowed=True)
    [row] = outcomes.rows
    assert row["new_status"] == "failed"
    assert row["new_last_error"] == ("gave up after 21 attempts: 451 " + "x" * 996)[:1000]
