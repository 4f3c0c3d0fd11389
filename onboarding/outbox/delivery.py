"""Draining the outbox: claim a batch, hand it to its channel, record what happened; until nothing is due."""
from __future__ import annotations

import logging
from datetime import datetime

from onboarding.outbox.channels.email import send_batch, smtp_configured
from onboarding.outbox.queue import BATCH_SIZE, claim_batch

logger = logging.getLogger(__name__)


def deliver_outbox(now: datetime, *, batch_size: int = BATCH_SIZE, max_batches: int | None = None) -> int:
    """Send every queued message that is due; returns how many the SMTP server accepted.

    With no SMTP_HOST configured, nothing is claimed and mail stays queued. A round stops at the
    first connection failure (the server is down: the rest waits for the next round).
    """
    if now.tzinfo is None:
        raise ValueError("deliver_outbox needs an aware UTC datetime")
    if not smtp_configured():
        logger.debug("no SMTP server configured: mail stays in the outbox")
        return 0
    sent = batches = 0
    while max_batches is None or batches < max_batches:
        batch = claim_batch(now, batch_size)
        if not batch:
            break
        batches += 1
        delivered, connection_ok = send_batch(batch, now)
        sent += delivered
        if not connection_ok:
            break
    if sent:
        logger.info("outbox: %d message(s) sent", sent)
    return sent
