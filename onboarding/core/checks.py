"""Checks for values people type: text, links and dates. Each refusal is a ServiceError that says what to do."""
from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urlsplit

from onboarding.core.errors import ServiceError

MAX_URL = 2000


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value, what: str, limit: int, *, required: bool = True) -> str:
    """Text from a person: must be a string, stripped of control characters, within `limit`."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ServiceError(f"the {what} must be text")
    value = _CONTROL_CHARS.sub("", value).strip()
    if required and not value:
        raise ServiceError(f"the {what} is required")
    if len(value) > limit:
        raise ServiceError(f"the {what} is longer than {limit} characters")
    return value


def check_evidence_url(value) -> str:
    """An evidence link: empty, or an absolute http(s) URL (never javascript:, data: or the like)."""
    url = clean_text(value, "evidence link", MAX_URL, required=False)
    if not url:
        return ""
    if any(ch.isspace() for ch in url):
        raise ServiceError("the evidence link must not contain spaces")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise ServiceError("the evidence link is not a valid address") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise ServiceError("the evidence link must start with http:// or https://")
    return url


#: the dates a person may give (start dates, holidays). A plan's last due date is at most 12
#: calendar months after its start (phase offsets are fixed per phase key), moved on to a working
#: day, so every date a plan derives stays a real date well inside what both databases store.
EARLIEST_DATE = date(2000, 1, 1)


LATEST_DATE = date(2099, 12, 31)


DATE_RANGE_TEXT = f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}"


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_date(value, what: str) -> date:
    """A date within EARLIEST_DATE .. LATEST_DATE, else a ServiceError naming the range."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ServiceError(f"the {what} must be a date (YYYY-MM-DD)")
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ServiceError(f"the {what} {value.isoformat()} is out of range: use a date from {DATE_RANGE_TEXT}")
    return value


def parse_date(text: str, what: str = "start date") -> date:
    """A YYYY-MM-DD date from a person (only that form: not 20260131 or 2026-W05-1), within range."""
    value = text.strip() if isinstance(text, str) else ""
    if not _ISO_DATE.fullmatch(value):
        raise ServiceError(f"the {what} '{str(text)[:40]}' is not a date: use YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ServiceError(f"the {what} '{value}' is not a date: use YYYY-MM-DD") from None
    return check_date(parsed, what)
