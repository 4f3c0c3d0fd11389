"""Re-deriving every parent item's state from its children, for rows written before changes within a
plan were serialised (two simultaneous sub-item changes could leave a parent `open` over children
that were all done, and no button could fix it).

Written against the tables, not the ORM models, so the migration that runs it keeps working when
the models move on; `onboarding plans repair` runs it on demand.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from onboarding.audit.types import EventType
from onboarding.core.db import UTCDateTime
from onboarding.plans.derivation import derived_state

logger = logging.getLogger(__name__)

items = sa.table(
    "plan_items", sa.column("id", sa.Integer), sa.column("plan_id", sa.Integer), sa.column("parent_id", sa.Integer),
    sa.column("state", sa.String), sa.column("done_at", UTCDateTime), sa.column("done_by_id", sa.Integer),
    sa.column("signed_off_at", UTCDateTime), sa.column("signed_off_by_id", sa.Integer),
    sa.column("version", sa.Integer),
)
events = sa.table(
    "events", sa.column("plan_id", sa.Integer), sa.column("item_id", sa.Integer), sa.column("actor_id", sa.Integer),
    sa.column("kind", sa.String), sa.column("old_value", sa.JSON), sa.column("new_value", sa.JSON),
    sa.column("created_at", UTCDateTime),
)


def rederive_parents(connection: Connection, now: datetime) -> int:
    """Set every parent item to the state its children give it, deepest first, with an event per
    change (actor: the system); returns how many parents changed. The caller commits."""
    rows = connection.execute(
        sa.select(items.c.id, items.c.plan_id, items.c.parent_id, items.c.state)
        .where(items.c.plan_id.in_(sa.select(items.c.plan_id).where(items.c.parent_id.is_not(None))))
    ).all()
    state = {row.id: row.state for row in rows}
    parent_of = {row.id: row.parent_id for row in rows}
    plan_of = {row.id: row.plan_id for row in rows}
    kids: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        if row.parent_id is not None and row.parent_id in state:
            kids[row.parent_id].append(row.id)

    def depth(item_id: int) -> int:
        n = 0
        while parent_of.get(item_id) in state:
            item_id, n = parent_of[item_id], n + 1
        return n

    changed = []
    for parent in sorted(kids, key=depth, reverse=True):
        new_state = derived_state([state[c] for c in kids[parent]])
        if new_state != state[parent]:
            changed.append((parent, state[parent], new_state))
            state[parent] = new_state
    for parent, _old_state, new_state in changed:
        values: dict = {"state": new_state, "version": items.c.version + 1}
        if new_state == "done":
            values |= {"done_at": now, "done_by_id": None}
        elif new_state == "signed_off":
            values |= {"signed_off_at": now, "signed_off_by_id": None}
        elif new_state == "open":
            values |= {"done_at": None, "done_by_id": None, "signed_off_at": None, "signed_off_by_id": None}
        connection.execute(items.update().where(items.c.id == parent).values(values))
    if changed:
        connection.execute(events.insert(), [
            {"plan_id": plan_of[parent], "item_id": parent, "actor_id": None, "kind": str(EventType.ITEM_DERIVED),
             "old_value": {"state": old_state}, "new_value": {"state": new_state, "repaired": True},
             "created_at": now}
            for parent, old_state, new_state in changed
        ])
        logger.warning("repaired the derived state of %d parent item(s)", len(changed))
    return len(changed)
