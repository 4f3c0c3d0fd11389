"""Who gets a digest now, and what it says: exactly once per (person, kind, period), set-based.

A person is due when their local time has passed their send hour and the current period (local
date for daily, ISO week for weekly, counted from Monday's send hour) has no digest row yet.
"Passed, and not yet claimed" rather than "equal to now" is what makes downtime and DST harmless.

People are read in batches (keyset on id), and each batch costs a fixed number of queries whatever
the number of plans: candidates, (on PostgreSQL) one statement of planner settings for the
batch's reads (_BATCH_READ_SETTINGS), claimed periods, the batch's plans, their phases, recorded check-ins,
the hires' open items, the managers' items waiting for sign-off, then one INSERT of the messages
per channel (and kind, when admins are in the batch) and one of the claims carrying their
messages' ids. The organisation-wide admin sections are read once per run (per distinct local
date of the admins). The run goes without the cycle collector, which collects once per batch
instead (core.memory).
On PostgreSQL a real run reads each batch on a connection and thread of its own, one batch
ahead (core.db.read_ahead), so that the server reads batch k+1 while batch k is composed. And a
real run of more than a batch of people is shared by DIGEST_PROCESSES processes (core.processes,
ONBOARDING_DIGEST_PROCESSES, default 2): each builds the people whose id is its number modulo
their count, batch by batch as above, and commits its own batches. Composing is most of a build,
and one Python process composes on one core only. SQLite builds in one process: an SQLite
database must not be open across a fork (SQLite's own advice: its locks are the process's), and
the scheduler's other job may hold a connection at any moment.

Nothing to say, no email; the period is still claimed (a digest row without a message), so a
person with nothing to say is not rebuilt every 15 minutes, and something that turns up later
that day waits for the next period. Such empty claims are pruned after two weeks.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Connection, Select, bindparam, delete, func, select, text

from onboarding.core.db import bulk_insert, inserts_sent_ahead, one_of, read_ahead, table_of
from onboarding.core.memory import without_cycle_collection
from onboarding.core.processes import in_processes
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.people.models import User
from onboarding.reminders.compose import DIGEST_CHANNELS, DigestComposer
from onboarding.reminders.content import (
    ADMIN,
    PERSON,
    AdminReport,
    DigestContent,
    FailedLine,
    PlanLine,
    Recipient,
)
from onboarding.reminders.models import Digest
from onboarding.reminders.schedule import due_period, zone
from onboarding.reminders.sections import (
    failed_mail,
    fill_from,
    overdue_plans,
    read_person_sections,
    unmanaged_plans,
)

logger = logging.getLogger(__name__)


#: people read per batch; every batch costs the same number of queries
BATCH_SIZE = 500


#: messages composed per part on PostgreSQL: each part's INSERT is written while the next is composed
WRITE_PART = 256


#: claims of periods with nothing to say carry no information once their period is over
KEEP_EMPTY_CLAIMS_DAYS = 14


def build_digests(
    now: datetime,
    *,
    batch_size: int = BATCH_SIZE,
    dry_run: bool = False,
    on_message: Callable[[dict], None] | None = None,
) -> int:
    """Claim every due (person, kind, period) and queue its message; returns the messages queued.

    Each batch is committed on its own (claims and messages together). With `dry_run`, nothing is
    written: the messages that would be queued are passed to `on_message` and counted.
    """
    if now.tzinfo is None:
        raise ValueError("build_digests needs an aware UTC datetime")
    from onboarding.reminders.compose import DigestComposer

    composer = DigestComposer(now)
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    processes = build_processes(batch_size, dry_run=dry_run)
    if not dry_run:
        db.session.commit()  # what this session wrote, visible to the reading connections and processes

    def one_part(number: int) -> tuple[int, int]:
        run = _Run(now=now, composer=composer, dry_run=dry_run, on_message=on_message, postgresql=postgresql)
        _build_part(run, batch_size, (number, processes))
        return run.queued, run.empty

    counts = in_processes(one_part, processes) if processes > 1 else [one_part(0)]
    queued, empty = sum(q for q, _ in counts), sum(e for _, e in counts)
    if not dry_run:
        _prune_empty_claims(now)
        db.session.commit()
    if queued or empty:
        logger.info("digests: %d queued, %d with nothing to say%s", queued, empty,
                    " (dry run)" if dry_run else f" (built by {processes} processes)" if processes > 1 else "")
    return queued


def build_processes(batch_size: int = BATCH_SIZE, *, dry_run: bool = False) -> int:
    """The processes a build is shared by: DIGEST_PROCESSES (config.py checks it) for a real run on
    PostgreSQL, one for a dry run, on SQLite, or when a batch holds everyone who may get a digest."""
    if dry_run or db.session.get_bind().dialect.name != "postgresql":
        return 1
    processes = current_app.config["DIGEST_PROCESSES"]
    if processes > 1:
        people = db.session.scalar(select(func.count()).select_from(User).where(*_candidate_filter())) or 0
        if people <= batch_size:
            return 1
    return processes


def _build_part(run: _Run, batch_size: int, part: tuple[int, int]) -> None:
    """Build the digests of one part of the people (those whose id is part[0] modulo part[1])."""
    # The cycle collector is held back for the whole run, reading included (the reading thread's
    # rows and contents set it off as often as composing did), and collects each batch's young
    # objects once, after the batch.
    with without_cycle_collection() as collect, \
            _batches(run.now, batch_size, run.postgresql, part, ahead=run.postgresql and not run.dry_run) as batches:
        for batch in batches:
            run.batch(batch)
            if not run.dry_run:
                db.session.commit()
            del batch  # done with: not walked by the collection
            collect()


@contextmanager
def _batches(now: datetime, batch_size: int, postgresql: bool, part: tuple[int, int], *,
             ahead: bool) -> Iterator[Iterator[list[DigestContent]]]:
    """The run's batches, read in the session's transaction, or (`ahead`) on a connection of
    their own by a thread, one batch ahead.

    Reading ahead, PostgreSQL reads batch k+1 on the machine's other core while batch k is composed
    and written: the reads are nearly half of a batch's time, and they stop adding to it. They are
    all reads of committed rows, and each batch's read is its own transaction: a claim another
    builder makes meanwhile is still caught by the claims' unique key. A dry run reads in the
    session's transaction, so that it sees what the caller has not committed yet.
    """
    if not ahead:
        yield _read_batches(db.session.connection, now, batch_size, postgresql, part)
        return
    engine = db.engine

    def on_own_connection() -> Iterator[list[DigestContent]]:
        with engine.connect() as connection:
            yield from _read_batches(lambda: connection, now, batch_size, postgresql, part, end=connection.rollback)

    with read_ahead(on_own_connection()) as batches:
        yield batches


def _read_batches(connection: Callable[[], Connection], now: datetime, batch_size: int, postgresql: bool,
                  part: tuple[int, int], end: Callable[[], None] | None = None) -> Iterator[list[DigestContent]]:
    """Batches of people by id (keyset): for each, what is due for them and not claimed yet, with
    its hire and manager sections laid out (the admins' come later, from the run); `end` is called
    after each batch's reads. Nothing here needs the app's context.

    Laying the rows out here puts that work on the reading thread when reading ahead: it runs
    while the caller's thread waits on the server writing the batch before (Python runs one thread
    at a time, so only waiting time can be shared)."""
    after_id = 0
    while True:
        people = [Recipient(*row) for row in connection().execute(_candidates(after_id, batch_size, part)).all()]
        if not people:
            return
        after_id = people[-1].id
        # read in a function of its own, so that this generator's frame does not keep the batch's
        # rows alive while the caller works on them (the collection after each batch walked them)
        yield _read_batch(connection(), people, now, postgresql, end)


def _read_batch(connection: Connection, people: list[Recipient], now: datetime, postgresql: bool,
                end: Callable[[], None] | None) -> list[DigestContent]:
    if postgresql:
        connection.execute(_BATCH_READ_SETTINGS)
    due = _due(connection, people, now, postgresql)
    people_due = [c for c in due if c.kind == PERSON]
    sections = read_person_sections(connection, people_due) if people_due else None
    if end is not None:
        end()
    if sections is not None:
        fill_from(people_due, sections)
    return due


#: On PostgreSQL, for the batch's own transaction (set_config(..., true) is SET LOCAL), in one statement:
#: - no parallel workers: a batch's reads are index searches of a few milliseconds; starting
#:   workers for them (as the planner did for the items) cost more than it saved, on a server
#:   whose other cores serve the pages meanwhile;
#: - random pages cost as an SSD's, or the cache's: a batch reads pages the app reads all day.
#:   At the default (4, a spinning disk's) the planner priced the index of the batch's sub-items
#:   (migration 0010) above a walk of every sub-item of the organisation whenever the visibility
#:   map was behind (as after a bulk import, before autovacuum), and chose the walk: 9 ms a
#:   statement instead of 1, three statements a batch, and growing with the organisation.
_BATCH_READ_SETTINGS = text("SELECT set_config('max_parallel_workers_per_gather', '0', true), "
                            "set_config('random_page_cost', '1.1', true)")


def _due(connection: Connection, people: list[Recipient], now: datetime, postgresql: bool) -> list[DigestContent]:
    """The digests due now for these people whose period nobody has claimed yet."""
    # (time zone, cadence, hour) -> (period, local date): worked out once for the many people who share them
    periods: dict[tuple[str, str, int], tuple[str | None, date]] = {}

    def period_of(timezone: str, cadence: str, hour: int) -> tuple[str | None, date]:
        key = (timezone, cadence, hour)
        found = periods.get(key)
        if found is None:
            local = now.astimezone(zone(timezone))
            found = periods[key] = (due_period(cadence, local, hour), local.date())
        return found

    wanted: list[DigestContent] = []
    for person in people:
        period, today = period_of(person.timezone, person.cadence, person.hour)
        if period:
            wanted.append(DigestContent(person, PERSON, period, today))
        if person.role == "admin":
            period, today = period_of(person.timezone, "weekly", person.hour)
            if period:
                wanted.append(DigestContent(person, ADMIN, period, today))
    if not wanted:
        return []
    claimed = set(connection.execute(_claimed_statement(postgresql), {
        "people": list({c.recipient.id for c in wanted}), "periods": list({c.period for c in wanted})}))
    return [c for c in wanted if (c.recipient.id, c.kind, c.period) not in claimed]


def _candidate_filter() -> list:
    """Who may get a digest: active accounts with a daily or weekly cadence."""
    return [User.is_active_account.is_(True), User.digest_cadence.in_(("daily", "weekly"))]


def _candidates(after_id: int, limit: int, part: tuple[int, int]):
    number, parts = part
    return (
        select(User.id, User.email, User.name, User.role, User.timezone, User.digest_cadence, User.digest_hour,
               User.unsubscribe_version, User.digest_channels, User.teams_webhook_url)
        .where(User.id > after_id, *_candidate_filter(), *([User.id % parts == number] if parts > 1 else []))
        .order_by(User.id)
        .limit(limit)
    )


@cache
def _claimed_statement(postgresql: bool) -> Select:
    """The claims already made among a batch's people and periods (built once per process)."""
    return select(Digest.user_id, Digest.kind, Digest.period).where(
        one_of(Digest.user_id, "people", postgresql), Digest.period.in_(bindparam("periods", expanding=True)))


def _prune_empty_claims(now: datetime) -> None:
    table = table_of(Digest)
    db.session.execute(
        delete(table).where(table.c.message_id.is_(None),
                            table.c.created_at < now - timedelta(days=KEEP_EMPTY_CLAIMS_DAYS))
    )


@dataclass
class _Run:
    now: datetime
    composer: DigestComposer
    dry_run: bool
    on_message: Callable[[dict], None] | None
    postgresql: bool
    queued: int = 0
    empty: int = 0
    #: admin report per local date, shared by every admin of the run
    admin_reports: dict[date, AdminReport] = field(default_factory=dict)
    unmanaged: tuple[list[PlanLine], int] | None = None
    failed: tuple[list[FailedLine], int] | None = None

    def batch(self, due: list[DigestContent]) -> None:
        if not due:
            return
        for content in due:
            if content.kind == ADMIN:
                content.admin = self.admin_report(content.today)
        saying = [c for c in due if not c.is_empty]
        if self.dry_run:
            for c in saying:
                for message in self.composer.compose_all(c):
                    if self.on_message:
                        self.on_message(message)
            self.queued += len(saying)
            self.empty += len(due) - len(saying)
            return
        # On PostgreSQL the mail goes in parts, each part's INSERT sent as soon as it is composed:
        # the server writes it on the other core while the next part is composed.
        part = WRITE_PART if self.postgresql else len(saying) or 1
        queued_ids = []
        with inserts_sent_ahead(db.session) as insert:
            for start in range(0, len(saying), part):
                composed = {c.key: self.composer.compose_all(c) for c in saying[start:start + part]}
                queued_ids += [(kind, _queue_messages(insert, composed, kind, self.now)) for kind in (PERSON, ADMIN)]
        queued: dict[tuple[int, str], list[int]] = {}
        for kind, sent in queued_ids:
            for ids in sent:
                for message_id, user_id in ids:
                    queued.setdefault((user_id, kind), []).append(message_id)
        queued_count, empty = _claim(due, queued, self.now)
        self.queued += queued_count
        self.empty += empty

    def admin_report(self, today: date) -> AdminReport:
        if today not in self.admin_reports:
            if self.unmanaged is None:
                self.unmanaged = unmanaged_plans()
            if self.failed is None:
                self.failed = failed_mail()
            overdue, overdue_total = overdue_plans(today)
            self.admin_reports[today] = AdminReport(overdue, overdue_total, *self.unmanaged, *self.failed)
        return self.admin_reports[today]


def _queue_messages(insert, composed: dict, kind: str, now: datetime) -> list[list[tuple]]:
    """Send the INSERTs of one kind's composed messages, one per channel; the lists of (id, user id)
    they return are filled when `insert`'s block ends.

    One multi-row INSERT per kind and channel: a person appears at most once per kind and channel
    in it, so the returned user ids tell which message belongs to which claim (SQLite cannot return
    rows in parameter order from a single multi-row INSERT).
    """
    outbox = table_of(OutboxMessage)
    sent = []
    for channel in DIGEST_CHANNELS:
        rows = [message for (_, message_kind), messages in composed.items() if message_kind == kind
                for message in messages if message["channel"] == channel]
        if rows:
            sent.append(insert(outbox, rows, ["id", "user_id"], shared={
                "status": "queued", "attempts": 0, "next_attempt_at": now, "last_error": "", "created_at": now}))
    return sent


def _claim(due: list[DigestContent], queued: dict[tuple[int, str], list[int]], now: datetime) -> tuple[int, int]:
    """Claim the batch's periods in the caller's transaction, after its messages; returns (queued, empty).

    The messages go first, so that each claim is inserted with its message's id (the claim links
    to its first message: the email when the person gets one). A claim that another builder made
    first (the unique key) is skipped by ON CONFLICT DO NOTHING, and the messages queued for it
    here are deleted again in the same transaction: only the claims this transaction really
    inserted keep messages. Claims are inserted in key order so that two builders never wait on
    each other in a cycle.
    """
    digests = table_of(Digest)
    claims = sorted(
        ({"user_id": c.recipient.id, "kind": c.kind, "period": c.period,
          "message_id": queued[c.key][0] if c.key in queued else None} for c in due),
        key=lambda row: (row["user_id"], row["kind"]),
    )
    inserted = set(bulk_insert(db.session, digests, claims, ["user_id", "kind"],
                               conflict_columns=["user_id", "kind", "period"], shared={"created_at": now}))
    lost = [message_id for key, ids in queued.items() if key not in inserted for message_id in ids]
    if lost:
        outbox = table_of(OutboxMessage)
        db.session.execute(delete(outbox).where(outbox.c.id.in_(lost)))
    sent = sum(1 for key in queued if key in inserted)
    return sent, len(inserted) - sent
