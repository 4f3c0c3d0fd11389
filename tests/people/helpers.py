"""What the people tests share: reading links out of queued mail."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage


def mail_to(email: str) -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == email)
                                   .order_by(OutboxMessage.id)))


def link_in(text: str, kind: str) -> str:
    """The path of the first /password/<kind>/... link in a mail's text."""
    match = re.search(rf"https?://[^\s\"<>]+/password/{kind}/[^\s\"<>]+", text)
    assert match, f"no {kind} link in: {text}"
    return urlsplit(match.group(0)).path
