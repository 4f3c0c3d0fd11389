"""An event as outside systems read it: the /api/v1/events item and a webhook's `data` (one shape)."""
from __future__ import annotations

from onboarding.audit.models import Event


def event_data(event: Event, actor_email: str | None) -> dict:
    return {"id": event.id, "type": event.kind, "at": event.created_at.isoformat(), "plan_id": event.plan_id,
            "item_id": event.item_id, "actor": actor_email, "old": event.old_value, "new": event.new_value}
