"""The outbox: mail queued with the state that caused it and delivered later by a separate step."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.core.db import Base, UTCDateTime, utcnow
from onboarding.people.models import User

OUTBOX_STATES = ("queued", "sent", "failed")
#: how a message travels: email over SMTP, a chat digest, or a signed webhook call
CHANNELS = ("email", "slack", "teams", "webhook")


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        #: a webhook event is queued once per endpoint, whatever happens (two writers, a retry);
        #: led by endpoint_id, it also serves the endpoints' foreign key
        UniqueConstraint("endpoint_id", "event_id"),
        # The delivery's due messages (status, channel, next_attempt_at <= now) are one range of
        # it, and every query on status uses its prefix. Few indexes, as every queued message pays
        # for each one (migration 0009).
        Index("ix_outbox_messages_due", "status", "channel", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(10), default="email", server_default="email")
    #: email address, or for chat the person's email (Slack) or webhook URL (Teams), or the endpoint URL
    to_addr: Mapped[str] = mapped_column(String(2000))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    #: extra headers (Message-ID, List-Unsubscribe ...) fixed when the message is built
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the JSON a chat message or webhook posts (Block Kit, Adaptive Card, event body), fixed when queued
    payload: Mapped[dict | None] = mapped_column(JSON)
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: a queued message is not tried before this (backoff after a transient failure)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
