"""The one place that records an event in the append-only audit log (and logs it)."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from onboarding.audit.models import Event
from onboarding.extensions import db

if TYPE_CHECKING:
    from onboarding.people.models import User
    from onboarding.plans.models import Plan, PlanItem

logger = logging.getLogger(__name__)


def record_event(plan: Plan | None, kind: str, actor: User | None, now: datetime, *, item: PlanItem | None = None,
                 person: User | None = None, old: dict | None = None, new: dict | None = None) -> Event:
    """Add an event (who, what, when, old and new value) to the caller's transaction.

    `person` is whom a change to a person (an invitation, an edit, a deactivation) is about."""
    event = Event(plan_id=plan.id if plan is not None else None, item_id=item.id if item is not None else None,
                  actor_id=actor.id if actor is not None else None,
                  person_id=person.id if person is not None else None, kind=kind, old_value=old, new_value=new,
                  created_at=now)
    db.session.add(event)
    logger.info("event %s plan=%s item=%s actor=%s", kind, event.plan_id, event.item_id, event.actor_id)
    return event
