"""One way to write dates and offsets, for pages and mail alike (English, whatever the server's locale).

`nice_date` writes "2 Mar 2026" ("Mon 2 Mar 2026" with the weekday, as digests do); `due_label`
writes a phase's offset from the start date. Both are Jinja filters (registered in create_app).
"""
from __future__ import annotations

from datetime import date

_MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec"
_DAYS = "MonTueWedThuFriSatSun"


def nice_date(value: date | None, *, weekday: bool = False) -> str:
    """2026-03-02 -> "2 Mar 2026" (or "Mon 2 Mar 2026"); None -> ""."""
    if value is None:
        return ""
    text = f"{value.day} {_MONTHS[3 * value.month - 3:3 * value.month]} {value.year}"
    if weekday:
        text = f"{_DAYS[3 * value.weekday():3 * value.weekday() + 3]} {text}"
    return text


def due_label(due: dict | None) -> str:
    """{"days": 30} -> "Day 30"; {"months": 6} -> "Month 6"; None -> "No due date"."""
    if not due:
        return "No due date"
    if "days" in due:
        return f"Day {due['days']}"
    return f"Month {due['months']}"
