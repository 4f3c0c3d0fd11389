"""Mail over several SMTP connections side by side (SMTP_CONNECTIONS): every message exactly once,
the batch budget shared, and a server that is down still loses nothing."""
from __future__ import annotations

import asyncio
import subprocess
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event

from onboarding.config import ConfigError, load_config
from onboarding.extensions import db
from onboarding.outbox.delivery import deliver_outbox
from onboarding.outbox.models import OutboxMessage
from tests.conftest import NOW, ROOT
from tests.reminders.helpers import (
    RecordingHandler,
    onboarding_command,
    outbox,
    subprocess_env,
)

MESSAGES = 40


class Overlapping(RecordingHandler):
    """Records mail, takes a moment over each DATA, and counts how many DATA were open at once."""

    def __init__(self):
        super().__init__()
        self.open = self.most_open = 0
        self.sessions: set[int] = set()

    async def handle_DATA(self, server, session, envelope):
        self.open += 1  # the server's one event loop: no lock needed
        self.most_open = max(self.most_open, self.open)
        self.sessions.add(id(session))
        await asyncio.sleep(0.01)
        self.open -= 1
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def server(smtp):
    """The reminder tests' SMTP server on loopback, answering with an Overlapping handler."""
    smtp.stop()
    smtp.handler = Overlapping()
    smtp.start()
    return smtp


@pytest.fixture
def queued(app):
    """MESSAGES queued mails, one per recipient."""
    db.session.add_all(OutboxMessage(to_addr=f"person{i}@example.com", subject=f"Digest {i}", text_body="Hello",
                                     html_body="<p>Hello</p>", headers={}, next_attempt_at=NOW, created_at=NOW)
                       for i in range(MESSAGES))
    db.session.commit()
    return [m.to_addr for m in outbox()]


def test_several_connections_send_at_once_and_each_message_exactly_once(app, server, queued):
    app.config["SMTP_CONNECTIONS"] = 3
    assert deliver_outbox(NOW, batch_size=4) == MESSAGES
    assert sorted(r.to for r in server.received) == sorted(queued)
    assert server.handler.most_open >= 2  # the connections overlapped
    assert len(server.handler.sessions) == MESSAGES // 4  # a connection per batch, as with one sender
    db.session.expire_all()
    assert {(m.status, m.attempts) for m in outbox()} == {("sent", 1)}
    assert deliver_outbox(NOW + timedelta(minutes=15), batch_size=4) == 0
    assert len(server.received) == MESSAGES


def test_a_round_with_no_mail_due_starts_no_sender_threads(app, server):
    app.config["SMTP_CONNECTIONS"] = 3
    threads: list[str] = []

    def on_statement(*_args, **_kwargs):
        threads.append(threading.current_thread().name)

    event.listen(db.engine, "before_cursor_execute", on_statement)
    try:
        assert deliver_outbox(NOW) == 0
    finally:
        event.remove(db.engine, "before_cursor_execute", on_statement)
    # one claim per channel (email, webhook, teams), all on the calling thread
    assert threads == [threading.current_thread().name] * 3
    assert not [t for t in threading.enumerate() if t.name.startswith("outbox-")]


def test_one_connection_when_configured(app, server, queued):
    app.config["SMTP_CONNECTIONS"] = 1
    assert deliver_outbox(NOW, batch_size=4) == MESSAGES
    assert server.handler.most_open == 1
    assert sorted(r.to for r in server.received) == sorted(queued)


def test_the_batch_budget_is_shared_by_the_senders(app, server, queued):
    app.config["SMTP_CONNECTIONS"] = 3
    assert deliver_outbox(NOW, batch_size=4, max_batches=2) == 8
    assert len(server.received) == 8
    db.session.expire_all()
    states = [(m.status, m.attempts) for m in outbox()]
    assert states.count(("sent", 1)) == 8 and states.count(("queued", 0)) == MESSAGES - 8


def test_a_server_down_under_several_senders_loses_nothing(app, server, queued):
    app.config["SMTP_CONNECTIONS"] = 3
    server.stop()
    assert deliver_outbox(NOW, batch_size=4) == 0
    db.session.expire_all()
    messages = outbox()
    assert {m.status for m in messages} == {"queued"}
    # each sender stops at its failed connection: at most one batch each paid an attempt
    assert sum(m.attempts for m in messages) <= 3 * 4
    assert all(m.attempts == 0 or "cannot reach the SMTP server" in m.last_error for m in messages)
    server.start()
    assert deliver_outbox(NOW + timedelta(hours=1), batch_size=4) == MESSAGES
    assert sorted(r.to for r in server.received) == sorted(queued)


def test_smtp_connections_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ONBOARDING_SECRET_KEY", "test")
    monkeypatch.delenv("ONBOARDING_SMTP_CONNECTIONS", raising=False)
    assert load_config(str(tmp_path))["SMTP_CONNECTIONS"] == 3
    monkeypatch.setenv("ONBOARDING_SMTP_CONNECTIONS", "1")
    assert load_config(str(tmp_path))["SMTP_CONNECTIONS"] == 1
    monkeypatch.setenv("ONBOARDING_SMTP_CONNECTIONS", " ")  # blank is unset, as for every other variable
    assert load_config(str(tmp_path))["SMTP_CONNECTIONS"] == 3
    for wrong in ("0", "21", "-2", "two", "1.5"):
        monkeypatch.setenv("ONBOARDING_SMTP_CONNECTIONS", wrong)
        with pytest.raises(ConfigError, match="ONBOARDING_SMTP_CONNECTIONS must be a whole number from 1 to 20"):
            load_config(str(tmp_path))


def test_a_wrong_smtp_connections_is_one_line_at_the_terminal(app):
    env = subprocess_env(app) | {"ONBOARDING_SMTP_CONNECTIONS": "lots"}
    result = subprocess.run(onboarding_command("digests", "send", "--dry-run"), cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "ONBOARDING_SMTP_CONNECTIONS must be a whole number from 1 to 20, not 'lots'" in result.stderr
    assert "Traceback" not in result.stderr
