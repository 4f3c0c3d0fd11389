"""One vocabulary for phases, ramp statuses, item states and check-in ratings.

Everything that names a phase, orders phases, labels a status or tests an item's state reads it
from here, so the words and their order are defined once.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from werkzeug.routing import BaseConverter


class PhaseKey(StrEnum):
    DAY_30 = "day-30"
    DAY_60 = "day-60"
    DAY_90 = "day-90"
    MONTH_6 = "month-6"
    MONTH_12 = "month-12"
    LONG_TERM = "long-term"


@dataclass(frozen=True)
class PhaseInfo:
    key: PhaseKey
    #: offset of the due date from the start date; None for guidance (long-term goals)
    due: dict[str, int] | None
    #: the heading a blueprint document uses, for phases that come without one
    heading: str
    #: short name for badges and column headings ("30 days")
    name: str
    #: adjective for sentences ("30-day check-in")
    label: str


#: every phase in plan order
PHASES: dict[str, PhaseInfo] = {
    info.key: info
    for info in (
        PhaseInfo(PhaseKey.DAY_30, {"days": 30}, "30-day goals", "30 days", "30-day"),
        PhaseInfo(PhaseKey.DAY_60, {"days": 60}, "60-day goals", "60 days", "60-day"),
        PhaseInfo(PhaseKey.DAY_90, {"days": 90}, "90-day goals", "90 days", "90-day"),
        PhaseInfo(PhaseKey.MONTH_6, {"months": 6}, "6-month milestones", "6 months", "6-month"),
        PhaseInfo(PhaseKey.MONTH_12, {"months": 12}, "12-month objectives", "12 months", "12-month"),
        PhaseInfo(PhaseKey.LONG_TERM, None, "Long-term impact goals", "Long term", "long-term"),
    )
}
PHASE_ORDER: tuple[str, ...] = tuple(PHASES)
#: the phases that become checklist items with a due date
DATED_PHASES: tuple[str, ...] = tuple(key for key, info in PHASES.items() if info.due is not None)
#: a key no phase has sorts after every real phase
_UNKNOWN_RANK = len(PHASE_ORDER)


def is_phase(key: object) -> bool:
    return isinstance(key, str) and key in PHASES


def phase_rank(key: str) -> int:
    """Position of a phase in plan order (unknown keys last): the one sort key for phases."""
    return PHASE_ORDER.index(key) if key in PHASES else _UNKNOWN_RANK


def standard_due(key: str) -> dict[str, int] | None:
    info = PHASES.get(key)
    return dict(info.due) if info and info.due else None


def phase_name(key: str) -> str:
    info = PHASES.get(key)
    return info.name if info else key


def phase_label(key: str) -> str:
    info = PHASES.get(key)
    return info.label if info else key


def default_heading(key: str) -> str:
    info = PHASES.get(key)
    return info.heading if info else key


class ItemState(StrEnum):
    OPEN = "open"
    DONE = "done"
    SIGNED_OFF = "signed_off"
    WAIVED = "waived"


#: states in which the hire's part is finished
DONE_STATES: tuple[str, ...] = (ItemState.DONE, ItemState.SIGNED_OFF, ItemState.WAIVED)
#: states in which nobody has anything left to do
CLOSED_STATES: tuple[str, ...] = (ItemState.SIGNED_OFF, ItemState.WAIVED)


class RampStatus(StrEnum):
    """A plan's ramp status, as DESIGN defines it (the words are a contract)."""

    NOT_STARTED = "not started"
    COMPLETE = "complete"
    OVERDUE = "overdue"
    AT_RISK = "at risk"
    ON_TRACK = "on track"


#: severity order (most in need of attention first)
STATUS_RANK: dict[str, int] = {
    RampStatus.OVERDUE: 0, RampStatus.AT_RISK: 1, RampStatus.ON_TRACK: 2,
    RampStatus.NOT_STARTED: 3, RampStatus.COMPLETE: 4,
}
#: statuses that need someone's attention
NEEDS_ATTENTION: tuple[str, ...] = (RampStatus.OVERDUE, RampStatus.AT_RISK)


class CheckInRating(StrEnum):
    """A manager's rating at a phase check-in: the same words as the ramp status they echo."""

    ON_TRACK = "on track"
    AT_RISK = "at risk"
    OFF_TRACK = "off track"


CHECKIN_LABELS: dict[str, str] = {
    CheckInRating.ON_TRACK: "On track", CheckInRating.AT_RISK: "At risk", CheckInRating.OFF_TRACK: "Off track",
}


class PhaseConverter(BaseConverter):
    """URL converter `<phase:key>`: matches only real phase keys, so an unknown one is a 404."""

    regex = "|".join(PHASE_ORDER)
