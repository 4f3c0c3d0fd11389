"""Fixtures for reminder tests: a real SMTP server on loopback and people who get digests."""
from __future__ import annotations

import pytest

from onboarding.people.models import User
from tests.reminders.helpers import MAIL_FROM, SmtpServer


@pytest.fixture
def smtp(app):
    """A real SMTP server on loopback; the app is configured to deliver to it."""
    server = SmtpServer()
    server.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, MAIL_FROM=MAIL_FROM, SMTP_TIMEOUT=5)
    yield server
    server.stop()


@pytest.fixture
def person(make_user):
    """A person who receives digests: person(email, role=..., timezone=..., cadence=..., hour=..., manager=...)."""

    def make(email: str, *, name: str | None = None, role: str = "hire", timezone: str = "UTC",
             cadence: str = "weekly", hour: int = 9, manager: User | None = None) -> User:
        return make_user(email=email, name=name or email.split("@")[0].capitalize(), role=role, password=None,
                         timezone=timezone, digest_cadence=cadence, digest_hour=hour,
                         manager_email=manager.email if manager else None)

    return make
