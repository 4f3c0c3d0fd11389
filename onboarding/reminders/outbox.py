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
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import bindparam, select, update

from onboarding.extensions import db
from onboarding.models import OutboxMessage
from onboarding.reminders.messages import mime_message, sender_domain
from onboarding.services import ServiceError

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
#: a claimed message is not offered to another sender before this (covers a crashed sender)
LEASE = timedelta(minutes=10)
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
#: a message refused with 4xx replies this many times, and for longer than MAX_RETRY_AGE, is marked
#: failed (an admin's retry starts the count again)
MAX_TRANSIENT_ATTEMPTS = 10
MAX_RETRY_AGE = timedelta(days=3)
SMTP_TIMEOUT_SECONDS = 30
#: outcomes are committed every this many messages (see _Outcomes)
RECORD_EVERY = 10


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failed attempt, at most an hour."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


@dataclass
class _Claimed:
    id: int
    to_addr: str
    subject: str
    text_body: str
    html_body: str
    headers: dict
    attempts: int
    created_at: datetime
    last_error: str


class _ConnectionLost(Exception):
    pass


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
        delivered, connection_ok = _send_batch(batch, now)
        sent += delivered
        if not connection_ok:
            break
    if sent:
        logger.info("outbox: %d message(s) sent", sent)
    return sent


def claim_batch(now: datetime, batch_size: int) -> list[_Claimed]:
    """Take up to `batch_size` due messages for this sender and commit the claim."""
    table = OutboxMessage.__table__
    due = (table.c.status == "queued", table.c.next_attempt_at <= now)
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
                   table.c.headers, table.c.attempts, table.c.created_at, table.c.last_error)
    ).all()
    db.session.commit()
    return sorted((_Claimed(*row) for row in rows), key=lambda m: m.id)


class _Outcomes:
    """What happened to each claimed message, written every RECORD_EVERY messages and at the end.

    Writing each outcome on its own would cost a commit per message; writing the batch once at the
    end would, if the process died mid-batch, send up to a whole batch again after the lease. Every
    RECORD_EVERY messages is the middle: at most that many are sent twice after a hard crash.
    """

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, message: _Claimed, *, status: str, attempts: int, next_attempt_at: datetime,
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


def _connect(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(
        config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25),
        local_hostname=sender_domain(current_app), timeout=config.get("SMTP_TIMEOUT", SMTP_TIMEOUT_SECONDS),
    )
    try:
        smtp.ehlo()
        if config.get("SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _send_batch(batch: list[_Claimed], now: datetime) -> tuple[int, bool]:
    """Send a claimed batch over one connection; returns (sent, connection still usable)."""
    config = current_app.config
    outcomes = _Outcomes()
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as exc:
        reason = f"cannot reach the SMTP server {config['SMTP_HOST']}:{config.get('SMTP_PORT')}: {_describe(exc)}"
        logger.warning("outbox: %s; %d message(s) wait", reason, len(batch))
        for message in batch:
            _retry_later(outcomes, message, now, reason, give_up_allowed=False)
        outcomes.flush()
        return 0, False
    mail_from = config["MAIL_FROM"]
    envelope_from = parseaddr(mail_from)[1] or mail_from
    sent = 0
    try:
        for index, message in enumerate(batch):
            try:
                _send_one(smtp, message, mail_from, envelope_from)
            except _ConnectionLost as exc:
                _retry_later(outcomes, message, now, str(exc), give_up_allowed=False)
                for untried in batch[index + 1:]:  # never tried: back in the queue at once
                    outcomes.add(untried, status="queued", attempts=untried.attempts, next_attempt_at=now,
                                 last_error=untried.last_error)
                logger.warning("outbox: connection lost (%s); the rest waits for the next round", exc)
                return sent, False
            except _Refused as exc:
                if exc.permanent:
                    outcomes.add(message, status="failed", attempts=message.attempts + 1, next_attempt_at=now,
                                 last_error=exc.reason)
                    logger.warning("outbox: message %s to %s failed: %s", message.id, message.to_addr, exc.reason)
                else:
                    _retry_later(outcomes, message, now, exc.reason, give_up_allowed=True)
            else:
                outcomes.add(message, status="sent", attempts=message.attempts + 1, next_attempt_at=now,
                             last_error="", sent_at=now)
                sent += 1
    finally:
        outcomes.flush()
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return sent, True


class _Refused(Exception):
    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.permanent = 500 <= code < 600
        self.reason = reason


def _reply(code: int, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}"[:1000]


def _send_one(smtp: smtplib.SMTP, message: _Claimed, mail_from: str, envelope_from: str) -> None:
    try:
        raw = mime_message(mail_from=mail_from, to_addr=message.to_addr, subject=message.subject,
                           text_body=message.text_body, html_body=message.html_body, headers=message.headers or {})
    except (ValueError, UnicodeError) as exc:
        raise _Refused(554, f"the message cannot be written: {exc}") from None
    options: list[str] = []
    if not (envelope_from + message.to_addr).isascii():
        if not smtp.has_extn("smtputf8"):
            raise _Refused(553, "553 the SMTP server does not accept international email addresses (SMTPUTF8)")
        options = ["SMTPUTF8"]
    smtp.command_encoding = "utf-8" if options else "ascii"
    try:
        smtp.sendmail(envelope_from, [message.to_addr], raw, mail_options=options)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()), (451, b"recipient refused"))
        if code == 421:
            raise _ConnectionLost(_reply(code, text)) from None
        raise _Refused(code, _reply(code, text)) from None
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused ...
        if exc.smtp_code == 421:
            raise _ConnectionLost(_reply(exc.smtp_code, exc.smtp_error)) from None
        raise _Refused(exc.smtp_code, _reply(exc.smtp_code, exc.smtp_error)) from None
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise _ConnectionLost(f"connection lost: {_describe(exc)}") from None


def _retry_later(outcomes: _Outcomes, message: _Claimed, now: datetime, reason: str, *, give_up_allowed: bool) -> None:
    attempts = message.attempts + 1
    if give_up_allowed and attempts >= MAX_TRANSIENT_ATTEMPTS and now - message.created_at > MAX_RETRY_AGE:
        outcomes.add(message, status="failed", attempts=attempts, next_attempt_at=now,
                     last_error=f"gave up after {attempts} attempts: {reason}")
        return
    outcomes.add(message, status="queued", attempts=attempts, next_attempt_at=now + backoff(attempts),
                 last_error=reason)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def retry_message(message: OutboxMessage, now: datetime) -> None:
    """Put a failed message back in the queue (an admin's decision); the caller commits."""
    if message.status != "failed":
        raise ServiceError("only a failed message can be retried")
    message.status = "queued"
    message.attempts = 0
    message.next_attempt_at = now
    logger.info("outbox: message %s to %s queued again", message.id, message.to_addr)
