"""Keeping the insight tallies (insights/models.py) equal to what the plans' items and check-ins say.

What a plan contributes is computed here, in Python, from its rows (`contributions`), with the
same definitions as the item-level queries in insights/queries.py. A change is applied as a
difference: before the session flushes, the touched plans' contributions are read as the database
still has them; after the flush, as it has them now; the difference is added to the tallies with
one upsert per table, in the same transaction. So every change made through the ORM (tick, sign
off, send back, waive, upgrade, a moved start date, a check-in, a new or finished plan) keeps them
right without the operations knowing; bulk writes of those columns call `add_plans` (the hires
import) or are followed by `rebuild` (benchmarks, migration 0007, `onboarding insights rebuild`).

Written against the tables with Core statements on a connection, so the migration can run it.
"""
from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from onboarding.core.db import UTCDateTime, table_of
from onboarding.core.phases import CLOSED_STATES, ItemState
from onboarding.insights.models import (
    CheckInTally,
    DueTally,
    MilestoneTally,
    PhaseTally,
    PlanTally,
    SignOffTally,
)

logger = logging.getLogger(__name__)

#: a check-in recorded more than this many days after its phase's due date is late
CHECK_IN_GRACE_DAYS = 7
#: the milestone tallies' date for the counts that do not depend on today (one row per text, not per due date)
NO_DATE = date(1, 1, 1)
#: plans read per statement
CHUNK = 500
_DONE = (ItemState.DONE, ItemState.SIGNED_OFF)

_plans = sa.table("plans", sa.column("id", sa.Integer), sa.column("template_version_id", sa.Integer),
                  sa.column("start_on", sa.Date), sa.column("is_active", sa.Boolean))
_items = sa.table(
    "plan_items", sa.column("id", sa.Integer), sa.column("plan_id", sa.Integer), sa.column("parent_id", sa.Integer),
    sa.column("phase_key", sa.String), sa.column("text", sa.Text), sa.column("due_on", sa.Date),
    sa.column("state", sa.String), sa.column("done_at", UTCDateTime), sa.column("signed_off_at", UTCDateTime),
    sa.column("sent_back_at", UTCDateTime),
)
_check_ins = sa.table("check_ins", sa.column("plan_id", sa.Integer), sa.column("phase_key", sa.String),
                      sa.column("status", sa.String), sa.column("recorded_at", UTCDateTime))

#: each tally table, with its count columns (the other columns but `text` are its key)
TABLES: dict[str, tuple[sa.Table, tuple[str, ...]]] = {
    model.__tablename__: (table_of(model), counts) for model, counts in (
        (PhaseTally, ("items", "waived", "done", "on_time", "handed_in", "sent_back")),
        (DueTally, ("open", "open_active", "unrecorded")),
        (SignOffTally, ("phases",)),
        (CheckInTally, ("check_ins",)),
        (PlanTally, ("plans",)),
        (MilestoneTally, ("late_done", "sent_back", "waived", "open")),
    )
}


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Tallies:
    """Table name -> key -> counts (in TABLES' order), and the texts of the milestone keys."""

    rows: dict[str, dict[tuple, list[int]]] = field(default_factory=lambda: {name: {} for name in TABLES})
    texts: dict[str, str] = field(default_factory=dict)

    def add(self, table: str, key: tuple, **counts: int) -> None:
        columns = TABLES[table][1]
        row = self.rows[table].setdefault(key, [0] * len(columns))
        for name, value in counts.items():
            row[columns.index(name)] += value

    def minus(self, other: Tallies) -> Tallies:
        """self - other, without the keys where nothing changed."""
        result = Tallies(texts={**other.texts, **self.texts})
        for table in TABLES:
            mine, theirs = self.rows[table], other.rows[table]
            for key in mine.keys() | theirs.keys():
                zero = [0] * len(TABLES[table][1])
                diff = [a - b for a, b in zip(mine.get(key, zero), theirs.get(key, zero))]
                if any(diff):
                    result.rows[table][key] = diff
        return result

    def nonzero(self) -> dict[str, dict[tuple, list[int]]]:
        return {table: {k: v for k, v in rows.items() if any(v)} for table, rows in self.rows.items()}


def _utc_date(moment: datetime) -> date:
    return (moment.astimezone(timezone.utc) if moment.tzinfo else moment).date()


def contributions(connection: Connection, plan_ids: Iterable[int]) -> Tallies:
    """What these plans add to the tallies, as the database has them now (two statements per CHUNK plans)."""
    tallies = Tallies()
    ids = sorted(set(plan_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        plans: dict[int, sa.Row] = {}
        items: dict[int, list[sa.Row]] = defaultdict(list)
        for row in connection.execute(
                sa.select(_plans.c.template_version_id, _plans.c.start_on, _plans.c.is_active, _items,
                          _plans.c.id.label("of_plan"))
                .outerjoin(_items, _items.c.plan_id == _plans.c.id).where(_plans.c.id.in_(chunk))):
            plans.setdefault(row.of_plan, row)
            if row.id is not None:
                items[row.of_plan].append(row)
        check_ins = {(row.plan_id, row.phase_key): row for row in connection.execute(
            sa.select(_check_ins).where(_check_ins.c.plan_id.in_(chunk)))}
        for plan_id, plan in plans.items():
            _add_plan(tallies, plan_id, plan, items.get(plan_id, []), check_ins)
    return tallies


def _add_plan(tallies: Tallies, plan_id: int, plan, items: list, check_ins: dict) -> None:
    """One plan's contribution (`plan`: its version, start and whether active; `items`: all of them)."""
    version, month, active = plan.template_version_id, plan.start_on.strftime("%Y-%m"), bool(plan.is_active)
    parents = {item.parent_id for item in items if item.parent_id is not None}
    leaves = [item for item in items if item.id not in parents and item.due_on is not None]
    phases: dict[str, list] = defaultdict(list)
    for item in leaves:
        phases[item.phase_key].append(item)
        is_done = item.state in _DONE
        done_on = _utc_date(item.done_at) if item.done_at is not None else None
        handed = is_done and done_on is not None
        tallies.add("insight_phase_tallies", (version, month, item.phase_key), items=1,
                    waived=int(item.state == ItemState.WAIVED), done=int(is_done),
                    on_time=int(handed and done_on <= item.due_on),
                    handed_in=int(handed or item.sent_back_at is not None),
                    sent_back=int(item.sent_back_at is not None))
        is_open = item.state == ItemState.OPEN
        if is_open:
            tallies.add("insight_due_tallies", (version, month, item.phase_key, item.due_on),
                        open=1, open_active=int(active))
        key = text_key(item.text)
        tallies.texts[key] = item.text
        tallies.add("insight_milestone_tallies", (version, month, key, NO_DATE),
                    late_done=int(handed and done_on > item.due_on), sent_back=int(item.sent_back_at is not None),
                    waived=int(item.state == ItemState.WAIVED))
        if is_open:
            tallies.add("insight_milestone_tallies", (version, month, key, item.due_on), open=1)
    for phase_key, phase_items in phases.items():
        phase_due = max(item.due_on for item in phase_items)
        sign_offs = [item.signed_off_at for item in phase_items if item.signed_off_at is not None]
        if sign_offs and all(item.state in CLOSED_STATES for item in phase_items):
            days = (_utc_date(max(sign_offs)) - plan.start_on).days
            tallies.add("insight_sign_off_tallies", (version, month, phase_key, days), phases=1)
        check_in = check_ins.get((plan_id, phase_key))
        if check_in is not None and check_in.recorded_at is not None and check_in.status != "":
            late = (_utc_date(check_in.recorded_at) - phase_due).days > CHECK_IN_GRACE_DAYS
            tallies.add("insight_check_in_tallies", (version, month, phase_key, check_in.status, late), check_ins=1)
        elif active:
            tallies.add("insight_due_tallies", (version, month, phase_key, phase_due), unrecorded=1)
    complete = any(item.due_on is not None for item in items) and all(item.state in CLOSED_STATES for item in leaves)
    tallies.add("insight_plan_tallies", (version, month, active, complete), plans=1)


def apply(connection: Connection, delta: Tallies) -> None:
    """Add a difference to the tallies: one upsert per table that changes, keys in order (so two
    transactions lock shared rows in the same order)."""
    dialect = connection.dialect.name
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for name, (table, counts) in TABLES.items():
        changes = delta.rows[name]
        if not changes:
            continue
        keys = [c.name for c in table.columns if c.name not in counts and c.name != "text"]
        rows = []
        for key in sorted(changes):
            row = dict(zip(keys, key)) | dict(zip(counts, changes[key]))
            if name == "insight_milestone_tallies":
                row["text"] = delta.texts[row["text_key"]]
            rows.append(row)
        stmt = make_insert(table)
        connection.execute(stmt.on_conflict_do_update(
            index_elements=keys, set_={c: table.c[c] + stmt.excluded[c] for c in counts}), rows)


def add_plans(connection: Connection, plan_ids: Iterable[int]) -> None:
    """Count plans written with bulk statements (no ORM flush to notice them)."""
    apply(connection, contributions(connection, plan_ids))


def rebuild(connection: Connection) -> int:
    """Compute every tally from scratch, replacing what is there; returns the plans counted. The caller commits."""
    for tally, _counts in TABLES.values():
        connection.execute(tally.delete())
    ids = list(connection.scalars(sa.select(_plans.c.id).order_by(_plans.c.id)))
    total = Tallies()
    for start in range(0, len(ids), CHUNK * 10):
        part = contributions(connection, ids[start:start + CHUNK * 10])
        for table in TABLES:
            for key, counts in part.rows[table].items():
                row = total.rows[table].setdefault(key, [0] * len(counts))
                row[:] = [a + b for a, b in zip(row, counts)]
        total.texts.update(part.texts)
    apply(connection, total)
    logger.info("insight tallies rebuilt from %d plan(s)", len(ids))
    return len(ids)


def stored(connection: Connection) -> Tallies:
    """The tallies as the database has them (for checks and tests)."""
    tallies = Tallies()
    for name, (table, counts) in TABLES.items():
        keys = [c for c in table.columns if c.name not in counts and c.name != "text"]
        for row in connection.execute(sa.select(*keys, *(table.c[c] for c in counts))):
            tallies.rows[name][tuple(row[:len(keys)])] = list(row[len(keys):])
    return tallies


# --- keeping them in step with the ORM ----------------------------------------------------------------


def _touched_plans(session: Session) -> set[int]:
    """The plans whose contribution a flush may change: every new, changed or deleted plan, item or check-in."""
    from onboarding.plans.models import CheckIn, Plan, PlanItem

    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Plan):
            plan_id = obj.id
        elif isinstance(obj, (PlanItem, CheckIn)):
            plan_id = obj.plan_id
            if plan_id is None and isinstance(obj, PlanItem) and "plan" in obj.__dict__ and obj.plan is not None:
                plan_id = obj.plan.id
        else:
            continue
        if plan_id is not None:
            ids.add(plan_id)
    return ids


@event.listens_for(Session, "before_flush")
def _read_before(session: Session, flush_context, instances) -> None:
    ids = _touched_plans(session)
    if not ids:  # a flush of people, mail or events only: nothing to count
        session.info["insight_tallies_before"] = (ids, Tallies())
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Hold the plans' row locks until commit, so that no other transaction changes them between
        # this reading and the one after the flush (its change would be counted twice). On SQLite
        # the flush's write lock does the same: a snapshot older than another's commit cannot write.
        connection.execute(sa.select(_plans.c.id).where(_plans.c.id.in_(sorted(ids))).order_by(_plans.c.id)
                           .with_for_update())
    session.info["insight_tallies_before"] = (ids, contributions(connection, ids))


@event.listens_for(Session, "after_flush")
def _apply_after(session: Session, flush_context) -> None:
    before_ids, before = session.info.pop("insight_tallies_before", (set(), Tallies()))
    ids = before_ids | _touched_plans(session)  # new plans and items have their ids now
    if ids:
        connection = session.connection()
        apply(connection, contributions(connection, ids).minus(before))
