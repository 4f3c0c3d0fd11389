"""Draining the outbox: claim a batch, hand it to its channel, record what happened; until nothing is due.

Channels: email (SMTP), webhook (signed HTTP POSTs), slack and teams (chat digests). Each is drained
in turn with the same claim, backoff and outcome bookkeeping (outbox/queue.py).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import current_app

from onboarding.outbox.channels import email, slack, teams, webhook
from onboarding.outbox.queue import BATCH_SIZE, ClaimedMessage, claim_batch

logger = logging.getLogger(__name__)

Sender = Callable[[list[ClaimedMessage], datetime], tuple[int, bool]]


def _channels() -> list[tuple[str, Sender]]:
    """The channels that can send now: mail needs an SMTP server, Slack a bot token."""
    channels: list[tuple[str, Sender]] = []
    if email.smtp_configured():
        channels.append(("email", email.send_batch))
    else:
        logger.debug("no SMTP server configured: mail stays in the outbox")
    channels.append(("webhook", webhook.send_batch))
    if current_app.config.get("SLACK_BOT_TOKEN"):
        channels.append(("slack", slack.send_batch))
    channels.append(("teams", teams.send_batch))
    return channels


def deliver_outbox(now: datetime, *, batch_size: int = BATCH_SIZE, max_batches: int | None = None) -> int:
    """Send every queued message that is due, on every channel; returns how many were delivered.

    With no SMTP_HOST configured, mail is not claimed and stays queued (webhooks and chat still go).
    A channel's round stops at the first connection failure (the server is down: the rest waits).
    """
    if now.tzinfo is None:
        raise ValueError("deliver_outbox needs an aware UTC datetime")
    sent = 0
    for channel, send_batch in _channels():
        batches = 0
        while max_batches is None or batches < max_batches:
            batch = claim_batch(now, batch_size, channel)
            if not batch:
                break
            batches += 1
            delivered, connection_ok = send_batch(batch, now)
            sent += delivered
            if not connection_ok:
                break
    if sent:
        logger.info("outbox: %d message(s) delivered", sent)
    return sent
