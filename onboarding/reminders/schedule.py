"""When a person is due a digest: their local time has passed their send hour in a period not yet claimed."""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

logger = logging.getLogger(__name__)


def zone(name: str) -> ZoneInfo:
    """The person's time zone; an unknown name (never stored by the services) counts as UTC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown time zone %r, using UTC", name)
        return ZoneInfo("UTC")


def due_period(cadence: str, local_now: datetime, send_hour: int) -> str | None:
    """The period a person is due for at this local time, or None before the send hour.

    Daily: the local date, once the local hour has reached the send hour. Weekly: the ISO week
    ("2026-W48"), from Monday's send hour to the end of Sunday, so a missed Monday catches up at the
    next wake of the same week.
    """
    if cadence == "daily":
        return local_now.date().isoformat() if local_now.hour >= send_hour else None
    if cadence == "weekly":
        year, week, weekday = local_now.isocalendar()
        if weekday == 1 and local_now.hour < send_hour:
            return None
        return f"{year}-W{week:02d}"
    return None
