"""Changing one's digest preferences, unsubscribing, revoking the calendar link. Callers commit."""
from __future__ import annotations

import logging
from datetime import datetime

from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.errors import ServiceError
from onboarding.people.models import CADENCES, User, new_token
from onboarding.people.operations import check_timezone

logger = logging.getLogger(__name__)


def _record_change(user: User, actor: User | None, now: datetime, old: dict, new: dict) -> None:
    """One audit event for what a save changed (nothing is recorded when nothing changed)."""
    changed = [key for key in new if old[key] != new[key]]
    if changed:
        record_event(None, EventType.PERSON_PREFERENCES_CHANGED, actor, now, person=user,
                     old={k: old[k] for k in changed}, new={k: new[k] for k in changed})


def update_preferences(user: User, *, timezone: str, cadence: str, send_hour: int, actor: User | None,
                       now: datetime) -> None:
    """Set time zone, cadence and send hour (an audit event records what changed).

    Turning digests back on after "off" revokes the unsubscribe links already sent, so an old
    email (perhaps forwarded) cannot silently turn them off again.
    """
    timezone = check_timezone(timezone)
    if cadence not in CADENCES:
        raise ServiceError(f"unknown digest cadence '{str(cadence)[:20]}': choose one of {', '.join(CADENCES)}")
    try:
        send_hour = int(send_hour)
    except (TypeError, ValueError):
        raise ServiceError("the send hour must be a whole hour between 0 and 23") from None
    if not 0 <= send_hour <= 23:
        raise ServiceError("the send hour must be between 0 and 23")
    if user.digest_cadence == "off" and cadence != "off":
        user.unsubscribe_version = (user.unsubscribe_version or 0) + 1
    old = {"timezone": user.timezone, "cadence": user.digest_cadence, "send_hour": user.digest_hour}
    user.timezone, user.digest_cadence, user.digest_hour = timezone, cadence, send_hour
    _record_change(user, actor, now, old, {"timezone": timezone, "cadence": cadence, "send_hour": send_hour})
    logger.info("digest preferences of %s: %s at %02d:00 %s", user.email, cadence, send_hour, timezone)


DIGEST_CHANNEL_NAMES = {"email": "Email", "slack": "Slack", "teams": "Microsoft Teams"}


def update_channels(user: User, *, channels, teams_url: str, actor: User | None, now: datetime) -> None:
    """Where digests go: email, Slack, Microsoft Teams, one or several (Teams needs the person's webhook URL).

    The audit event says whether a Teams URL is set, never the URL: whoever holds it can post to the channel."""
    from onboarding.webhooks.operations import check_url

    chosen = [c for c in DIGEST_CHANNEL_NAMES if c in set(channels or [])]
    if len(chosen) != len(set(channels or [])):
        raise ServiceError(f"digests go by {', '.join(DIGEST_CHANNEL_NAMES)}: nothing else")
    if not chosen:
        raise ServiceError("choose at least one place for your digests")
    teams_url = (teams_url or "").strip()
    if teams_url:
        teams_url = check_url(teams_url).replace("webhook URL", "Teams URL")
    if "teams" in chosen and not teams_url:
        raise ServiceError("give your Teams incoming-webhook or Workflows URL to get digests in Teams")
    old = {"channels": user.digest_channels, "teams_url": "set" if user.teams_webhook_url else "none"}
    replaced = bool(user.teams_webhook_url and teams_url and user.teams_webhook_url != teams_url)
    user.digest_channels, user.teams_webhook_url = ",".join(chosen), teams_url
    _record_change(user, actor, now, old, {"channels": user.digest_channels,
                                           "teams_url": "replaced" if replaced else "set" if teams_url else "none"})
    logger.info("digest channels of %s: %s", user.email, user.digest_channels)


def unsubscribe(user: User) -> bool:
    """Stop every digest to this person; returns False if they had already stopped them."""
    if user.digest_cadence == "off":
        return False
    user.digest_cadence = "off"
    logger.info("%s unsubscribed from digests", user.email)
    return True


def regenerate_calendar_token(user: User) -> None:
    """A new secret for the calendar feed: the old URL stops working at once."""
    user.calendar_token = new_token()
    logger.info("calendar link of %s regenerated", user.email)
