"""Ramp status and progress of plans, computed set-based: one query for any number of plans.

Counting rule: the checkable units are *leaf* items with a due date (an item with sub-items is done
when all of them are), so progress and status count leaves only. A waived item leaves the total:
"3 of 10" never counts a waived item as done. Signed off and done-waiting-for-sign-off are counted
apart, so signing off moves the bar from one shade to the other.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from sqlalchemy import Select, and_, bindparam, case, exists, func, select
from sqlalchemy.orm import aliased

from onboarding.core.phases import ItemState, RampStatus
from onboarding.extensions import db
from onboarding.plans.models import Plan, PlanItem

#: every status a plan can have, in DESIGN's words and order
STATUSES: tuple[str, ...] = tuple(RampStatus)
#: a phase due within this many days with less than half of its items done puts a plan at risk
AT_RISK_DAYS = 7


@dataclass
class PhaseProgress:
    key: str
    total: int = 0  # leaves that count: every dated leaf except the waived ones
    done: int = 0  # the hire's part is done: done or signed off
    closed: int = 0  # signed off or waived (nobody has anything left to do)
    waiting: int = 0  # done, waiting for sign-off
    overdue: int = 0
    due_on: date | None = None
    signed_off: int = 0
    waived: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        """Every leaf signed off or waived."""
        return self.closed >= self.total + self.waived


@dataclass
class PlanProgress:
    plan_id: int
    phases: dict[str, PhaseProgress] = field(default_factory=dict)
    status: str = RampStatus.ON_TRACK
    start_on: date | None = None

    def _sum(self, name: str) -> int:
        return sum(getattr(p, name) for p in self.phases.values())

    @property
    def total(self) -> int:
        return self._sum("total")

    @property
    def done(self) -> int:
        return self._sum("done")

    @property
    def waiting(self) -> int:
        return self._sum("waiting")

    @property
    def signed_off(self) -> int:
        return self._sum("signed_off")

    @property
    def waived(self) -> int:
        return self._sum("waived")

    @property
    def overdue(self) -> int:
        return self._sum("overdue")

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def leaf_items_condition():
    """SQL condition: the item has no sub-items."""
    child = aliased(PlanItem)
    return ~exists().where(child.parent_id == PlanItem.id)


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


@cache
def _progress_stmt() -> Select:
    """Leaves per (plan, phase), with every plan's start date even when it has no dated leaf.

    Built once (the leaf condition and the CASE columns cost more to build than to run for one
    plan); "today" is a bound parameter."""
    today = bindparam("today", type_=PlanItem.due_on.type)
    state = PlanItem.state
    return (
        select(
            Plan.id, Plan.start_on, PlanItem.phase_key, func.count(PlanItem.id),
            _count(state == ItemState.SIGNED_OFF), _count(state == ItemState.DONE), _count(state == ItemState.WAIVED),
            _count(and_(state == ItemState.OPEN, PlanItem.due_on < today)), func.max(PlanItem.due_on),
        )
        .select_from(Plan)
        .outerjoin(PlanItem, and_(PlanItem.plan_id == Plan.id, PlanItem.due_on.is_not(None), leaf_items_condition()))
        .group_by(Plan.id, Plan.start_on, PlanItem.phase_key)
    )


def _phase(key: str, count: int, signed_off: int, waiting: int, waived: int, overdue: int,
           due_on: date | None) -> PhaseProgress:
    return PhaseProgress(key, total=count - waived, done=signed_off + waiting, closed=signed_off + waived,
                         waiting=waiting, overdue=overdue, due_on=due_on, signed_off=signed_off, waived=waived)


def _collect(result: dict[int, PlanProgress], rows, today: date) -> dict[int, PlanProgress]:
    for plan_id, start_on, key, count, signed_off, waiting, waived, overdue, due_on in rows:
        progress = result.setdefault(plan_id, PlanProgress(plan_id))
        progress.start_on = start_on
        if key is not None:
            progress.phases[key] = _phase(key, int(count), int(signed_off or 0), int(waiting or 0), int(waived or 0),
                                          int(overdue or 0), due_on)
    for progress in result.values():
        progress.status = ramp_status(progress, today)
    return result


def progress_for_plans(plan_ids: Iterable[int], today: date) -> dict[int, PlanProgress]:
    """Progress per phase and ramp status for many plans, in one query (per 900 plans)."""
    plan_ids = list(plan_ids)
    result = {pid: PlanProgress(pid) for pid in plan_ids}
    if not plan_ids:
        return result
    stmt = _progress_stmt()
    rows = [row for chunk in _chunks(plan_ids, 900)
            for row in db.session.execute(stmt.where(Plan.id.in_(chunk)), {"today": today})]
    return _collect(result, rows, today)


def progress_for_selected(plan_ids: Select, today: date) -> dict[int, PlanProgress]:
    """The same for the plans a select of plan ids picks, in one query however many they are."""
    return _collect({}, db.session.execute(_progress_stmt().where(Plan.id.in_(plan_ids)), {"today": today}), today)


def progress_of_items(plan: Plan, items: Iterable[PlanItem], kids: dict, today: date) -> PlanProgress:
    """The same figures for one plan whose items are already loaded, counted in Python (no query)."""
    counts: dict[str, list] = {}
    for item in items:
        if item.due_on is None or kids.get(item.id):
            continue
        row = counts.setdefault(item.phase_key, [0, 0, 0, 0, 0, None])
        row[0] += 1
        row[1] += item.state == ItemState.SIGNED_OFF
        row[2] += item.state == ItemState.DONE
        row[3] += item.state == ItemState.WAIVED
        row[4] += item.state == ItemState.OPEN and item.due_on < today
        row[5] = item.due_on if row[5] is None or item.due_on > row[5] else row[5]
    progress = PlanProgress(plan.id, {key: _phase(key, *row) for key, row in counts.items()}, start_on=plan.start_on)
    progress.status = ramp_status(progress, today)
    return progress


def ramp_status(progress: PlanProgress, today: date) -> str:
    """not started / complete / overdue / at risk / on track, as DESIGN.md defines them."""
    if progress.start_on is not None and today < progress.start_on:
        return RampStatus.NOT_STARTED
    phases = progress.phases.values()
    if phases and all(p.is_finished for p in phases):
        return RampStatus.COMPLETE
    if any(p.overdue for p in phases):
        return RampStatus.OVERDUE
    soon = today + timedelta(days=AT_RISK_DAYS)
    for p in phases:
        if p.due_on is not None and today <= p.due_on <= soon and p.total and p.done * 2 < p.total:
            return RampStatus.AT_RISK
    return RampStatus.ON_TRACK


def _chunks(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start : start + size]
