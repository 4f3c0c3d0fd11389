"""`plan.completed`: recorded once when a plan becomes complete (every dated item signed off or waived).

A plan can become incomplete again (an item added to it); it then reports completion again when it
is complete again. Called by the operations that can complete a plan (sign off, waive).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from onboarding.audit.models import Event
from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.phases import CLOSED_STATES
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.models import Plan
from onboarding.plans.reading import children_map


def is_complete(plan: Plan) -> bool:
    kids = children_map(plan.items)
    dated = [i for i in plan.items if i.due_on is not None and not kids.get(i.id)]
    return bool(dated) and all(i.state in CLOSED_STATES for i in dated)


def record_if_completed(plan: Plan, actor: User | None, now: datetime) -> bool:
    """Record `plan.completed` if the plan is complete now and has not said so since it last changed shape."""
    if not is_complete(plan):
        return False
    last = db.session.scalar(
        select(Event.kind).where(Event.plan_id == plan.id,
                                 Event.kind.in_((EventType.PLAN_COMPLETED, EventType.ITEM_ADDED)))
        .order_by(Event.id.desc()).limit(1))
    if last == EventType.PLAN_COMPLETED:
        return False
    record_event(plan, EventType.PLAN_COMPLETED, actor, now,
                 new={"items": sum(1 for i in plan.items if i.due_on is not None)})
    return True
