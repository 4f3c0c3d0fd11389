"""Delivering the outbox over SMTP: claimed in batches, one connection per batch, retried with backoff.

Claiming: one UPDATE ... RETURNING moves a batch's `next_attempt_at` a lease into the future and
commits at once, so no database lock is held while talking to the SMTP server (on SQLite that
would block every web worker's writes). On PostgreSQL the rows are picked with
`FOR UPDATE SKIP LOCKED`, so several senders drain the outbox side by side without taking the
same message; on SQLite the single UPDATE statement runs under the database's one write lock,
which makes the claim just as exclusive. A sender that dies mid-batch leaves its unsent messages
to be picked up when the lease ends: the lease is short (a minute) and renewed while the sender
works, so a crashed sender's messages go out on the next round, and a slow server never lets a
second sender take messages the first is still sending.

Outcomes, each committed before the next message is sent (so a crash re-sends at most the one
message in flight, which keeps its Message-ID so mail systems can drop the copy): 2xx sent; 4xx, a dropped connection or a refused connection: queued again with an
exponential backoff; 5xx: failed, with the server's reply, for an admin to see and retry. 4xx
replies for the same message, over and over for more than MAX_RETRY_AGE, also end as failed; a
server that is down never makes a message fail, so nothing is lost while it is down.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, select, update

from onboarding.core.db import table_of
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage

BATCH_SIZE = 100


#: a claimed message is not offered to another sender before this (covers a crashed sender); the
#: sender renews it for the rest of its batch every LEASE / 3 while it works
LEASE = timedelta(minutes=1)


BACKOFF_FIRST = timedelta(minutes=1)


BACKOFF_MAX = timedelta(hours=1)


#: a message refused with 4xx replies this many times, and for longer than MAX_RETRY_AGE, is marked
#: failed (an admin's retry starts the count again)
MAX_TRANSIENT_ATTEMPTS = 10


MAX_RETRY_AGE = timedelta(days=3)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failed attempt, at most an hour."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


@dataclass
class ClaimedMessage:
    id: int
    to_addr: str
    subject: str
    text_body: str
    html_body: str
    headers: dict
    attempts: int
    created_at: datetime
    last_error: str
    channel: str = "email"
    payload: dict | None = None
    endpoint_id: int | None = None


class ConnectionLost(Exception):
    pass


def claim_batch(now: datetime, batch_size: int, channel: str = "email") -> list[ClaimedMessage]:
    """Take up to `batch_size` due messages of one channel for this sender and commit the claim."""
    table = table_of(OutboxMessage)
    due = (table.c.status == "queued", table.c.next_attempt_at <= now, table.c.channel == channel)
    # A CTE, not `id IN (subquery LIMIT n)`: PostgreSQL may run such a subquery more than once
    # and so claim more rows than the limit.
    pick = select(table.c.id).where(*due).order_by(table.c.next_attempt_at, table.c.id).limit(batch_size)
    if db.session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    picked = pick.cte("picked")
    rows = db.session.execute(
        update(table)
        .where(table.c.id == picked.c.id, *due)
        .values(next_attempt_at=now + LEASE)
        .returning(table.c.id, table.c.to_addr, table.c.subject, table.c.text_body, table.c.html_body,
                   table.c.headers, table.c.attempts, table.c.created_at, table.c.last_error, table.c.channel,
                   table.c.payload, table.c.endpoint_id)
    ).all()
    db.session.commit()
    return sorted((ClaimedMessage(*row) for row in rows), key=lambda m: m.id)


_TABLE = table_of(OutboxMessage)
#: built once: constructing the statement per message cost more than the commit
_RECORD_OUTCOME = update(_TABLE).where(_TABLE.c.id == bindparam("message_id")).values(
    status=bindparam("new_status"), attempts=bindparam("new_attempts"),
    next_attempt_at=bindparam("new_next_attempt_at"), last_error=bindparam("new_last_error"),
    sent_at=bindparam("new_sent_at"),
)


class Outcomes:
    """What happened to each claimed message, committed by `record()` before the next is sent.

    A commit per message costs well under a millisecond on SQLite (WAL, synchronous=NORMAL) and a
    few on PostgreSQL, far less than an SMTP round trip; writing outcomes in groups instead would,
    if the process died mid-batch, send the whole unrecorded group again after the lease. Each
    commit also renews the lease of the batch's messages not yet recorded, once a third of it has
    passed, so that a slow server never lets the lease run out under a sender that is alive.
    """

    def __init__(self, batch: list[ClaimedMessage] | None = None, now: datetime | None = None):
        self.rows: list[dict] = []
        #: one connection for the batch's outcomes: the session would check a connection out of the
        #: pool (and ping it) and give it back on every commit, several times the commit's own cost
        self.connection: Connection | None = None
        self.unrecorded = {m.id for m in batch or []}
        self.now = now
        self.started = self.renewed = time.monotonic()

    def add(self, message: ClaimedMessage, *, status: str, attempts: int, next_attempt_at: datetime,
            last_error: str, sent_at: datetime | None = None) -> None:
        self.rows.append({"message_id": message.id, "new_status": status, "new_attempts": attempts,
                          "new_next_attempt_at": next_attempt_at, "new_last_error": last_error[:1000],
                          "new_sent_at": sent_at})
        self.unrecorded.discard(message.id)

    def record(self) -> None:
        """Write and commit the outcomes added so far (and renew the lease when it is due)."""
        if not self.rows:
            return
        if self.connection is None:
            self.connection = db.engine.connect()
        connection = self.connection
        connection.execute(_RECORD_OUTCOME, self.rows)
        self.rows = []
        clock = time.monotonic()
        if self.now is not None and self.unrecorded and clock - self.renewed >= LEASE.total_seconds() / 3:
            self.renewed = clock
            until = self.now + timedelta(seconds=clock - self.started) + LEASE
            connection.execute(update(_TABLE).where(_TABLE.c.id.in_(self.unrecorded), _TABLE.c.status == "queued")
                               .values(next_attempt_at=until))
        connection.commit()

    def close(self) -> None:
        """Record what is left and give the connection back."""
        try:
            self.record()
        finally:
            if self.connection is not None:
                self.connection.close()
                self.connection = None


def retry_later(outcomes: Outcomes, message: ClaimedMessage, now: datetime, reason: str, *, give_up_allowed: bool) -> None:
    attempts = message.attempts + 1
    if give_up_allowed and attempts >= MAX_TRANSIENT_ATTEMPTS and now - message.created_at > MAX_RETRY_AGE:
        outcomes.add(message, status="failed", attempts=attempts, next_attempt_at=now,
                     last_error=f"gave up after {attempts} attempts: {reason}")
        return
    outcomes.add(message, status="queued", attempts=attempts, next_attempt_at=now + backoff(attempts),
                 last_error=reason)


def retry_message(message: OutboxMessage, now: datetime) -> None:
    """Put a failed message back in the queue (an admin's decision); the caller commits."""
    if message.status != "failed":
        raise ServiceError("only a failed message can be retried")
    message.status = "queued"
    message.attempts = 0
    message.next_attempt_at = now
    logger.info("outbox: message %s to %s queued again", message.id, message.to_addr)


logger = logging.getLogger(__name__)
