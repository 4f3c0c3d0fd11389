"""Password attempts, limited per (email, address) and per address, atomically.

Each attempt is written and committed *before* the password is checked, and the attempts in the
window are counted in the same transaction, one address at a time: of N+1 simultaneous guesses,
exactly the limit are checked. A matching password removes
its row and the earlier failures of that (email, address).

When the database refuses writes (a read-only SQLite file, a PostgreSQL standby) the attempt cannot
be recorded: it is dropped, the error logged for the admin, and the limit counts only the attempts
already recorded (so reads, and signing in, still work).

There is deliberately no limit per email alone: it would let anyone lock the owner out from their
own address by guessing from elsewhere. The attacker is slowed at theirs instead.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import InternalError, OperationalError

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
    try:
        _serialise_attempts(purpose, remote_addr)
        # Keep the table small: attempts older than the window no longer count.
        db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at < since))
        db.session.add(attempt)
        db.session.flush()
        by_pair, by_addr = _recent(purpose, email, remote_addr, since)  # this attempt among them
        db.session.commit()
    except (OperationalError, InternalError) as exc:  # a read-only file or a standby refuses the write
        db.session.rollback()
        logger.error("%s for %s answered, but not recorded: the database refused the write (%s); "
                     "new failed attempts are not counted towards the limit until it takes writes again",
                     purpose, email, describe(exc))
        by_pair, by_addr = (n + 1 for n in _recent(purpose, email, remote_addr, since))  # as if recorded
    if by_pair > config["LOGIN_MAX_FAILURES"] or by_addr > config["LOGIN_MAX_FAILURES_PER_IP"]:
        return None
    return attempt


def _serialise_attempts(purpose: str, remote_addr: str) -> None:
    """Attempts from one address count one after another, each seeing the ones before it: then
    exactly the limit of N simultaneous guesses are checked, not "at most", and not none. SQLite
    already serialises writers (the DELETE takes the write lock until commit); PostgreSQL takes a
    transaction-scoped advisory lock on (purpose, address)."""
    if db.session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.blake2b(f"{purpose}|{remote_addr}".encode(), digest_size=8).digest(),
                             "big", signed=True)
        db.session.execute(select(func.pg_advisory_xact_lock(key)))


def _recent(purpose: str, email: str, remote_addr: str, since: datetime) -> tuple[int, int]:
    """(attempts of this email from this address, attempts from this address) in the window."""
    recent = (LoginFailure.purpose == purpose, LoginFailure.remote_addr == remote_addr, LoginFailure.failed_at >= since)
    by_pair = db.session.scalar(select(func.count()).select_from(LoginFailure).where(*recent, LoginFailure.email == email))
    by_addr = db.session.scalar(select(func.count()).select_from(LoginFailure).where(*recent))
    return int(by_pair or 0), int(by_addr or 0)


def forget_failures(attempt: LoginFailure) -> None:
    """The password matched: this attempt and the earlier failures of its (email, address) no longer count."""
    db.session.execute(delete(LoginFailure).where(
        LoginFailure.purpose == attempt.purpose, LoginFailure.email == attempt.email,
        LoginFailure.remote_addr == attempt.remote_addr))
