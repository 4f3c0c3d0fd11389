"""Digests and the outbox: mail is queued with the state that caused it and delivered later."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.people import User

OUTBOX_STATES = ("queued", "sent", "failed")


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    #: extra headers (Message-ID, List-Unsubscribe ...) fixed when the message is built
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: a queued message is not tried before this (backoff after a transient failure)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()


class Digest(Base):
    """One digest per (person, kind, period); the unique key is what makes sending exactly once."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("user_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: "person" (hire and manager sections) or "admin" (weekly organisation report)
    kind: Mapped[str] = mapped_column(String(20))
    #: local date for daily ("2026-11-23"), ISO week for weekly ("2026-W48")
    period: Mapped[str] = mapped_column(String(20))
    #: empty when there was nothing to say (the period still counts as done)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
