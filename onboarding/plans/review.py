"""What a report's plan asks of their manager, first: items waiting for sign-off, overdue items, the
check-in due now; and where each check-in stands (held, next, later). Built from a PlanOverview: no query."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from onboarding.plans.models import PlanItem
from onboarding.plans.queries import PhaseView, PlanOverview
from onboarding.reminders.content import CHECK_IN_NOTICE_DAYS

#: where a phase's check-in stands on the manager's page
HELD, NEXT, LATER = "held", "next", "later"


@dataclass
class CheckInSlot:
    phase: PhaseView
    #: HELD (recorded: read only), NEXT (the one form that is open) or LATER (folded)
    stage: str
    #: the phase has ended and nobody recorded its check-in
    is_overdue: bool = False
    #: the phase ends within CHECK_IN_NOTICE_DAYS or has ended: time to hold it
    is_due: bool = False

    @property
    def key(self) -> str:
        return self.phase.key


@dataclass
class Review:
    today: date
    waiting: list[PlanItem]
    overdue: list[PlanItem]
    check_ins: list[CheckInSlot]
    phase_open: dict[str, bool] = field(default_factory=dict)

    @property
    def next_check_in(self) -> CheckInSlot | None:
        return next((slot for slot in self.check_ins if slot.stage == NEXT), None)

    @property
    def check_in_due(self) -> CheckInSlot | None:
        """The next check-in when it is time to hold it (its phase ends within a week, or has ended)."""
        slot = self.next_check_in
        return slot if slot is not None and slot.is_due else None

    @property
    def overdue_check_ins(self) -> list[CheckInSlot]:
        return [slot for slot in self.check_ins if slot.is_overdue]

    @property
    def needs_you(self) -> bool:
        return bool(self.waiting or self.overdue or self.check_in_due)


def manager_review(ov: PlanOverview) -> Review:
    """The manager's to-do on one plan, and which phases to show open (the rest are folded)."""
    today = ov.today
    leaves = [i for i in sorted(ov.plan.items, key=lambda i: (i.due_on or date.max, i.position)) if ov.is_leaf(i)]
    overdue = [i for i in leaves if ov.is_overdue(i)]
    slots: list[CheckInSlot] = []
    for phase in ov.phases:
        if phase.is_checked_in:
            slots.append(CheckInSlot(phase, HELD))
            continue
        ended = phase.due_on is not None and phase.due_on < today
        due = phase.due_on is not None and phase.due_on <= today + timedelta(days=CHECK_IN_NOTICE_DAYS)
        first = not any(slot.stage == NEXT for slot in slots)
        slots.append(CheckInSlot(phase, NEXT if first else LATER, is_overdue=ended, is_due=due))
    waiting_phases = {i.phase_key for i in ov.waiting}
    overdue_phases = {i.phase_key for i in overdue}
    # The phase in progress is the first that has not ended; with every phase ended, the last one.
    current = next((p.key for p in ov.phases if p.due_on is None or p.due_on >= today),
                   ov.phases[-1].key if ov.phases else None)
    phase_open = {
        p.key: p.key == current or p.key in waiting_phases or p.key in overdue_phases
        for p in ov.phases
    }
    return Review(today=today, waiting=ov.waiting, overdue=overdue, check_ins=slots, phase_open=phase_open)
