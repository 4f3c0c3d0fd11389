"""One way to write dates and offsets, for pages and mail alike (English, whatever the server's locale).

`nice_date` writes "2 Mar 2026" ("Mon 2 Mar 2026" with the weekday, as digests do), `nice_datetime`
"2 Mar 2026, 09:30 UTC"; `due_label` writes a phase's offset from the start date. All three are Jinja
filters (registered in create_app). People type dates as YYYY-MM-DD (the CLI's and the API's form,
checked by core.checks.parse_date; see core.forms.IsoDateField).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache

_MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec"
_DAYS = "MonTueWedThuFriSatSun"


@lru_cache(maxsize=4096)
def nice_date(value: date | None, *, weekday: bool = False) -> str:
    """2026-03-02 -> "2 Mar 2026" (or "Mon 2 Mar 2026"); None -> "". Remembered: a round of
    digests writes the same few hundred dates tens of thousands of times."""
    if value is None:
        return ""
    text = f"{value.day} {_MONTHS[3 * value.month - 3:3 * value.month]} {value.year}"
    if weekday:
        text = f"{_DAYS[3 * value.weekday():3 * value.weekday() + 3]} {text}"
    return text


def nice_datetime(value: datetime | None) -> str:
    """A moment in UTC: "2 Mar 2026, 09:30 UTC"; None -> "". A naive datetime is taken as UTC."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return f"{nice_date(value.date())}, {value:%H:%M} UTC"


#: what ends a sentence already, so that no full stop follows it
_SENTENCE_ENDS = (".", "!", "?", "…")


def sentence(text: str) -> str:
    """`text` with a full stop at its end, unless it ends a sentence already, inside closing quotes
    too: 'Ticked “Read the guide.”', not 'Ticked “Read the guide.”.'; 'Ticked “The help desk”.'"""
    text = text.rstrip()
    return text if text.rstrip("”’\"')").endswith(_SENTENCE_ENDS) else text + "."


def plural(n: int, word: str, words: str | None = None) -> str:
    """plural(1, "item") -> "1 item"; plural(3, "item") -> "3 items"."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def due_label(due: dict | None) -> str:
    """{"days": 30} -> "Day 30"; {"months": 6} -> "Month 6"; None -> "No due date"."""
    if not due:
        return "No due date"
    if "days" in due:
        return f"Day {due['days']}"
    return f"Month {due['months']}"
