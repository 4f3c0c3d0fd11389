"""Helpers for reminder tests: a real SMTP server on loopback, mail and database look-ups, subprocesses.

The SMTP server is aiosmtpd on a free port. Its handler records every message it accepts and can
be told to answer a recipient with a 4xx once, or with a 5xx every time; stopping the controller
is the server going down, starting it again on the same port is it coming back.
"""
from __future__ import annotations

import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.people.models import User
from onboarding.plans.models import PlanItem
from onboarding.reminders.models import Digest
from tests.conftest import ROOT

MAIL_FROM = "Onboarding <onboarding@onboarding.test>"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return self.rcpt_tos[0]

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content().replace("\r\n", "\n")

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content().replace("\r\n", "\n")


class RecordingHandler:
    """Accepts mail and records it; per recipient it can answer 4xx once or 5xx always."""

    def __init__(self):
        self.received: list[Received] = []
        self.answer_once: dict[str, str] = {}
        self.answer_always: dict[str, str] = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if address in self.answer_always:
                return self.answer_always[address]
            if address in self.answer_once:
                return self.answer_once.pop(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def fail_once(self, address: str, reply: str = "451 4.3.0 Mailbox busy, try again later") -> None:
        self.handler.answer_once[address] = reply

    def reject(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        self.handler.answer_always[address] = reply

    def accept(self, address: str) -> None:
        self.handler.answer_always.pop(address, None)

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received


def item_named(plan, text: str) -> PlanItem:
    """The plan's item with this text."""
    found = [i for i in plan.items if i.text == text]
    assert len(found) == 1, f"no single item {text!r} on plan {plan.id}"
    return found[0]


def digests_of(user: User) -> list[Digest]:
    return db.session.scalars(select(Digest).where(Digest.user_id == user.id).order_by(Digest.id)).all()


def outbox() -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def subprocess_env(app, smtp: SmtpServer | None = None) -> dict:
    """Environment for a separate `onboarding` process on the test's database and SMTP server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARDING_")}
    env.update(
        ONBOARDING_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        ONBOARDING_SECRET_KEY=app.config["SECRET_KEY"],
        ONBOARDING_BASE_URL=app.config["BASE_URL"],
        ONBOARDING_MAIL_FROM=MAIL_FROM,
        PYTHONPATH=str(ROOT),
    )
    if smtp is not None:
        env.update(ONBOARDING_SMTP_HOST="127.0.0.1", ONBOARDING_SMTP_PORT=str(smtp.port))
    return env


def onboarding_command(*args: str) -> list[str]:
    """The `onboarding` console script, run by this interpreter."""
    return [sys.executable, "-c", "from onboarding.cli import main; main()", *args]


def run_onboarding(app, smtp, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(onboarding_command(*args), env=subprocess_env(app, smtp), cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def wakes(start: datetime, end: datetime, every: timedelta = timedelta(minutes=15)):
    """The scheduler's wake-ups from start (inclusive) to end (exclusive)."""
    moment = start
    while moment < end:
        yield moment
        moment += every


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def cut(engine, connection) -> None:
    """End `connection`'s server session from another connection of `engine`, as a PostgreSQL
    restart or a network cut would end it."""
    pid = connection.connection.driver_connection.info.backend_pid
    with engine.begin() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
