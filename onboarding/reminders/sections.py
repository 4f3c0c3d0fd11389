"""The queries behind a digest's sections, set-based: a fixed number per batch of people."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import ARRAY, Connection, Integer, Select, bindparam, case, func, or_, select, true, union
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter

from onboarding.core.db import one_of
from onboarding.core.phases import CLOSED_STATES, DONE_STATES, NEEDS_ATTENTION
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.people.models import User
from onboarding.plans.models import CheckIn, Plan, PlanItem
from onboarding.plans.status import (
    PhaseProgress,
    PlanProgress,
    leaf_items_condition,
    ramp_status,
)
from onboarding.reminders.content import (
    ADMIN_LIST_LIMIT,
    ADMIN_OVERDUE_DAYS,
    CHECK_IN_NOTICE_DAYS,
    DUE_SOON_DAYS,
    CheckInLine,
    DigestContent,
    FailedLine,
    ItemLine,
    PlanLine,
    ReportLine,
)


@dataclass(frozen=True)
class _BatchStatements:
    """The batch's five reads, built once per process. The first finds the batch's plans; the
    others take those plans' ids as one parameter (core.db.one_of), so each reads only those plans' rows
    through an index (given the people's ids behind a subquery, PostgreSQL misjudged the plans'
    number and anti-joined every item of the organisation for each batch)."""

    plans: Select
    phases: Select
    recorded: Select
    hire_items: Select
    waiting: Select


@cache
def _batch_statements(postgresql: bool) -> _BatchStatements:
    soon: BindParameter[date] = bindparam("soon")

    def plan_ids(column):
        return one_of(column, "plans", postgresql)

    parent = aliased(PlanItem)
    if postgresql:
        # Leaves: not among the batch's parents, one set the server hashes once (read from the
        # sub-items index, migration 0010). Correlated per item, as leaf_items_condition is,
        # PostgreSQL probed the parent index once for each of a batch's ten thousand items.
        child = aliased(PlanItem)
        leaf = PlanItem.id.not_in(
            select(child.parent_id).where(plan_ids(child.plan_id), child.parent_id.is_not(None)).scalar_subquery())
    else:
        # SQLite probes the parent index in-process: as cheap as the set, without building it
        leaf = leaf_items_condition()
    return _BatchStatements(
        plans=_batch_plans_postgresql() if postgresql else _batch_plans(),
        # Leaf items per (plan, phase, due date): enough for ramp status, phase ends and check-ins.
        phases=select(
            PlanItem.plan_id, PlanItem.phase_key, PlanItem.due_on, func.count(),
            func.sum(case((PlanItem.state.in_(DONE_STATES), 1), else_=0)),
            func.sum(case((PlanItem.state.in_(CLOSED_STATES), 1), else_=0)),
            func.sum(case((PlanItem.state == "done", 1), else_=0)),
        )
        .where(plan_ids(PlanItem.plan_id), PlanItem.due_on.is_not(None), leaf)
        .group_by(PlanItem.plan_id, PlanItem.phase_key, PlanItem.due_on),
        recorded=select(CheckIn.plan_id, CheckIn.phase_key)
        .where(plan_ids(CheckIn.plan_id), CheckIn.recorded_at.is_not(None)),
        # the hires' open items of their plans in the batch (sorted per hire in Python)
        hire_items=select(PlanItem.plan_id, PlanItem.text, parent.text, PlanItem.due_on, PlanItem.review_comment,
                          PlanItem.position)
        .outerjoin(parent, parent.id == PlanItem.parent_id)
        .where(plan_ids(PlanItem.plan_id), PlanItem.state == "open", leaf,
               or_(PlanItem.review_comment != "", PlanItem.due_on <= soon)),
        # the managers' reports' done items (sorted per manager, by the hire's name, in Python)
        waiting=select(PlanItem.plan_id, PlanItem.text, parent.text, PlanItem.due_on, PlanItem.position)
        .outerjoin(parent, parent.id == PlanItem.parent_id)
        .where(plan_ids(PlanItem.plan_id), PlanItem.state == "done", leaf),
    )


def _batch_plans() -> Select:
    """The active plans of which a batch's person is the hire or the manager, with both names.

    As a hire UNION as a manager, so each half is an index search; an OR of the two made SQLite
    scan every plan of the organisation for every batch."""
    hire, manager = aliased(User), aliased(User)
    batch_plans = union(
        select(Plan.id).where(Plan.is_active.is_(True), one_of(Plan.hire_id, "people", False)),
        select(Plan.id).where(Plan.is_active.is_(True), one_of(Plan.manager_id, "people", False)),
    ).scalar_subquery()
    return (select(Plan.id, Plan.hire_id, Plan.manager_id, hire.name, manager.name)
            .join(hire, hire.id == Plan.hire_id)
            .outerjoin(manager, manager.id == Plan.manager_id)
            .where(Plan.id.in_(batch_plans)))


def _batch_plans_postgresql() -> Select:
    """The same plans on PostgreSQL: for each of the batch's people (unnest), their plans as hire
    UNION as manager (LATERAL), and each name read by primary key (a subquery per row).

    Per person and per row, so that every step is an index search of the batch's own rows. Given
    the people as one list, the planner cannot tell how many of them manage anyone: it expected
    every plan of the organisation from `manager_id = ANY(people)`, and so hashed the whole plans
    and users tables for each batch (a cost that grew with the organisation, 9 ms a batch at
    10,000 plans). A plan whose hire and manager are both in the batch is found twice: DISTINCT
    keeps one."""
    person = func.unnest(bindparam("people", type_=ARRAY(Integer))).table_valued("id").render_derived(name="person")
    found = union(
        select(Plan.id, Plan.hire_id, Plan.manager_id).where(Plan.is_active.is_(True), Plan.hire_id == person.c.id),
        select(Plan.id, Plan.hire_id, Plan.manager_id).where(Plan.is_active.is_(True),
                                                             Plan.manager_id == person.c.id),
    ).subquery().lateral("batch_plan")

    def name_of(user_id):
        return select(User.name).where(User.id == user_id).scalar_subquery()

    return (select(found.c.id, found.c.hire_id, found.c.manager_id, name_of(found.c.hire_id),
                   name_of(found.c.manager_id))
            .distinct()
            .select_from(person)
            .join(found, true()))


@dataclass
class PersonRows:
    """What a batch's hire and manager sections are made of, as read (see read_person_sections)."""

    plans: Sequence
    #: plan id -> the hire's id, for the plans whose hire is in the batch
    as_hire: dict[int, int]
    #: plan id -> (the manager's id, the hire's name), for those whose manager is (and is not the hire)
    as_manager: dict[int, tuple[int, str]]
    phases: Sequence
    recorded: Sequence
    hire_items: Sequence
    waiting: Sequence


def fill_person_sections(contents: list[DigestContent]) -> None:
    """Hire and manager sections for a batch of people, read in the session's transaction."""
    rows = read_person_sections(db.session.connection(), contents)
    if rows is not None:
        fill_from(contents, rows)


def read_person_sections(connection: Connection, contents: list[DigestContent]) -> PersonRows | None:
    """The rows behind a batch's hire and manager sections: five queries, whatever the number of
    plans; None when none of the people has an active plan.

    Plain rows, no ORM loading (a batch reads tens of thousands of them), each result fetched
    whole (`.all()`: iterating a result fetches one row per driver call, a quarter of a batch's
    reading). Nothing here needs the app: the digest builder runs it on a reading thread.
    """
    people = {c.recipient.id for c in contents}
    statements = _batch_statements(connection.dialect.name == "postgresql")
    plans = connection.execute(statements.plans, {"people": list(people)}).all()
    if not plans:
        return None
    # an active plan whose hire is in the batch feeds the hire's section; one whose manager (not
    # the hire themself) is in the batch feeds the manager's
    as_hire = {plan_id: hire_id for plan_id, hire_id, _, _, _ in plans if hire_id in people}
    as_manager = {plan_id: (manager_id, hire_name) for plan_id, hire_id, manager_id, hire_name, _ in plans
                  if manager_id in people and manager_id != hire_id}
    params = {"plans": [plan_id for plan_id, *_ in plans]}
    phases = connection.execute(statements.phases, params).all()
    recorded = connection.execute(statements.recorded, params).all()
    soon = max(c.today for c in contents) + timedelta(days=DUE_SOON_DAYS)
    hire_items = connection.execute(statements.hire_items, {"plans": list(as_hire), "soon": soon}).all() \
        if as_hire else []
    waiting = connection.execute(statements.waiting, {"plans": list(as_manager)}).all() if as_manager else []
    return PersonRows(plans, as_hire, as_manager, phases, recorded, hire_items, waiting)


def fill_from(contents: list[DigestContent], rows: PersonRows) -> None:
    """Lay a batch's rows out into its people's hire and manager sections."""
    by_person = {c.recipient.id: c for c in contents}
    # each plan's rows as read: (plan, phase, due date, leaves, done, closed, waiting), never NULL
    phases: dict[int, list[tuple]] = defaultdict(list)
    for row in rows.phases:
        phases[row[0]].append(row)
    recorded = {(plan_id, key) for plan_id, key in rows.recorded}

    as_hire, as_manager = rows.as_hire, rows.as_manager
    hire_items: dict[int, list[tuple]] = defaultdict(list)
    for plan_id, text, parent_text, due_on, comment, position in rows.hire_items:
        hire_items[as_hire[plan_id]].append((due_on, position, text, parent_text or "", comment or ""))
    for items in hire_items.values():
        items.sort(key=_by_due_date)
    waiting_rows = [(*as_manager[plan_id], plan_id, position, text, parent_text, due_on)
                    for plan_id, text, parent_text, due_on, position in rows.waiting]
    waiting_rows.sort(key=lambda row: row[:4])  # manager, hire's name, plan, position
    for manager_id, hire_name, _, _, text, parent_text, due_on in waiting_rows:
        by_person[manager_id].waiting.append(ItemLine(text, parent_text or "", due_on, hire_name=hire_name))

    for plan_id, hire_id, manager_id, hire_name, manager_name in rows.plans:
        plan_phases = phases.get(plan_id, [])
        if plan_id in as_hire:
            _hire_section(by_person[hire_id], hire_items.get(hire_id, []), plan_id, plan_phases, recorded,
                          manager_name or "")
        if plan_id in as_manager:
            _manager_section(by_person[manager_id], plan_id, hire_name, plan_phases, recorded)
    for content in contents:
        content.check_ins_due.sort(key=lambda line: (line.due_on, line.hire_name))
        content.attention.sort(key=lambda line: (line.status != "overdue", -line.overdue, line.hire_name))


def _by_due_date(item: tuple) -> tuple:
    """A hire's items by due date, undated ones (sent back) last on both databases, then position."""
    due_on, position = item[0], item[1]
    return (due_on is None, due_on or date.min, position)


def _phase_ends(rows: Iterable[tuple]) -> dict[str, date]:
    """Each dated phase's end: the latest due date of its items (as the ramp status counts it)."""
    ends: dict[str, date] = {}
    for row in rows:
        key, due_on = row[1], row[2]
        if key not in ends or due_on > ends[key]:
            ends[key] = due_on
    return ends


def _hire_section(content: DigestContent, items: list[tuple], plan_id: int, rows: list[tuple],
                  recorded: set, manager_name: str) -> None:
    today = content.today
    soon = today + timedelta(days=DUE_SOON_DAYS)
    for due_on, _position, text, parent_text, comment in items:
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
    progress = PlanProgress(plan_id)
    phases = progress.phases
    for _, key, due_on, total, done, closed, waiting in rows:
        phase = phases.get(key)
        if phase is None:  # not setdefault: that would make a PhaseProgress for every row
            phase = phases[key] = PhaseProgress(key)
        phase.total += total
        phase.done += done
        phase.closed += closed
        phase.waiting += waiting
        if due_on < today:
            phase.overdue += total - done
        phase.due_on = due_on if phase.due_on is None or due_on > phase.due_on else phase.due_on
    # a phase's due date is its end (the latest due date of its items, as _phase_ends finds it)
    notice = today + timedelta(days=CHECK_IN_NOTICE_DAYS)
    for key, phase in phases.items():
        end = phase.due_on
        if end is not None and end <= notice and (plan_id, key) not in recorded:
            content.check_ins_due.append(CheckInLine(key, end, hire_name=hire_name))
    status = ramp_status(progress, today)
    if status in NEEDS_ATTENTION:
        content.attention.append(ReportLine(hire_name, status, progress.overdue))


def overdue_plans(today: date) -> tuple[list[PlanLine], int]:
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


def unmanaged_plans() -> tuple[list[PlanLine], int]:
    hire = aliased(User)
    rows = db.session.execute(
        select(hire.name, Plan.start_on, func.count().over())
        .join(hire, hire.id == Plan.hire_id)
        .where(Plan.is_active.is_(True), Plan.manager_id.is_(None))
        .order_by(Plan.start_on, hire.name)
        .limit(ADMIN_LIST_LIMIT)
    ).all()
    return [PlanLine(name, "", start) for name, start, _ in rows], int(rows[0][-1]) if rows else 0


def failed_mail() -> tuple[list[FailedLine], int]:
    rows = db.session.execute(
        select(OutboxMessage.to_addr, OutboxMessage.subject, OutboxMessage.last_error, OutboxMessage.created_at,
               func.count().over())
        .where(OutboxMessage.status == "failed", OutboxMessage.channel != "webhook")  # webhooks: their own page
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(ADMIN_LIST_LIMIT)
    ).all()
    return [FailedLine(*row[:4]) for row in rows], int(rows[0][-1]) if rows else 0
