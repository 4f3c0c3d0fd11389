"""The nesting rule for flat lists that are really nested (DESIGN, "Flat lists that are really
nested"), and real nesting where the source has it."""
from __future__ import annotations

from onboarding.roles.reader.document import Item
from onboarding.roles.reader.model import Milestone

_CLOSERS = "\"'”’»)]}"


def _last_mark(text: str) -> str:
    """The last character that isn't a closing quote or bracket ('Foo (bar).)' -> '.')."""
    stripped = text.rstrip().rstrip(_CLOSERS)
    return stripped[-1] if stripped else ""


def ends_terminal(text: str) -> bool:
    """Does the item end like a sentence or a group opener (. ! ? : …)?"""
    return _last_mark(text) in (".", "!", "?", ":", "…")


def opens_group(text: str) -> bool:
    """Only a trailing colon opens a group; a colon mid-sentence does not."""
    return text.rstrip().endswith(":")


def nest_flat(items: list[Item]) -> list[Milestone]:
    """The nesting rule for a flat list.

    An item ending in `:` opens a group; the items after it that do not end in terminal
    punctuation are its children; the group closes at an item ending in `.` or `:` (which is
    top-level, and opens a new group if it ends in `:`), or at the end of the list.
    """
    milestones: list[Milestone] = []
    group: Milestone | None = None
    for item in items:
        if group is not None and not ends_terminal(item.text):
            group.children.append(Milestone(item.text))
            continue
        milestone = Milestone(item.text)
        milestones.append(milestone)
        group = milestone if opens_group(item.text) else None
    return milestones


def _has_nesting(items: list[Item]) -> bool:
    return any(item.children for item in items)


def _as_milestones(items: list[Item]) -> list[Milestone]:
    return [Milestone(item.text, _as_milestones(item.children)) for item in items]


def milestones_from_items(items: list[Item]) -> list[Milestone]:
    """A list's milestones: its real nesting when it has any, else the flat nesting rule."""
    if _has_nesting(items):
        return _as_milestones(items)
    return nest_flat(items)
