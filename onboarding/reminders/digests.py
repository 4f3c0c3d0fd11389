"""Who gets a digest now, and what it says: exactly once per (person, kind, period), set-based.

A person is due when their local time has passed their send hour and the current period (local
date for daily, ISO week for weekly, counted from Monday's send hour) has no digest row yet.
"Passed, and not yet claimed" rather than "equal to now" is what makes downtime and DST harmless.

People are read in batches (keyset on id), and each batch costs a fixed number of queries whatever
the number of plans: candidates, claimed periods, the batch's plans, their phases, recorded
check-ins, the hires' open items, the managers' items waiting for sign-off, then one INSERT of the
claims, one of the messages (two when admins are in the batch) and one UPDATE linking them. The
organisation-wide admin sections are read once per run (per distinct local date of the admins).

Nothing to say, no email; the period is still claimed (a digest row without a message), so a
person with nothing to say is not rebuilt every 15 minutes, and something that turns up later
that day waits for the next period. Such empty claims are pruned after two weeks.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from onboarding.extensions import db
from onboarding.models import CheckIn, Digest, OutboxMessage, Plan, PlanItem, User
from onboarding.services.status import (
    CLOSED_STATES, DONE_STATES, PhaseProgress, PlanProgress, leaf_items_condition, ramp_status,
)

if TYPE_CHECKING:
    from onboarding.reminders.messages import DigestComposer

logger = logging.getLogger(__name__)

#: people read per batch; every batch costs the same number of queries
BATCH_SIZE = 500
#: a hire's digest lists open items due within this many days
DUE_SOON_DAYS = 14
#: a manager's digest lists check-ins whose phase ends within this many days (or has ended)
CHECK_IN_NOTICE_DAYS = 7
#: the admin report lists plans with an item overdue by more than this many days
ADMIN_OVERDUE_DAYS = 14
#: how many entries of each list the admin report shows (the total is always given)
ADMIN_LIST_LIMIT = 15
#: claims of periods with nothing to say carry no information once their period is over
KEEP_EMPTY_CLAIMS_DAYS = 14

PERSON = "person"
ADMIN = "admin"

PHASE_LABELS = {"day-30": "30-day", "day-60": "60-day", "day-90": "90-day", "month-6": "6-month",
                "month-12": "12-month"}


def phase_label(phase_key: str) -> str:
    return PHASE_LABELS.get(phase_key, phase_key)


# --- when is a person due -----------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    """The person's time zone; an unknown name (never stored by the services) counts as UTC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown time zone %r, using UTC", name)
        return ZoneInfo("UTC")


def due_period(cadence: str, local_now: datetime, send_hour: int) -> str | None:
    """The period a person is due for at this local time, or None before the send hour.

    Daily: the local date, once the local hour has reached the send hour. Weekly: the ISO week
    ("2026-W48"), from Monday's send hour to the end of Sunday, so a missed Monday catches up at the
    next wake of the same week.
    """
    if cadence == "daily":
        return local_now.date().isoformat() if local_now.hour >= send_hour else None
    if cadence == "weekly":
        year, week, weekday = local_now.isocalendar()
        if weekday == 1 and local_now.hour < send_hour:
            return None
        return f"{year}-W{week:02d}"
    return None


# --- what a digest says ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    name: str
    role: str
    timezone: str
    cadence: str
    hour: int
    unsubscribe_version: int


@dataclass
class ItemLine:
    text: str
    #: the text of the item's parent ("Learn the tools:") when it is a sub-item
    parent_text: str
    due_on: date | None
    hire_name: str = ""
    comment: str = ""


@dataclass
class CheckInLine:
    phase_key: str
    due_on: date
    hire_name: str = ""
    manager_name: str = ""

    @property
    def label(self) -> str:
        return f"{phase_label(self.phase_key)} check-in"


@dataclass
class ReportLine:
    hire_name: str
    status: str
    overdue: int


@dataclass
class PlanLine:
    hire_name: str
    manager_name: str
    start_on: date | None = None
    oldest_due_on: date | None = None
    overdue_items: int = 0


@dataclass
class FailedLine:
    to_addr: str
    subject: str
    last_error: str
    created_at: datetime


@dataclass
class AdminReport:
    overdue_plans: list[PlanLine]
    overdue_total: int
    unmanaged_plans: list[PlanLine]
    unmanaged_total: int
    failed_mail: list[FailedLine]
    failed_total: int


@dataclass
class DigestContent:
    """Everything one message says; empty lists mean nothing to say in that section."""

    recipient: Recipient
    kind: str
    period: str
    today: date
    # hire section
    overdue: list[ItemLine] = field(default_factory=list)
    due_soon: list[ItemLine] = field(default_factory=list)
    sent_back: list[ItemLine] = field(default_factory=list)
    next_check_in: CheckInLine | None = None
    # manager section
    waiting: list[ItemLine] = field(default_factory=list)
    check_ins_due: list[CheckInLine] = field(default_factory=list)
    attention: list[ReportLine] = field(default_factory=list)
    # admin report
    admin: AdminReport | None = None

    @property
    def key(self) -> tuple[int, str]:
        return (self.recipient.id, self.kind)

    @property
    def check_in_is_soon(self) -> bool:
        return self.next_check_in is not None and self.next_check_in.due_on <= self.today + timedelta(DUE_SOON_DAYS)

    @property
    def has_hire_section(self) -> bool:
        return bool(self.overdue or self.due_soon or self.sent_back or self.check_in_is_soon)

    @property
    def has_manager_section(self) -> bool:
        return bool(self.waiting or self.check_ins_due or self.attention)

    @property
    def has_admin_section(self) -> bool:
        a = self.admin
        return a is not None and bool(a.overdue_total or a.unmanaged_total or a.failed_total)

    @property
    def is_empty(self) -> bool:
        if self.kind == ADMIN:
            return not self.has_admin_section
        return not (self.has_hire_section or self.has_manager_section)


# --- the job --------------------------------------------------------------------------------------


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
    from onboarding.reminders.messages import DigestComposer

    composer = DigestComposer(now)
    run = _Run(now=now, composer=composer, dry_run=dry_run, on_message=on_message)
    after_id = 0
    while True:
        rows = db.session.execute(_candidates(after_id, batch_size)).all()
        if not rows:
            break
        after_id = rows[-1].id
        run.batch([Recipient(*row) for row in rows])
        if not dry_run:
            db.session.commit()
    if not dry_run:
        _prune_empty_claims(now)
        db.session.commit()
    if run.queued or run.empty:
        logger.info("digests: %d queued, %d with nothing to say%s", run.queued, run.empty,
                    " (dry run)" if dry_run else "")
    return run.queued


def _candidates(after_id: int, limit: int):
    return (
        select(User.id, User.email, User.name, User.role, User.timezone, User.digest_cadence, User.digest_hour,
               User.unsubscribe_version)
        .where(User.id > after_id, User.is_active_account.is_(True), User.digest_cadence.in_(("daily", "weekly")))
        .order_by(User.id)
        .limit(limit)
    )


def _prune_empty_claims(now: datetime) -> None:
    table = Digest.__table__
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
    queued: int = 0
    empty: int = 0
    #: admin report per local date, shared by every admin of the run
    admin_reports: dict[date, AdminReport] = field(default_factory=dict)
    unmanaged: tuple[list[PlanLine], int] | None = None
    failed: tuple[list[FailedLine], int] | None = None

    def batch(self, people: list[Recipient]) -> None:
        wanted: list[DigestContent] = []
        for person in people:
            local = self.now.astimezone(zone(person.timezone))
            period = due_period(person.cadence, local, person.hour)
            if period:
                wanted.append(DigestContent(person, PERSON, period, local.date()))
            if person.role == "admin":
                period = due_period("weekly", local, person.hour)
                if period:
                    wanted.append(DigestContent(person, ADMIN, period, local.date()))
        if not wanted:
            return
        claimed = set(db.session.execute(
            select(Digest.user_id, Digest.kind, Digest.period).where(
                Digest.user_id.in_({c.recipient.id for c in wanted}), Digest.period.in_({c.period for c in wanted}))
        ))
        due = [c for c in wanted if (c.recipient.id, c.kind, c.period) not in claimed]
        if not due:
            return
        people_due = [c for c in due if c.kind == PERSON]
        if people_due:
            _fill_person_sections(people_due)
        for content in due:
            if content.kind == ADMIN:
                content.admin = self.admin_report(content.today)
        composed = {c.key: self.composer.compose(c) for c in due if not c.is_empty}
        if self.dry_run:
            for message in composed.values():
                if self.on_message:
                    self.on_message(message)
            self.queued += len(composed)
            self.empty += len(due) - len(composed)
            return
        queued, empty = _claim_and_queue(due, composed, self.now)
        self.queued += queued
        self.empty += empty

    def admin_report(self, today: date) -> AdminReport:
        if today not in self.admin_reports:
            if self.unmanaged is None:
                self.unmanaged = _unmanaged_plans()
            if self.failed is None:
                self.failed = _failed_mail()
            overdue, overdue_total = _overdue_plans(today)
            self.admin_reports[today] = AdminReport(overdue, overdue_total, *self.unmanaged, *self.failed)
        return self.admin_reports[today]


def _insert_ignoring_duplicates(table):
    """INSERT ... ON CONFLICT (user_id, kind, period) DO NOTHING, in the database's own dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table).on_conflict_do_nothing(index_elements=["user_id", "kind", "period"])


def _claim_and_queue(due: list[DigestContent], composed: dict, now: datetime) -> tuple[int, int]:
    """Write the claims and their messages in the caller's transaction; returns (queued, empty).

    A claim that another builder made first (the unique key) is skipped by ON CONFLICT DO NOTHING
    and gets no message: only the claims this transaction really inserted are queued. Rows are
    inserted in key order so that two builders never wait on each other in a cycle.
    """
    digests = Digest.__table__
    outbox = OutboxMessage.__table__
    claims = sorted(
        ({"user_id": c.recipient.id, "kind": c.kind, "period": c.period, "created_at": now} for c in due),
        key=lambda row: (row["user_id"], row["kind"]),
    )
    inserted = db.session.execute(
        _insert_ignoring_duplicates(digests).returning(digests.c.id, digests.c.user_id, digests.c.kind), claims
    ).all()
    claimed = {(user_id, kind): digest_id for digest_id, user_id, kind in inserted if (user_id, kind) in composed}
    links = []
    # One multi-row INSERT per kind: a person appears at most once per kind in a batch, so the
    # returned user ids tell which message belongs to which claim (SQLite cannot return rows in
    # parameter order from a single multi-row INSERT).
    for kind in (PERSON, ADMIN):
        rows = [
            {**message, "status": "queued", "attempts": 0, "next_attempt_at": now, "last_error": "", "created_at": now}
            for (user_id, message_kind), message in composed.items()
            if message_kind == kind and (user_id, kind) in claimed
        ]
        if rows:
            for message_id, user_id in db.session.execute(
                insert(outbox).returning(outbox.c.id, outbox.c.user_id), rows
            ):
                links.append({"digest_id": claimed[(user_id, kind)], "msg_id": message_id})
    if not links:
        return 0, len(inserted)
    db.session.execute(
        update(digests).where(digests.c.id == bindparam("digest_id")).values(message_id=bindparam("msg_id")), links
    )
    return len(links), len(inserted) - len(links)


# --- the queries behind the sections ---------------------------------------------------------------


def _fill_person_sections(contents: list[DigestContent]) -> None:
    """Hire and manager sections for a batch of people: seven queries, whatever the number of plans."""
    ids = [c.recipient.id for c in contents]
    by_person = {c.recipient.id: c for c in contents}
    hire, manager, parent = aliased(User), aliased(User), aliased(PlanItem)
    in_batch = or_(Plan.hire_id.in_(ids), Plan.manager_id.in_(ids))
    plan_ids = select(Plan.id).where(Plan.is_active.is_(True), in_batch)

    plans = db.session.execute(
        select(Plan.id, Plan.hire_id, Plan.manager_id, hire.name, manager.name)
        .join(hire, hire.id == Plan.hire_id)
        .outerjoin(manager, manager.id == Plan.manager_id)
        .where(Plan.is_active.is_(True), in_batch)
    ).all()
    if not plans:
        return

    # Leaf items per (plan, phase, due date): enough for ramp status, phase ends and check-ins.
    phases: dict[int, list[tuple]] = defaultdict(list)
    for plan_id, key, due_on, total, done, closed, waiting in db.session.execute(
        select(
            PlanItem.plan_id, PlanItem.phase_key, PlanItem.due_on, func.count(),
            func.sum(case((PlanItem.state.in_(DONE_STATES), 1), else_=0)),
            func.sum(case((PlanItem.state.in_(CLOSED_STATES), 1), else_=0)),
            func.sum(case((PlanItem.state == "done", 1), else_=0)),
        )
        .where(PlanItem.plan_id.in_(plan_ids), PlanItem.due_on.is_not(None), leaf_items_condition())
        .group_by(PlanItem.plan_id, PlanItem.phase_key, PlanItem.due_on)
    ):
        phases[plan_id].append((key, due_on, int(total), int(done or 0), int(closed or 0), int(waiting or 0)))

    recorded = set(db.session.execute(
        select(CheckIn.plan_id, CheckIn.phase_key)
        .where(CheckIn.plan_id.in_(plan_ids), CheckIn.recorded_at.is_not(None))
    ))

    latest_today = max(c.today for c in contents)
    hire_items: dict[int, list[tuple]] = defaultdict(list)
    for hire_id, text, parent_text, due_on, comment in db.session.execute(
        select(Plan.hire_id, PlanItem.text, parent.text, PlanItem.due_on, PlanItem.review_comment)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .outerjoin(parent, parent.id == PlanItem.parent_id)
        .where(
            Plan.is_active.is_(True), Plan.hire_id.in_(ids), PlanItem.state == "open", leaf_items_condition(),
            or_(PlanItem.review_comment != "", PlanItem.due_on <= latest_today + timedelta(days=DUE_SOON_DAYS)),
        )
        .order_by(Plan.hire_id, PlanItem.due_on, PlanItem.position)
    ):
        hire_items[hire_id].append((text, parent_text or "", due_on, comment or ""))

    for manager_id, hire_name, text, parent_text, due_on in db.session.execute(
        select(Plan.manager_id, hire.name, PlanItem.text, parent.text, PlanItem.due_on)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .join(hire, hire.id == Plan.hire_id)
        .outerjoin(parent, parent.id == PlanItem.parent_id)
        .where(Plan.is_active.is_(True), Plan.manager_id.in_(ids), Plan.hire_id != Plan.manager_id,
               PlanItem.state == "done", leaf_items_condition())
        .order_by(Plan.manager_id, hire.name, Plan.id, PlanItem.position)
    ):
        by_person[manager_id].waiting.append(ItemLine(text, parent_text or "", due_on, hire_name=hire_name))

    for plan_id, hire_id, manager_id, hire_name, manager_name in plans:
        rows = phases.get(plan_id, [])
        if hire_id in by_person:
            _hire_section(by_person[hire_id], hire_items.get(hire_id, []), plan_id, rows, recorded, manager_name or "")
        if manager_id in by_person and manager_id != hire_id:
            _manager_section(by_person[manager_id], plan_id, hire_name, rows, recorded)
    for content in contents:
        content.check_ins_due.sort(key=lambda line: (line.due_on, line.hire_name))
        content.attention.sort(key=lambda line: (line.status != "overdue", -line.overdue, line.hire_name))


def _phase_ends(rows: Iterable[tuple]) -> dict[str, date]:
    """Each dated phase's end: the latest due date of its items (as the ramp status counts it)."""
    ends: dict[str, date] = {}
    for key, due_on, *_ in rows:
        if key not in ends or due_on > ends[key]:
            ends[key] = due_on
    return ends


def _hire_section(content: DigestContent, items: list[tuple], plan_id: int, rows: list[tuple],
                  recorded: set, manager_name: str) -> None:
    today = content.today
    soon = today + timedelta(days=DUE_SOON_DAYS)
    for text, parent_text, due_on, comment in items:
        line = ItemLine(text, parent_text, due_on, comment=comment)
        if comment:
            content.sent_back.append(line)
        elif due_on is not None and due_on < today:
            content.overdue.append(line)
        elif due_on is not None and due_on <= soon:
            content.due_soon.append(line)
    upcoming = sorted(
        (end, key) for key, end in _phase_ends(rows).items() if end >= today and (plan_id, key) not in recorded
    )
    if upcoming:
        end, key = upcoming[0]
        content.next_check_in = CheckInLine(key, end, manager_name=manager_name)


def _manager_section(content: DigestContent, plan_id: int, hire_name: str, rows: list[tuple], recorded: set) -> None:
    today = content.today
    notice = today + timedelta(days=CHECK_IN_NOTICE_DAYS)
    for key, end in _phase_ends(rows).items():
        if end <= notice and (plan_id, key) not in recorded:
            content.check_ins_due.append(CheckInLine(key, end, hire_name=hire_name))
    progress = PlanProgress(plan_id)
    for key, due_on, total, done, closed, waiting in rows:
        phase = progress.phases.setdefault(key, PhaseProgress(key))
        phase.total += total
        phase.done += done
        phase.closed += closed
        phase.waiting += waiting
        if due_on < today:
            phase.overdue += total - done
        phase.due_on = due_on if phase.due_on is None or due_on > phase.due_on else phase.due_on
    status = ramp_status(progress, today)
    if status in ("overdue", "at risk"):
        content.attention.append(ReportLine(hire_name, status, progress.overdue))


def _overdue_plans(today: date) -> tuple[list[PlanLine], int]:
    """Active plans with an open item more than ADMIN_OVERDUE_DAYS past due: the oldest first."""
    hire, manager = aliased(User), aliased(User)
    late = (
        select(PlanItem.plan_id, func.min(PlanItem.due_on).label("oldest"), func.count().label("open_items"))
        .where(PlanItem.state == "open", PlanItem.due_on < today - timedelta(days=ADMIN_OVERDUE_DAYS),
               leaf_items_condition())
        .group_by(PlanItem.plan_id)
        .subquery()
    )
    rows = db.session.execute(
        select(hire.name, manager.name, Plan.start_on, late.c.oldest, late.c.open_items, func.count().over())
        .join(late, late.c.plan_id == Plan.id)
        .join(hire, hire.id == Plan.hire_id)
        .outerjoin(manager, manager.id == Plan.manager_id)
        .where(Plan.is_active.is_(True))
        .order_by(late.c.oldest, hire.name)
        .limit(ADMIN_LIST_LIMIT)
    ).all()
    lines = [PlanLine(h, m or "", start, oldest, int(items)) for h, m, start, oldest, items, _ in rows]
    return lines, int(rows[0][-1]) if rows else 0


def _unmanaged_plans() -> tuple[list[PlanLine], int]:
    hire = aliased(User)
    rows = db.session.execute(
        select(hire.name, Plan.start_on, func.count().over())
        .join(hire, hire.id == Plan.hire_id)
        .where(Plan.is_active.is_(True), Plan.manager_id.is_(None))
        .order_by(Plan.start_on, hire.name)
        .limit(ADMIN_LIST_LIMIT)
    ).all()
    return [PlanLine(name, "", start) for name, start, _ in rows], int(rows[0][-1]) if rows else 0


def _failed_mail() -> tuple[list[FailedLine], int]:
    rows = db.session.execute(
        select(OutboxMessage.to_addr, OutboxMessage.subject, OutboxMessage.last_error, OutboxMessage.created_at,
               func.count().over())
        .where(OutboxMessage.status == "failed")
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(ADMIN_LIST_LIMIT)
    ).all()
    return [FailedLine(*row[:4]) for row in rows], int(rows[0][-1]) if rows else 0
