"""Input checks the plan operations share: lengths, versions, finished plans, and the plan lock."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from onboarding.core.db import table_of
from onboarding.core.errors import ConflictError, ServiceError
from onboarding.extensions import db
from onboarding.plans.models import Plan, PlanItem

MAX_ITEM_TEXT = 2000


MAX_NOTE = 5000


MAX_COMMENT = 5000


MAX_REASON = 1000


#: gap between neighbouring positions, so that an added item slots in without renumbering the plan
POSITION_STEP = 1024


def check_version(item: PlanItem, expected_version) -> None:
    if expected_version is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError, OverflowError):
        raise ConflictError() from None
    if expected != item.version:
        raise ConflictError()


def check_active(plan: Plan) -> None:
    if not plan.is_active:
        raise ServiceError("this plan is finished and can no longer be changed")


def begin_change(plan: Plan, item: PlanItem | None = None, *, with_sub_items: bool = True) -> None:
    """Start a change to a plan (or to one item and its sub-items): take the plan's lock, re-read its
    items, refuse a finished plan, and refuse with a conflict if the item changed since it was read.

    The optimistic lock on items only covers the rows a change writes; a parent's derived state is
    read from its siblings, which two simultaneous changes would each see in their old state (the
    parent then stays `open` over children that are all done). Bumping the plan's revision takes
    the plan's row lock on PostgreSQL and the write lock on SQLite, so the second change waits for
    the first to commit; reading the items again afterwards (populate_existing) gives it the first
    change's result to derive from. The item the caller acts on (and its sub-items) must still be
    as the caller saw it: another person's change to it is a conflict, as the optimistic lock says.
    """
    seen = {}
    if item is not None:
        seen = {i.id: i.version for i in [item, *(_descendants_of(item) if with_sub_items else [])]}
    db.session.flush()
    table = table_of(Plan)
    db.session.execute(update(table).where(table.c.id == plan.id).values(revision=table.c.revision + 1))
    db.session.scalars(
        select(Plan).where(Plan.id == plan.id).options(selectinload(Plan.items))
        .execution_options(populate_existing=True)
    ).one()
    check_active(plan)
    if item is not None:
        now_seen = {i.id: i.version for i in [item, *(_descendants_of(item) if with_sub_items else [])]}
        if now_seen != seen:
            raise ConflictError()


def _descendants_of(item: PlanItem) -> list[PlanItem]:
    kids: dict[int | None, list[PlanItem]] = {}
    for other in item.plan.items:
        kids.setdefault(other.parent_id, []).append(other)
    result, stack = [], list(kids.get(item.id, []))
    while stack:
        node = stack.pop()
        result.append(node)
        stack.extend(kids.get(node.id, []))
    return result
