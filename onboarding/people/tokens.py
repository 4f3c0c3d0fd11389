"""API tokens: made random, shown once, stored as a SHA-256, revocable, compared in constant time.

A token acts as its person: the API passes `token.user` to the same operations and the same
permission module (plans/access.py) as the pages. Callers commit.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.checks import clean_text
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.people.models import ApiToken, User

logger = logging.getLogger(__name__)

#: every token starts with this, so a leaked one is easy to recognise (and to scan for)
TOKEN_PREFIX = "onb_"


MAX_EXPIRES_DAYS = 3650


#: last use is written at most this often per token, so reading the API does not write on every call
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _described(token: ApiToken) -> dict:
    """What the audit log keeps of a token: never the secret, nor its prefix."""
    return {"token_id": token.id, "name": token.name,
            "expires_at": token.expires_at.isoformat(timespec="minutes") if token.expires_at else None}


def create_token(user: User, name: str, *, actor: User | None, now: datetime,
                 expires_days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`, made by `actor` (None: the command line); returns the row and the token
    itself (shown once, never stored)."""
    name = clean_text(name, "token name", 100)
    if not user.is_active_account:
        raise ServiceError(f"{user.email} is deactivated and cannot have an API token")
    expires_at = None
    if expires_days is not None:
        if not isinstance(expires_days, int) or isinstance(expires_days, bool) or not 1 <= expires_days <= MAX_EXPIRES_DAYS:
            raise ServiceError(f"the token's lifetime must be between 1 and {MAX_EXPIRES_DAYS} days")
        expires_at = now + timedelta(days=expires_days)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=hash_token(secret), prefix=secret[:12], created_at=now,
                     expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    record_event(None, EventType.PERSON_TOKEN_CREATED, actor, now, person=user, new=_described(token))
    logger.info("API token %s (%s) made for %s", token.id, name, user.email)
    return token, secret


def revoke_token(token: ApiToken, *, actor: User | None, now: datetime) -> None:
    """The token stops working at once."""
    if token.revoked_at is not None:
        raise ServiceError("this token is already revoked")
    token.revoked_at = now
    record_event(None, EventType.PERSON_TOKEN_REVOKED, actor, now, person=token.user, old=_described(token),
                 new={"revoked": True})
    logger.info("API token %s of %s revoked", token.id, token.user.email)


def token_for_secret(secret: str, now: datetime) -> ApiToken | None:
    """The live token this secret belongs to (not revoked, not expired, its person active), else None.

    The lookup is by the secret's SHA-256 (so the database never compares secrets), and the found
    hash is compared again in constant time.
    """
    if not secret or len(secret) > 200:
        return None
    digest = hash_token(secret)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not token.user.is_active_account:
        return None
    return token


def record_use(token: ApiToken, now: datetime) -> bool:
    """Note the token's last use (at most once a minute); returns True when a write is pending."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
                       .execution_options(synchronize_session=False))
    return True


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))
