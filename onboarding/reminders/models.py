"""Digest claims: one row per (person, kind, period), the unique key that makes sending exactly once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onboarding.core.db import Base, UTCDateTime, utcnow


class Digest(Base):
    """One digest per (person, kind, period); the unique key is what makes sending exactly once."""

    __tablename__ = "digests"
    #: led by user_id, the key also serves a person's claims and the users foreign key (no index of
    #: its own: every claim would pay for it, migration 0009)
    __table_args__ = (UniqueConstraint("user_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: "person" (hire and manager sections) or "admin" (weekly organisation report)
    kind: Mapped[str] = mapped_column(String(20))
    #: local date for daily ("2026-11-23"), ISO week for weekly ("2026-W48")
    period: Mapped[str] = mapped_column(String(20))
    #: empty when there was nothing to say (the period still counts as done)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
