"""Links that set a password: invitations (7 days) and resets (1 hour), both single-use.

A link carries [user id, fingerprint, issued at] signed with the app's key (itsdangerous); its age
is measured against the `now` passed in (time is an argument, so tests stand on any day). The
fingerprint is a hash of what setting a password changes (the password hash and the session token)
and of the last invitation time, so a link stops working once it was used, once the password was
set or changed any other way, and once a newer invitation was sent. Nothing is stored per link.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.people.mail import link_url, queue_account_mail
from onboarding.people.models import User
from onboarding.people.operations import get_user_by_email, normalise_email, set_password

INVITATION = "invitation"
RESET = "reset"
MAX_AGE = {INVITATION: timedelta(days=7), RESET: timedelta(hours=1)}


class LinkError(ValueError):
    """A link that does nothing; `reason` is "invalid", "expired" or "used"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _serializer(kind: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"onboarding.password-link.{kind}")


def _fingerprint(user: User) -> str:
    state = f"{user.password_hash or ''}|{user.session_token}|{user.invited_at.isoformat() if user.invited_at else ''}"
    return hashlib.sha256(state.encode()).hexdigest()[:32]


def make_link_token(user: User, kind: str, now: datetime, *, serializer: URLSafeSerializer | None = None) -> str:
    """A signed link token; bulk callers pass one `serializer` (link_serializer) for all their tokens."""
    return (serializer or _serializer(kind)).dumps([user.id, _fingerprint(user), int(now.timestamp())])


def link_serializer(kind: str) -> URLSafeSerializer:
    return _serializer(kind)


def user_for_link_token(token: str, kind: str, now: datetime) -> User:
    """The person a valid, unused, unexpired link names; LinkError otherwise."""
    try:
        user_id, fingerprint, issued = _serializer(kind).loads(token)
    except (BadSignature, TypeError, ValueError):
        raise LinkError("invalid") from None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (user_id, issued)) \
            or not isinstance(fingerprint, str) or not 0 < user_id < 2**63:
        raise LinkError("invalid")
    if now.timestamp() - issued > MAX_AGE[kind].total_seconds():
        raise LinkError("expired")
    user = db.session.get(User, user_id)
    if user is None or user.erased_at is not None:
        raise LinkError("invalid")
    if not hmac.compare_digest(_fingerprint(user).encode(), fingerprint.encode()):
        raise LinkError("used")
    if not user.is_active_account:
        raise LinkError("invalid")
    return user


def set_password_from_link(token: str, kind: str, password: str, *, now: datetime) -> User:
    """Set the password a link is for; the link (and every other session) stops working."""
    user = user_for_link_token(token, kind, now)
    set_password(user, password)
    user.last_signed_in_at = now
    record_event(None, EventType.PERSON_PASSWORD_SET, user, now, person=user, new={"by": kind})
    return user


def request_password_reset(email: str, *, now: datetime) -> bool:
    """Queue a reset mail for a known, active person; True when one was queued (never shown to the asker)."""
    try:
        email = normalise_email(email)
    except ServiceError:
        return False
    user = get_user_by_email(email)
    if user is None or not user.is_active_account or user.erased_at is not None:
        return False
    url = link_url("auth.set_password", kind=RESET, token=make_link_token(user, RESET, now))
    queue_account_mail(user, "password_reset", "Reset your Onboarding password", now, url=url)
    record_event(None, EventType.PERSON_PASSWORD_RESET_REQUESTED, None, now, person=user)
    return True
