"""Per-plan edits that leave the template alone: add, reword and renumber items, move the start date,
assign the manager and buddy."""
from __future__ import annotations

from datetime import date, datetime

from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.checks import check_date, clean_text
from onboarding.core.errors import ServiceError
from onboarding.core.phases import phase_rank
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.checks import (
    MAX_ITEM_TEXT,
    POSITION_STEP,
    begin_change,
    check_version,
)
from onboarding.plans.due_dates import due_offsets, load_calendar, phase_due
from onboarding.plans.models import Plan, PlanItem
from onboarding.plans.reading import children_map, plan_phase_keys
from onboarding.plans.states import has_children, refresh_parents


def _position_after(plan: Plan, phase_key: str, parent: PlanItem | None) -> int:
    """A free position at the end of a phase (or of a parent's sub-items); renumbers only when full."""
    items = sorted(plan.items, key=lambda i: i.position)
    if parent is not None:
        block = [parent] + _descendants(parent, children_map(items))
    else:
        rank = phase_rank(phase_key)
        block = [i for i in items if phase_rank(i.phase_key) <= rank]
    low = max((i.position for i in block), default=0)
    higher = [i.position for i in items if i.position > low]
    high = min(higher) if higher else low + 2 * POSITION_STEP
    if high - low >= 2:
        return (low + high) // 2
    _renumber(plan)
    return _position_after(plan, phase_key, parent)


def _descendants(item: PlanItem, kids: dict[int | None, list[PlanItem]]) -> list[PlanItem]:
    result = []
    for child in kids.get(item.id, []):
        result.append(child)
        result.extend(_descendants(child, kids))
    return result


def _renumber(plan: Plan) -> None:
    for n, item in enumerate(sorted(plan.items, key=lambda i: i.position), start=1):
        if item.position != n * POSITION_STEP:
            item.position = n * POSITION_STEP


def add_item(plan: Plan, phase_key: str, text: str, actor: User, now: datetime,
             parent: PlanItem | None = None) -> PlanItem:
    """Add an item to this plan only (never the template), due at its phase's date."""
    begin_change(plan)
    text = clean_text(text, "item text", MAX_ITEM_TEXT)
    if phase_key not in plan_phase_keys(plan):
        raise ServiceError(f"the plan has no dated phase '{str(phase_key)[:20]}'")
    if parent is not None:
        if parent.plan_id != plan.id or parent.phase_key != phase_key:
            raise ServiceError("a sub-item belongs under an item of the same plan and phase")
        if not has_children(parent) and parent.state != "open":
            raise ServiceError("reopen that item before adding sub-items to it")
    offset_days, offset_months = due_offsets(phase_due(plan.template_version, phase_key))
    due_on = load_calendar().due(plan.start_on, offset_days, offset_months)
    item = PlanItem(plan=plan, parent=parent, position=_position_after(plan, phase_key, parent), phase_key=phase_key,
                    text=text, offset_days=offset_days, offset_months=offset_months, due_on=due_on, state="open",
                    is_custom=True)
    db.session.add(item)
    db.session.flush()
    record_event(plan, EventType.ITEM_ADDED, actor, now, item=item,
           new={"text": text, "phase": phase_key, "parent_id": parent.id if parent else None})
    refresh_parents(plan, item, actor, now)
    db.session.flush()
    return item


def edit_item_text(item: PlanItem, text: str, actor: User, now: datetime, *, expected_version=None) -> PlanItem:
    """Reword an item for this plan only. The item becomes the plan's own (an upgrade keeps it as written)."""
    begin_change(item.plan, item, with_sub_items=False)
    check_version(item, expected_version)
    text = clean_text(text, "item text", MAX_ITEM_TEXT)
    if text == item.text:
        return item
    record_event(item.plan, EventType.ITEM_EDITED, actor, now, item=item, old={"text": item.text}, new={"text": text})
    item.text, item.is_custom = text, True
    db.session.flush()
    return item


def move_start_date(plan: Plan, new_start: date, actor: User | None, now: datetime) -> int:
    """Move a plan's start date: open items get new due dates from their kept offsets; returns how many moved."""
    begin_change(plan)
    new_start = check_date(new_start, "start date")
    old_start = plan.start_on
    if new_start == old_start:
        return 0
    cal = load_calendar()
    moved = 0
    for item in plan.items:
        if item.state != "open" or (item.offset_days is None and item.offset_months is None):
            continue
        due_on = cal.due(new_start, item.offset_days, item.offset_months)
        if due_on != item.due_on:
            item.due_on = due_on
            moved += 1
    plan.start_on = new_start
    record_event(plan, EventType.PLAN_START_MOVED, actor, now, old={"start_on": old_start.isoformat()},
           new={"start_on": new_start.isoformat(), "items_moved": moved})
    db.session.flush()
    return moved


def assign_plan_people(plan: Plan, *, manager: User | None, buddy: User | None, actor: User | None,
                       now: datetime) -> bool:
    """Set or clear a plan's manager and buddy (an event records it); returns whether anything changed.

    A hire without a line manager gets this one too, as `hire_person_with_plan` does.
    """
    begin_change(plan)
    if manager is not None and manager.id == plan.hire_id:
        raise ServiceError("a hire cannot be their own manager")
    if buddy is not None and buddy.id == plan.hire_id:
        raise ServiceError("a hire cannot be their own buddy")
    old = {"manager": plan.manager.email if plan.manager else None, "buddy": plan.buddy.email if plan.buddy else None}
    new = {"manager": manager.email if manager else None, "buddy": buddy.email if buddy else None}
    if old == new:
        return False
    plan.manager, plan.buddy = manager, buddy
    if manager is not None and plan.hire.manager_id is None:
        plan.hire.manager = manager
    record_event(plan, EventType.PLAN_PEOPLE_CHANGED, actor, now, old=old, new=new)
    db.session.flush()
    return True
