"""Due dates: a phase's offset from the start date, calendar months clipped to the month's end, and the
organisation's optional working-day rule."""
from __future__ import annotations

import calendar
from collections.abc import Set
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from onboarding.core.phases import phase_rank, standard_due
from onboarding.extensions import db
from onboarding.org.models import Holiday, OrgSettings
from onboarding.roles.models import RoleTemplateVersion


def add_months(d: date, n: int) -> date:
    """`d` plus `n` calendar months, clipped to the month's last day (Jan 31 + 1 = Feb 28/29)."""
    month_index = d.month - 1 + n
    year, month = d.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def next_working_day(d: date, holidays: Set[date]) -> date:
    """`d` itself if it is a working day, else the first working day after it."""
    while d.weekday() >= 5 or d in holidays:
        d += timedelta(days=1)
    return d


def due_date(start_on: date, due: dict | None, *, working_days: bool, holidays: Set[date]) -> date | None:
    """The due date of a phase offset (`{"days": N}` or `{"months": N}`) from a start date; None for no due."""
    if not due:
        return None
    if due.get("months") is not None:
        result = add_months(start_on, int(due["months"]))
    elif due.get("days") is not None:
        result = start_on + timedelta(days=int(due["days"]))
    else:
        return None
    return next_working_day(result, holidays) if working_days else result


@dataclass(frozen=True)
class WorkCalendar:
    """The organisation's working-day rule, loaded once per operation (not once per item)."""

    working_days: bool = False
    holidays: frozenset[date] = frozenset()

    def due(self, start_on: date, offset_days: int | None, offset_months: int | None) -> date | None:
        if offset_months is not None:
            return due_date(start_on, {"months": offset_months}, working_days=self.working_days, holidays=self.holidays)
        if offset_days is not None:
            return due_date(start_on, {"days": offset_days}, working_days=self.working_days, holidays=self.holidays)
        return None


def load_calendar() -> WorkCalendar:
    """Org settings and holidays, in two queries."""
    settings = db.session.get(OrgSettings, 1)
    if settings is None or not settings.is_working_days_only:
        return WorkCalendar()
    return WorkCalendar(True, frozenset(db.session.scalars(select(Holiday.on))))


def due_offsets(due: dict | None) -> tuple[int | None, int | None]:
    if not due:
        return None, None
    if due.get("months") is not None:
        return None, int(due["months"])
    if due.get("days") is not None:
        return int(due["days"]), None
    return None, None


def phase_due(version: RoleTemplateVersion, phase_key: str) -> dict | None:
    """A phase's due offset in a template version, or the standard one for its key."""
    for phase in version.phases:
        if phase.get("key") == phase_key:
            return phase.get("due")
    return standard_due(phase_key)


def dated_phases(version: RoleTemplateVersion) -> list[dict]:
    """The template's phases that become checklist items, in phase order (long-term is guidance)."""
    return dated_phases_of(version.content)


def dated_phases_of(content: dict) -> list[dict]:
    """The same, from a version's content alone (a page that read the content without the version)."""
    phases = [p for p in content.get("phases", []) if p.get("due")]
    return sorted(phases, key=lambda p: phase_rank(p.get("key", "")))
