"""Ramp status and progress of plans, computed set-based: one query for any number of plans.

Counting rule: the checkable units are *leaf* items (an item with sub-items is done when all of
them are), so progress and status count leaves only.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.orm import aliased

from onboarding.core.phases import CLOSED_STATES, DONE_STATES, RampStatus
from onboarding.extensions import db
from onboarding.plans.models import PlanItem

#: the statuses a plan can have today (DESIGN also names "not started"; see ramp_status)
STATUSES: tuple[str, ...] = (RampStatus.COMPLETE, RampStatus.OVERDUE, RampStatus.AT_RISK, RampStatus.ON_TRACK)
#: a phase due within this many days with less than half of its items done puts a plan at risk
AT_RISK_DAYS = 7


@dataclass
class PhaseProgress:
    key: str
    total: int = 0
    done: int = 0  # done, signed off or waived
    closed: int = 0  # signed off or waived
    waiting: int = 0  # done, waiting for sign-off
    overdue: int = 0
    due_on: date | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class PlanProgress:
    plan_id: int
    phases: dict[str, PhaseProgress] = field(default_factory=dict)
    status: str = "on track"

    @property
    def total(self) -> int:
        return sum(p.total for p in self.phases.values())

    @property
    def done(self) -> int:
        return sum(p.done for p in self.phases.values())

    @property
    def waiting(self) -> int:
        return sum(p.waiting for p in self.phases.values())

    @property
    def overdue(self) -> int:
        return sum(p.overdue for p in self.phases.values())

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def leaf_items_condition():
    """SQL condition: the item has no sub-items."""
    child = aliased(PlanItem)
    return ~exists().where(child.parent_id == PlanItem.id)


def _progress_stmt(today: date):
    is_done = PlanItem.state.in_(DONE_STATES)
    return (
        select(
            PlanItem.plan_id,
            PlanItem.phase_key,
            func.count(),
            func.sum(case((is_done, 1), else_=0)),
            func.sum(case((PlanItem.state.in_(CLOSED_STATES), 1), else_=0)),
            func.sum(case((PlanItem.state == "done", 1), else_=0)),
            func.sum(case((and_(PlanItem.state == "open", PlanItem.due_on < today), 1), else_=0)),
            func.max(PlanItem.due_on),
        )
        .where(PlanItem.due_on.is_not(None), leaf_items_condition())
        .group_by(PlanItem.plan_id, PlanItem.phase_key)
    )


def _collect(result: dict[int, PlanProgress], rows, today: date) -> dict[int, PlanProgress]:
    for plan_id, key, total, done, closed, waiting, overdue, due_on in rows:
        progress = result.setdefault(plan_id, PlanProgress(plan_id))
        progress.phases[key] = PhaseProgress(
            key, int(total), int(done or 0), int(closed or 0), int(waiting or 0), int(overdue or 0), due_on
        )
    for progress in result.values():
        progress.status = ramp_status(progress, today)
    return result


def progress_for_plans(plan_ids: Iterable[int], today: date) -> dict[int, PlanProgress]:
    """Progress per phase and ramp status for many plans, in one query (per 900 plans)."""
    plan_ids = list(plan_ids)
    result = {pid: PlanProgress(pid) for pid in plan_ids}
    if not plan_ids:
        return result
    stmt = _progress_stmt(today)
    rows = [row for chunk in _chunks(plan_ids, 900) for row in db.session.execute(stmt.where(PlanItem.plan_id.in_(chunk)))]
    return _collect(result, rows, today)


def progress_for_selected(plan_ids: Select, today: date) -> dict[int, PlanProgress]:
    """The same for the plans a select of plan ids picks, in one query however many they are."""
    return _collect({}, db.session.execute(_progress_stmt(today).where(PlanItem.plan_id.in_(plan_ids))), today)


def ramp_status(progress: PlanProgress, today: date) -> str:
    """complete / overdue / at risk / on track, as DESIGN.md defines them."""
    phases = progress.phases.values()
    if phases and all(p.closed == p.total for p in phases):
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
