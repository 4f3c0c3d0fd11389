"""Delivering the outbox over SMTP: claimed in batches, one connection per batch, retried with backoff.

Claiming: one UPDATE ... RETURNING moves a batch's `next_attempt_at` a lease into the future and
commits at once, so no database lock is held while talking to the SMTP server (on SQLite that
would block every web worker's writes). On PostgreSQL the rows are picked with
`FOR UPDATE SKIP LOCKED`, so several senders drain the outbox side by side without taking the
same message; on SQLite the single UPDATE statement runs under the database's one write lock,
which makes the claim just as exclusive. A sender that dies mid-batch leaves its unsent messages
to be picked up when the lease ends.

Outcomes, committed every RECORD_EVERY messages (so a crash re-sends at most that many, after the
lease): 2xx sent; 4xx, a dropped connection or a refused connection: queued again with an
exponential backoff; 5xx: failed, with the server's reply, for an admin to see and retry. 4xx
replies for the same message, over and over for more than MAX_RETRY_AGE, also end as failed; a
server that is down never makes a message fail, so nothing is lost while it is down.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update

from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage

BATCH_SIZE = 100


#: a claimed message is not offered to another sender before this (covers a crashed sender)
LEASE = timedelta(minutes=10)


BACKOFF_FIRST = timedelta(minutes=1)


BACKOFF_MAX = timedelta(hours=1)


#: a message refused with 4xx replies this many times, and for longer than MAX_RETRY_AGE, is marked
#: failed (an admin's retry starts the count again)
MAX_TRANSIENT_ATTEMPTS = 10


MAX_RETRY_AGE = timedelta(days=3)


#: outcomes are committed every this many messages (see Outcomes)
RECORD_EVERY = 10


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
    table = OutboxMessage.__table__
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


class Outcomes:
    """What happened to each claimed message, written every RECORD_EVERY messages and at the end.

    Writing each outcome on its own would cost a commit per message; writing the batch once at the
    end would, if the process died mid-batch, send up to a whole batch again after the lease. Every
    RECORD_EVERY messages is the middle: at most that many are sent twice after a hard crash.
    """

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, message: ClaimedMessage, *, status: str, attempts: int, next_attempt_at: datetime,
            last_error: str, sent_at: datetime | None = None) -> None:
        self.rows.append({"message_id": message.id, "new_status": status, "new_attempts": attempts,
                          "new_next_attempt_at": next_attempt_at, "new_last_error": last_error[:1000],
                          "new_sent_at": sent_at})
        if len(self.rows) >= RECORD_EVERY:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        table = OutboxMessage.__table__
        db.session.execute(
            update(table).where(table.c.id == bindparam("message_id")).values(
                status=bindparam("new_status"), attempts=bindparam("new_attempts"),
                next_attempt_at=bindparam("new_next_attempt_at"), last_error=bindparam("new_last_error"),
                sent_at=bindparam("new_sent_at"),
            ),
            self.rows,
        )
        db.session.commit()
        self.rows = []


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
