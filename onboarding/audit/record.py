"""The one place that records an event in the append-only audit log (and logs it).

It is also the one hook for outgoing webhooks: an event of a webhook type queues its deliveries
in the same transaction (webhooks.operations.queue_deliveries).
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import insert

from onboarding.audit.models import Event
from onboarding.audit.types import WEBHOOK_TYPES
from onboarding.core.db import table_of
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
    if kind in WEBHOOK_TYPES:
        from onboarding.webhooks.operations import queue_deliveries

        queue_deliveries(event, actor)
    return event


def record_events(rows: list[dict]) -> None:
    """Add many events in one statement (bulk imports): each row has plan_id, item_id, actor_id,
    kind, old_value, new_value and created_at, as record_event would write them."""
    if not rows:
        return
    db.session.connection().execute(insert(table_of(Event)), rows)
    logger.info("%d event(s) %s", len(rows), ", ".join(sorted({str(r["kind"]) for r in rows})))
