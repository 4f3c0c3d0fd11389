"""How events read on a page: one phrase per event type and the changes it recorded."""
from __future__ import annotations

#: what each event kind means, in words
EVENT_WORDS = {
    "plan.created": "made the plan",
    "plan.start_moved": "moved the start date",
    "plan.upgraded": "moved the plan to a newer template version",
    "plan.people_changed": "changed the manager or buddy",
    "item.done": "ticked",
    "item.reopened": "unticked",
    "item.signed_off": "signed off",
    "item.sent_back": "sent back",
    "item.waived": "waived",
    "item.derived": "updated (from its sub-items)",
    "item.added": "added",
    "item.edited": "edited",
    "checkin.self_assessed": "wrote a self-assessment",
    "checkin.recorded": "recorded a check-in",
    "comment.added": "commented",
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
        return text if len(text) <= limit else text[: limit - 1] + "…"

    changes = []
    for key in list(dict.fromkeys([*old.keys(), *new.keys()])):
        if key in ("comment_id",) or old.get(key) == new.get(key):
            continue
        changes.append((key.replace("_", " "), show(old.get(key)), show(new.get(key))))
    return changes
