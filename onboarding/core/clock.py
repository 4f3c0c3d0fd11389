"""The web pages' clock: now in UTC, and "today" where the signed-in person lives.

Services take `now` and `today` as arguments; views get them here. Tests (and demos) can stand on
any day by setting `FIXED_NOW` (an aware datetime) in the app's config.
"""
from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app


def now() -> datetime:
    """The current time, aware, in UTC (or the configured `FIXED_NOW`)."""
    fixed = current_app.config.get("FIXED_NOW")
    return fixed if fixed is not None else datetime.now(timezone.utc)


def today_for(user) -> date:
    """Today's date in the person's own time zone (UTC when it is unknown)."""
    zone: tzinfo
    try:
        zone = ZoneInfo(getattr(user, "timezone", None) or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    return now().astimezone(zone).date()
