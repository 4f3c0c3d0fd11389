"""Delivery against SMTP servers that misbehave in the ways real ones do: STARTTLS required, a
connection dropped mid-batch, 421 and 554 at MAIL and at DATA. Each message's status, attempts,
last_error and next attempt must be exactly right.

The test server used to refuse only at RCPT: skipping STARTTLS, re-queueing the wrong message after
a drop, skipping a backoff or retrying a 554 forever all passed.
"""
from __future__ import annotations

import ssl
from datetime import timedelta

import pytest
import trustme
from aiosmtpd.controller import Controller

from onboarding.outbox.delivery import deliver_outbox
from onboarding.reminders.build import build_digests
from tests.conftest import NOW, TODAY
from tests.reminders.helpers import MAIL_FROM, RecordingHandler, free_port, outbox

HIRES = ("hire0@example.com", "hire1@example.com", "hire2@example.com")


@pytest.fixture
def three(app, person, make_plan):
    """Three queued digests, one per hire, in this order."""
    for address in HIRES:
        make_plan(hire=person(address), manager=False, start_on=TODAY - timedelta(days=40))
    assert build_digests(NOW) == 3
    assert [m.to_addr for m in outbox()] == list(HIRES)


class Misbehaving(RecordingHandler):
    """Answers the n-th MAIL of the server's life, or the DATA for one recipient, with a reply
    of the test's choosing, or drops the connection there."""

    def __init__(self, *, mail_reply: tuple[int, str] | None = None, data_reply: tuple[str, str] | None = None,
                 drop_at_data: str | None = None):
        super().__init__()
        self.mails = 0
        self.mail_reply, self.data_reply, self.drop_at_data = mail_reply, data_reply, drop_at_data
        self.tls_sessions: list[bool] = []

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mails += 1
        if self.mail_reply and self.mails == self.mail_reply[0]:
            return self.mail_reply[1]
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop_at_data and self.drop_at_data in envelope.rcpt_tos:
            self.drop_at_data = None
            server.transport.close()
            return "250 never seen"
        if self.data_reply and self.data_reply[0] in envelope.rcpt_tos:
            return self.data_reply[1]
        self.tls_sessions.append(session.ssl is not None)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def serve(app):
    controllers = []

    def start(handler, **options):
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM=MAIL_FROM, SMTP_TIMEOUT=5)
        return handler

    yield start
    for controller in controllers:
        controller.stop()


def state(address: str):
    [message] = [m for m in outbox() if m.to_addr == address]
    return message.status, message.attempts, message.next_attempt_at, message.last_error


@pytest.fixture
def tls(tmp_path, monkeypatch):
    """A server certificate for 127.0.0.1 from a test CA that this process (and only it) trusts."""
    ca = trustme.CA()
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_file = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    return server_context


def test_starttls_is_used_when_configured(app, three, serve, tls):
    handler = serve(Misbehaving(), tls_context=tls, require_starttls=True)
    app.config.update(SMTP_STARTTLS=True)
    assert deliver_outbox(NOW) == 3
    assert sorted(r.to for r in handler.received) == sorted(HIRES)
    assert handler.tls_sessions == [True, True, True]


def test_a_server_requiring_starttls_refuses_cleartext(app, three, serve, tls):
    handler = serve(Misbehaving(), tls_context=tls, require_starttls=True)
    app.config.update(SMTP_STARTTLS=False)
    assert deliver_outbox(NOW) == 0
    assert handler.received == []
    assert all(m.status == "failed" and "530" in m.last_error for m in outbox())


def test_starttls_configured_but_not_offered_never_sends_in_cleartext(app, three, serve):
    handler = serve(Misbehaving())  # no TLS at all
    app.config.update(SMTP_STARTTLS=True)
    assert deliver_outbox(NOW) == 0
    assert handler.received == []
    for address in HIRES:
        status, attempts, next_at, error = state(address)
        assert (status, attempts, next_at) == ("queued", 1, NOW + timedelta(minutes=1))
        assert "STARTTLS" in error and error.startswith("cannot reach the SMTP server 127.0.0.1")


def test_a_connection_dropped_at_message_2_requeues_2_with_backoff_and_3_at_once(app, three, serve):
    handler = serve(Misbehaving(drop_at_data="hire1@example.com"))
    assert deliver_outbox(NOW) == 1
    assert state(HIRES[0]) == ("sent", 1, NOW, "")
    status, attempts, next_at, error = state(HIRES[1])
    assert (status, attempts, next_at) == ("queued", 1, NOW + timedelta(minutes=1))
    assert error.startswith("connection lost: SMTPServerDisconnected")
    assert state(HIRES[2]) == ("queued", 0, NOW, "")  # never tried: no attempt counted, no backoff
    assert deliver_outbox(NOW) == 1  # the next round, at once: message 3 only
    assert state(HIRES[2])[:2] == ("sent", 1) and state(HIRES[1])[0] == "queued"
    assert deliver_outbox(NOW + timedelta(minutes=1)) == 1
    assert state(HIRES[1])[:2] == ("sent", 2)
    assert sorted(r.to for r in handler.received) == sorted(HIRES)


def test_a_421_at_mail_for_message_2_ends_the_round(app, three, serve):
    serve(Misbehaving(mail_reply=(2, "421 4.3.2 Service shutting down")))
    assert deliver_outbox(NOW) == 1
    assert state(HIRES[0]) == ("sent", 1, NOW, "")
    assert state(HIRES[1]) == ("queued", 1, NOW + timedelta(minutes=1), "421 4.3.2 Service shutting down")
    assert state(HIRES[2]) == ("queued", 0, NOW, "")


def test_a_554_at_mail_fails_that_message_only(app, three, serve):
    handler = serve(Misbehaving(mail_reply=(2, "554 5.7.1 Sender blocked")))
    assert deliver_outbox(NOW) == 2
    assert state(HIRES[1]) == ("failed", 1, NOW, "554 5.7.1 Sender blocked")
    assert [state(a)[0] for a in (HIRES[0], HIRES[2])] == ["sent", "sent"]
    assert deliver_outbox(NOW + timedelta(days=1)) == 0  # a permanent refusal is never retried
    assert handler.mails == 3


def test_a_421_at_data_is_retried_after_the_backoff(app, three, serve):
    handler = serve(Misbehaving(data_reply=("hire1@example.com", "421 4.4.2 Timeout, closing")))
    assert deliver_outbox(NOW) == 1
    assert state(HIRES[1]) == ("queued", 1, NOW + timedelta(minutes=1), "421 4.4.2 Timeout, closing")
    assert state(HIRES[2]) == ("queued", 0, NOW, "")
    handler.data_reply = None
    assert deliver_outbox(NOW + timedelta(seconds=59)) == 1  # message 3; message 2 waits its minute
    assert deliver_outbox(NOW + timedelta(minutes=1)) == 1
    assert state(HIRES[1])[:2] == ("sent", 2)


def test_a_554_at_data_fails_and_is_not_retried(app, three, serve):
    handler = serve(Misbehaving(data_reply=("hire1@example.com", "554 5.6.0 Message content rejected")))
    assert deliver_outbox(NOW) == 2
    assert state(HIRES[1]) == ("failed", 1, NOW, "554 5.6.0 Message content rejected")
    assert deliver_outbox(NOW + timedelta(days=4)) == 0
    assert sorted(r.to for r in handler.received) == [HIRES[0], HIRES[2]]
