"""How events read on a page: one phrase per event type and the changes it recorded."""
from __future__ import annotations

import re
from datetime import date

from onboarding.audit.types import EventType
from onboarding.core.formatting import nice_date

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

#: what each event kind means, in words
EVENT_WORDS: dict[str, str] = {
    EventType.PLAN_CREATED: "made the plan",
    EventType.PLAN_START_MOVED: "moved the start date",
    EventType.PLAN_UPGRADED: "moved the plan to a newer template version",
    EventType.PLAN_PEOPLE_CHANGED: "changed the manager or buddy",
    EventType.PLAN_NUDGED: "sent the hire a reminder (nudge)",
    EventType.ITEM_COMPLETED: "ticked",
    EventType.ITEM_REOPENED: "unticked",
    EventType.ITEM_SIGNED_OFF: "signed off",
    EventType.ITEM_SENT_BACK: "sent back",
    EventType.ITEM_WAIVED: "waived",
    EventType.ITEM_DERIVED: "updated (from its sub-items)",
    EventType.ITEM_ADDED: "added",
    EventType.ITEM_EDITED: "edited",
    EventType.CHECKIN_SELF_ASSESSED: "wrote a self-assessment",
    EventType.CHECKIN_RECORDED: "recorded a check-in",
    EventType.COMMENT_ADDED: "commented",
    EventType.PLAN_COMPLETED: "finished the plan",
    EventType.HOLIDAY_ADDED: "added a holiday",
    EventType.HOLIDAY_REMOVED: "removed a holiday",
    EventType.SETTINGS_WORKING_DAYS: "changed the working-day rule",
    EventType.PERSON_ADDED: "added the person",
    EventType.PERSON_EDITED: "edited the person",
    EventType.PERSON_INVITED: "sent an invitation",
    EventType.PERSON_PASSWORD_SET: "set a password",
    EventType.PERSON_PASSWORD_RESET_REQUESTED: "asked for a password reset",
    EventType.PERSON_DEACTIVATED: "deactivated the person",
    EventType.PERSON_REACTIVATED: "reactivated the person",
    EventType.PERSON_SIGNED_IN_SSO: "signed in with single sign-on",
    EventType.PERSON_EXPORTED: "exported the person's data",
    EventType.PERSON_ERASED: "erased the person's personal data",
    EventType.PERSON_PASSWORD_CHANGED: "changed their password",
    EventType.PERSON_PREFERENCES_CHANGED: "changed the digest preferences",
    EventType.PERSON_TOKEN_CREATED: "made an API token",
    EventType.PERSON_TOKEN_REVOKED: "revoked an API token",
}


def event_words(kind: str) -> str:
    return EVENT_WORDS.get(kind, kind.replace(".", " ").replace("_", " "))


def event_changes(old: dict | None, new: dict | None, limit: int = 300) -> list[tuple[str, str, str]]:
    """(field, old, new) for each value an event changed, as short text."""
    old, new = old or {}, new or {}

    def show(value) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, list):
            value = "; ".join(str(v.get("text", v)) if isinstance(v, dict) else str(v) for v in value) or "—"
        text = str(value)
        if _ISO_DAY.fullmatch(text):  # a date the event kept as YYYY-MM-DD reads as on every page
            return nice_date(date.fromisoformat(text))
        return text if len(text) <= limit else text[: limit - 1] + "…"

    changes = []
    for key in list(dict.fromkeys([*old.keys(), *new.keys()])):
        if key in ("comment_id",) or old.get(key) == new.get(key):
            continue
        changes.append((key.replace("_", " "), show(old.get(key)), show(new.get(key))))
    return changes
