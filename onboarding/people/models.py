"""People: everyone who signs in or receives a digest, their API tokens and login attempts."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.core.db import Base, UTCDateTime, utcnow

ROLES = ("admin", "manager", "hire")
CADENCES = ("daily", "weekly", "off")


def new_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stored lower-case; the sign-in name
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: admin, manager or hire; a buddy is any user named on a plan
    role: Mapped[str] = mapped_column(String(20), default="hire")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: rotated at logout and password change so that an old session cookie stops working
    session_token: Mapped[str] = mapped_column(String(64), default=new_token)
    #: the person's line manager, if any (a hire's plan copies it)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: IANA time zone name used for digest timing and local dates
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    digest_cadence: Mapped[str] = mapped_column(String(10), default="weekly")
    #: local hour (0-23) after which the period's digest is sent
    digest_hour: Mapped[int] = mapped_column(Integer, default=9)
    #: secret for the private calendar feed URL; regenerating it revokes the old URL
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    #: bumped to revoke every unsubscribe link sent so far
    unsubscribe_version: Mapped[int] = mapped_column(Integer, default=1)
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    #: where digests go: "email", "slack", "teams", comma-separated (one or several)
    digest_channels: Mapped[str] = mapped_column(String(50), default="email", server_default="email")
    #: the person's Microsoft Teams incoming-webhook or Workflows URL, for digests in Teams
    teams_webhook_url: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the last invitation was queued; a newer one revokes the links of the older ones
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the last successful sign-in (password or single sign-on)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set when an admin erased the person's personal data (the row stays, anonymous, for plan figures)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    manager: Mapped[User | None] = relationship(remote_side=[id], foreign_keys=[manager_id])

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def get_id(self) -> str:  # Flask-Login: the session carries the token, so rotating it logs out
        return f"{self.id}:{self.session_token}"

    @property
    def status(self) -> str:
        """What the people page shows: erased, deactivated, active, invited or "no access yet"."""
        if self.erased_at is not None:
            return "erased"
        if not self.is_active_account:
            return "deactivated"
        if self.password_hash or self.last_signed_in_at:
            return "active"
        return "invited" if self.invited_at else "not invited"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_manager(self) -> bool:
        return self.role in ("manager", "admin")

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored (the token is shown once)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the token's first characters, to tell tokens apart on a page without revealing them
    prefix: Mapped[str] = mapped_column(String(16), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the token stops working at this moment (empty: never)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """A password attempt, kept in the database so that every web worker sees the same rate limit.

    The row is written (and committed) before the password is checked and removed when it matched,
    so what stays are the failures; counting after one's own row is committed makes the limit hold
    under concurrent guesses (see people/limits.py).
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "sign-in" or "password-change" (the current-password check)
    purpose: Mapped[str] = mapped_column(String(20), default="sign-in")
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
