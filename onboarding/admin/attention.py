"""What the admin dashboard counts, to act on: overdue and at-risk plans, plans without a manager,
mail that failed, check-ins overdue. A fixed number of queries, whatever the number of plans; each
count uses the same rule as the filtered list it links to, so the two always agree."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from onboarding.core.phases import RampStatus
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.plans.models import Plan
from onboarding.plans.queries import overdue_check_ins_stmt
from onboarding.plans.status import progress_for_selected


@dataclass
class AttentionCounts:
    active_plans: int
    overdue: int
    at_risk: int
    no_manager: int
    failed_mail: int
    late_check_ins: int
    #: plans the overdue check-ins belong to
    late_check_in_plans: int

    @property
    def anything(self) -> bool:
        return bool(self.overdue or self.at_risk or self.no_manager or self.failed_mail or self.late_check_ins)


def attention_counts(today: date) -> AttentionCounts:
    """The dashboard's counts, over active plans, in four queries."""
    active = select(Plan.id).where(Plan.is_active.is_(True))
    statuses = Counter(p.status for p in progress_for_selected(active, today).values())
    active_plans, no_manager = db.session.execute(
        select(func.count(), func.count().filter(Plan.manager_id.is_(None))).where(Plan.is_active.is_(True))
    ).one()
    failed = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == "failed", OutboxMessage.channel != "webhook"))  # webhooks: their own page
    late = overdue_check_ins_stmt(today).subquery()
    late_check_ins, late_plans = db.session.execute(
        select(func.count(), func.count(func.distinct(late.c.plan_id))).select_from(late)).one()
    return AttentionCounts(
        active_plans=int(active_plans or 0), overdue=statuses[RampStatus.OVERDUE], at_risk=statuses[RampStatus.AT_RISK],
        no_manager=int(no_manager or 0), failed_mail=int(failed or 0), late_check_ins=int(late_check_ins or 0),
        late_check_in_plans=int(late_plans or 0),
    )
