"""Password attempts, limited per (email, address) and per address, atomically.

Each attempt is written and committed *before* the password is checked, then the attempts in the
window are counted. Whatever the interleaving of concurrent guesses, the last of any N+1 of them
to commit counts all N+1, so no more than the limit are ever checked. A matching password removes
its row and the earlier failures of that (email, address).

When the database refuses writes (a read-only SQLite file, a PostgreSQL standby) the attempt cannot
be recorded: it is dropped, the error logged for the admin, and the limit counts only the attempts
already recorded (so reads, and signing in, still work).

There is deliberately no limit per email alone: it would let anyone lock the owner out from their
own address by guessing from elsewhere. The attacker is slowed at theirs instead.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError

from onboarding.core.health import describe
from onboarding.extensions import db
from onboarding.people.models import LoginFailure

logger = logging.getLogger(__name__)

SIGN_IN = "sign-in"
PASSWORD_CHANGE = "password-change"


def reserve_attempt(purpose: str, email: str, remote_addr: str, *, now: datetime, config: dict) -> LoginFailure | None:
    """Record an attempt and commit it; None when this (email, address) or this address is over its limit."""
    email, remote_addr = (email or "")[:254], (remote_addr or "unknown")[:64]
    since = now - timedelta(seconds=config["LOGIN_WINDOW_SECONDS"])
    attempt = LoginFailure(purpose=purpose, email=email, remote_addr=remote_addr, failed_at=now)
    recorded = 1  # this attempt, counted with the recorded ones
    try:
        # Keep the table small: attempts older than the window no longer count.
        db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at < since))
        db.session.add(attempt)
        db.session.commit()
    except OperationalError as exc:
        db.session.rollback()
        recorded = 0
        logger.error("%s for %s answered, but not recorded: the database refused the write (%s); "
                     "new failed attempts are not counted towards the limit until it takes writes again",
                     purpose, email, describe(exc))
    recent = (LoginFailure.purpose == purpose, LoginFailure.remote_addr == remote_addr, LoginFailure.failed_at >= since)
    by_pair = db.session.scalar(select(func.count()).select_from(LoginFailure).where(*recent, LoginFailure.email == email)) or 0
    by_addr = db.session.scalar(select(func.count()).select_from(LoginFailure).where(*recent)) or 0
    if not recorded:  # the limit counts what is recorded, as if this attempt were
        by_pair, by_addr = by_pair + 1, by_addr + 1
    if by_pair > config["LOGIN_MAX_FAILURES"] or by_addr > config["LOGIN_MAX_FAILURES_PER_IP"]:
        return None
    return attempt


def forget_failures(attempt: LoginFailure) -> None:
    """The password matched: this attempt and the earlier failures of its (email, address) no longer count."""
    db.session.execute(delete(LoginFailure).where(
        LoginFailure.purpose == attempt.purpose, LoginFailure.email == attempt.email,
        LoginFailure.remote_addr == attempt.remote_addr))
