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


#: dates people can mean; outside them a plan's due dates (start + 12 months) would overflow or be nonsense
EARLIEST_DATE, LATEST_DATE = date(1970, 1, 1), date(2199, 12, 31)


def check_date(value, what: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ServiceError(f"the {what} must be a date (YYYY-MM-DD)")
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ServiceError(f"the {what} {value.isoformat()} is out of range: give a date between "
                           f"{EARLIEST_DATE.year} and {LATEST_DATE.year}")
    return value


def parse_date(text: str, what: str = "start date") -> date:
    """A YYYY-MM-DD date from a person, with a clear error."""
    try:
        return date.fromisoformat((text or "").strip())
    except (TypeError, ValueError):
        raise ServiceError(f"the {what} '{str(text)[:40]}' is not a date: use YYYY-MM-DD") from None
