"""Draining the outbox: claim a batch, hand it to its channel, record what happened; until nothing is due.

Channels: email (SMTP), webhook (signed HTTP POSTs), slack and teams (chat digests). Each is drained
in turn with the same claim, backoff and outcome bookkeeping (outbox/queue.py).

Mail goes over SMTP_CONNECTIONS connections side by side (ONBOARDING_SMTP_CONNECTIONS, default 3),
each a sender of its own: the calling thread, and once it has claimed a batch, threads with their
own app context and database session; each claims a batch, sends it over its connection and
claims the next. A message waits on two servers' replies
(the SMTP server's, four per message, and the database's for its outcome), so one connection
leaves both idle most of the time; a few senders keep them busy. The claim keeps them apart
(SKIP LOCKED on PostgreSQL, the one write lock on SQLite) exactly as it keeps apart senders in
separate processes. Set it to 1 for a server that allows a single connection.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from flask import Flask, current_app

from onboarding.core.web import current_app_object
from onboarding.extensions import db
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
    `max_batches` bounds the batches claimed per channel, whatever the number of senders.
    """
    if now.tzinfo is None:
        raise ValueError("deliver_outbox needs an aware UTC datetime")
    sent = 0
    for channel, send_batch in _channels():
        senders = current_app.config["SMTP_CONNECTIONS"] if channel == "email" else 1  # config.py checks it
        round_ = _Round(channel, send_batch, now, batch_size, max_batches)
        if senders <= 1:
            round_.drain()
        else:
            _drain_side_by_side(round_, senders)
        sent += round_.sent
    if sent:
        logger.info("outbox: %d message(s) delivered", sent)
    return sent


def _drain_side_by_side(round_: _Round, senders: int) -> None:
    """This thread is the first sender; the others start once it has claimed a batch, so a round
    with nothing due (most of the scheduler's) costs one claim and no threads."""
    app = current_app_object()
    with ThreadPoolExecutor(max_workers=senders - 1, thread_name_prefix=f"outbox-{round_.channel}") as pool:
        others: list[Future] = []

        def start_others() -> None:
            others.extend(pool.submit(round_.drain_in, app) for _ in range(senders - 1))

        round_.drain(on_first_batch=start_others)
        for future in others:
            future.result()  # a sender's error is raised here, after the others finished


class _Round:
    """One channel's round: its senders claim batches until none is due, the batch budget is
    spent, or one of them finds the server unreachable (then the others stop after their batch)."""

    def __init__(self, channel: str, send_batch: Sender, now: datetime, batch_size: int, max_batches: int | None):
        self.channel, self.send_batch, self.now, self.batch_size = channel, send_batch, now, batch_size
        self.budget = max_batches
        self.sent = 0
        self.stopped = threading.Event()
        self.lock = threading.Lock()

    def _take_batch(self) -> bool:
        with self.lock:
            if self.stopped.is_set() or self.budget == 0:
                return False
            if self.budget is not None:
                self.budget -= 1
            return True

    def drain(self, on_first_batch: Callable[[], None] | None = None) -> None:
        while self._take_batch():
            batch = claim_batch(self.now, self.batch_size, self.channel)
            if not batch:
                self.stopped.set()
                return
            if on_first_batch is not None:
                on_first_batch()
                on_first_batch = None
            delivered, connection_ok = self.send_batch(batch, self.now)
            with self.lock:
                self.sent += delivered
            if not connection_ok:
                self.stopped.set()
                return

    def drain_in(self, app: Flask) -> None:
        """`drain` on a thread of its own: its own app context, so its own session and connection."""
        with app.app_context():
            try:
                self.drain()
            finally:
                db.session.remove()
