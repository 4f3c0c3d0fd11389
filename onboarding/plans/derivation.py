"""The one rule for a parent item's state, from its children's: pure, shared by the state machine
and the repair (which a migration runs, so it must not need the app)."""
from __future__ import annotations


def derived_state(states: list[str]) -> str:
    """A parent's state from its children's: open while any is open; waived when all are; signed off
    when all are signed off or waived; done otherwise."""
    if not states or "open" in states:
        return "open"
    if all(s == "waived" for s in states):
        return "waived"
    if all(s in ("signed_off", "waived") for s in states):
        return "signed_off"
    return "done"
