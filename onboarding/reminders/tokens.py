"""Secrets in links: signed one-click unsubscribe tokens and private calendar feed tokens.

Unsubscribe token: "<user id>.<unsubscribe_version>.<issued, unix seconds>.<HMAC-SHA256>" signed
with the app's secret key (itsdangerous). Bumping the person's `unsubscribe_version` revokes every
link sent so far; a token older than UNSUBSCRIBE_MAX_AGE_DAYS has expired.

Calendar token: "<user id>.<calendar_token>": the id finds the person, and the secret part is
compared in constant time (never looked up by value). Regenerating `calendar_token` revokes it.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, Signer
from itsdangerous.encoding import base64_encode

from onboarding.extensions import db
from onboarding.people.models import User

UNSUBSCRIBE_SALT = "onboarding.unsubscribe"
#: how long an unsubscribe link in a sent digest keeps working (config UNSUBSCRIBE_MAX_AGE_DAYS)
DEFAULT_UNSUBSCRIBE_MAX_AGE_DAYS = 60


class TokenError(ValueError):
    """A token that does nothing; `reason` is "invalid", "expired" or "revoked"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class UnsubscribeTokens:
    """Make and read unsubscribe tokens with one key (made once per digest run)."""

    def __init__(self, secret_key: str, max_age_days: int = DEFAULT_UNSUBSCRIBE_MAX_AGE_DAYS):
        self.signer = Signer(secret_key, salt=UNSUBSCRIBE_SALT, digest_method=hashlib.sha256)
        self.max_age = timedelta(days=max_age_days)
        # Signer.sign derives the key again for every token; a digest run signs thousands
        self._key = self.signer.derive_key()

    def make(self, user_id: int, version: int, now: datetime) -> str:
        """What `Signer.sign` makes, with the key derived once."""
        value = f"{user_id}.{version}.{int(now.timestamp())}".encode("ascii")
        # hmac.digest: the HMAC-SHA256 that Signer's algorithm makes through an hmac object, in one call
        signature = base64_encode(hmac.digest(self._key, value, hashlib.sha256))
        return (value + self.signer.sep + signature).decode("ascii")

    def read(self, token: str, now: datetime) -> tuple[int, int]:
        """(user id, version) of a well-signed, unexpired token; TokenError otherwise."""
        try:
            payload = self.signer.unsign(token.encode("ascii")).decode("ascii")
            user_id, version, issued = (int(part) for part in payload.split("."))
        except (BadSignature, UnicodeError, ValueError):
            raise TokenError("invalid") from None
        if now.timestamp() - issued > self.max_age.total_seconds():
            raise TokenError("expired")
        return user_id, version


def unsubscribe_tokens() -> UnsubscribeTokens:
    config = current_app.config
    return UnsubscribeTokens(
        config["SECRET_KEY"], int(config.get("UNSUBSCRIBE_MAX_AGE_DAYS", DEFAULT_UNSUBSCRIBE_MAX_AGE_DAYS))
    )


def user_for_unsubscribe_token(token: str, now: datetime) -> User:
    """The person a valid unsubscribe token names; TokenError (invalid, expired, revoked) otherwise."""
    user_id, version = unsubscribe_tokens().read(token, now)
    user = db.session.get(User, user_id)
    if user is None:
        raise TokenError("invalid")
    if user.unsubscribe_version != version:
        raise TokenError("revoked")
    return user


def calendar_feed_token(user: User) -> str:
    return f"{user.id}.{user.calendar_token}"


def user_for_calendar_token(token: str) -> User | None:
    """The person whose feed this is, or None; the secret is compared in constant time."""
    user_id, _, secret = (token or "").partition(".")
    if not user_id.isdigit() or not secret or len(user_id) > 18:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active_account:
        return None
    if not hmac.compare_digest(user.calendar_token.encode(), secret.encode()):
        return None
    return user
