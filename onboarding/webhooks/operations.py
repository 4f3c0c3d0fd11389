"""Registering webhook endpoints, and queueing an event's deliveries in the transaction of the change.

`queue_deliveries` is called by `audit.record.record_event` (the one place every event passes), so
whatever records a webhook-type event also queues its deliveries, atomically: the change, its event
and its outbox rows commit or roll back together. The unique (endpoint, event) key on the outbox
means an event is queued at most once per endpoint.
"""
from __future__ import annotations

import base64
import logging
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import event as sa_event
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from onboarding.audit.feed import event_data
from onboarding.audit.types import WEBHOOK_TYPES
from onboarding.core.checks import clean_text
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.people.models import User
from onboarding.webhooks.models import WebhookEndpoint

logger = logging.getLogger(__name__)

#: the session.info key of the active endpoints read once per transaction
_CACHE = "onboarding.webhook_endpoints"


def check_url(url: str) -> str:
    url = clean_text(url, "webhook URL", 2000)
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ServiceError("the webhook URL is not a valid address") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(ch.isspace() for ch in url):
        raise ServiceError("the webhook URL must be an http:// or https:// address")
    return url


def check_events(events) -> list[str]:
    chosen = [str(e).strip() for e in (events or []) if str(e).strip()]
    unknown = [e for e in chosen if e not in WEBHOOK_TYPES]
    if unknown:
        raise ServiceError(f"unknown event type {unknown[0][:40]!r}: choose from {', '.join(WEBHOOK_TYPES)}")
    if not chosen:
        raise ServiceError(f"choose at least one event type: {', '.join(WEBHOOK_TYPES)}")
    return sorted(set(chosen), key=list(WEBHOOK_TYPES).index)


def new_secret() -> str:
    """A Standard Webhooks signing secret: "whsec_" and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def add_endpoint(url: str, events, *, actor: User | None, now: datetime, description: str = "") -> WebhookEndpoint:
    """Register an endpoint for some event types; its secret is on the returned row (shown to the admin)."""
    endpoint = WebhookEndpoint(url=check_url(url), events=check_events(events), secret=new_secret(),
                               description=clean_text(description, "description", 200, required=False),
                               is_active=True, created_by_id=actor.id if actor else None, created_at=now)
    db.session.add(endpoint)
    db.session.flush()
    logger.info("webhook endpoint %s added for %s", endpoint.id, ", ".join(endpoint.events))
    return endpoint


def set_endpoint_active(endpoint: WebhookEndpoint, is_active: bool) -> None:
    """Pause (nothing more is queued for it) or resume an endpoint."""
    endpoint.is_active = is_active
    logger.info("webhook endpoint %s %s", endpoint.id, "resumed" if is_active else "paused")


def _active_endpoints(session: Session) -> list[tuple[int, str, list]]:
    if _CACHE not in session.info:
        session.info[_CACHE] = session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.events)
            .where(WebhookEndpoint.is_active.is_(True)).order_by(WebhookEndpoint.id)).all()
    return session.info[_CACHE]


@sa_event.listens_for(Session, "after_commit")
@sa_event.listens_for(Session, "after_rollback")
def _forget_endpoints(session: Session) -> None:
    session.info.pop(_CACHE, None)


def queue_deliveries(event, actor: User | None) -> int:
    """Queue one outbox message per active endpoint subscribed to this event's type; returns how many."""
    if event.kind not in WEBHOOK_TYPES:
        return 0
    endpoints = [(eid, url) for eid, url, kinds in _active_endpoints(db.session()) if event.kind in (kinds or [])]
    if not endpoints:
        return 0
    db.session.flush()  # the event's id
    body = {"type": event.kind, "timestamp": event.created_at.isoformat(),
            "data": event_data(event, actor.email if actor is not None else None)}
    db.session.execute(insert(OutboxMessage), [
        {"channel": "webhook", "endpoint_id": endpoint_id, "event_id": event.id, "to_addr": url,
         "subject": event.kind, "text_body": "", "html_body": "", "headers": {}, "payload": body,
         "status": "queued", "attempts": 0, "next_attempt_at": event.created_at, "last_error": "",
         "created_at": event.created_at}
        for endpoint_id, url in endpoints])
    return len(endpoints)
