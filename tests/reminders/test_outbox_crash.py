"""A sender killed with SIGKILL mid-batch re-sends at most the one message in flight, with the same
Message-ID, and the next scheduler round delivers the rest without waiting out a long lease.

Before each outcome was committed on its own, outcomes were committed every 10 messages: a crash
after 5 accepted messages sent all of them again.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections import Counter
from datetime import timedelta

from onboarding.outbox.delivery import deliver_outbox
from onboarding.reminders.build import build_digests
from tests.conftest import NOW, TODAY
from tests.reminders.helpers import RecordingHandler, SmtpServer, onboarding_command, outbox, subprocess_env


class SlowHandler(RecordingHandler):
    """Takes a while over each message, as a loaded relay does."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.15)
        return await super().handle_DATA(server, session, envelope)


def test_sigkill_mid_batch_resends_at_most_the_message_in_flight(app, person, make_plan):
    for i in range(20):
        make_plan(hire=person(f"hire{i}@example.com"), manager=False, start_on=TODAY - timedelta(days=40))
    assert build_digests(NOW) == 20
    server = SmtpServer()
    server.handler = SlowHandler()
    server.start()
    try:
        sender = subprocess.Popen(onboarding_command("digests", "send", "--now", (NOW + timedelta(minutes=1)).isoformat()),
                                  env=subprocess_env(app, server), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        try:
            server.wait_for(5, timeout=60)
        finally:
            os.kill(sender.pid, signal.SIGKILL)
            sender.wait(10)
        assert len(server.received) < 20, "the sender finished before it was killed: slow the server down"
        time.sleep(0.3)  # the message in flight reaches the server's log
        received_before = len(server.received)
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TIMEOUT=5)
        # the scheduler's next wake, 15 minutes on: the crashed sender's lease has run out
        assert deliver_outbox(NOW + timedelta(minutes=15)) >= 20 - received_before
        received = server.received
    finally:
        server.stop()
    copies = Counter(r.to for r in received)
    assert set(copies) == {f"hire{i}@example.com" for i in range(20)}
    assert sum(copies.values()) - 20 <= 1, copies  # at most the one message in flight, twice
    for address, n in copies.items():
        if n > 1:
            ids = {r.message["Message-ID"] for r in received if r.to == address}
            assert len(ids) == 1 and None not in ids  # the copy is recognisably the same message
    assert {m.status for m in outbox()} == {"sent"}


def test_a_message_queued_without_message_id_keeps_one_on_a_resend(app, smtp):
    """Mail queued by other features may carry no Message-ID: the outbox row fixes one (and the
    Date), so a copy re-sent after a crash is recognisably the same message."""
    from onboarding.extensions import db
    from onboarding.outbox.models import OutboxMessage

    message = OutboxMessage(to_addr="ada@example.com", subject="Hello", text_body="Hi", html_body="<p>Hi</p>",
                            headers={}, status="queued", next_attempt_at=NOW, created_at=NOW)
    db.session.add(message)
    db.session.commit()
    assert deliver_outbox(NOW) == 1
    message.status = "queued"  # as if the crash came before the outcome was recorded
    db.session.commit()
    assert deliver_outbox(NOW + timedelta(minutes=5)) == 1
    first, second = smtp.received
    assert first.message["Message-ID"] == second.message["Message-ID"] == f"<outbox.{message.id}.20260302093000@onboarding.test>"
    assert first.message["Date"] == second.message["Date"] == "Mon, 02 Mar 2026 09:30:00 +0000"
