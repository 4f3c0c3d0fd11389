"""The item state machine: open -> done (the hire) -> signed_off (the manager), or back to open with a
comment; any item not yet signed off can be waived with a reason. An item with sub-items is never
ticked directly: its state is derived from its children."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.checks import check_evidence_url, clean_text
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.checks import (
    MAX_COMMENT,
    MAX_NOTE,
    MAX_REASON,
    begin_change,
    check_version,
)
from onboarding.plans.completion import record_if_completed
from onboarding.plans.derivation import derived_state
from onboarding.plans.models import Plan, PlanItem
from onboarding.plans.reading import children_map, leaves_below, waivable_leaves


def has_children(item: PlanItem) -> bool:
    return any(other.parent_id == item.id for other in item.plan.items)


def refresh_parents(plan: Plan, start: PlanItem | Iterable[PlanItem], actor: User | None, now: datetime) -> None:
    """Re-derive the state of every ancestor of the changed items, deepest first, with an event per change."""
    items = plan.items
    by_id = {i.id: i for i in items if i.id is not None}
    kids = children_map(items)

    def depth(item: PlanItem) -> int:
        n = 0
        while item.parent_id is not None and item.parent_id in by_id:
            item, n = by_id[item.parent_id], n + 1
        return n

    ancestors: dict[int, PlanItem] = {}
    for item in [start] if isinstance(start, PlanItem) else start:
        while item.parent_id is not None and item.parent_id in by_id:
            item = by_id[item.parent_id]
            ancestors[item.id] = item
    for parent in sorted(ancestors.values(), key=depth, reverse=True):
        new_state = derived_state([c.state for c in kids.get(parent.id, [])])
        if new_state == parent.state:
            continue
        old_state = parent.state
        parent.state = new_state
        if new_state == "done":
            parent.done_at, parent.done_by_id = now, actor.id if actor else None
            parent.review_comment = ""
        elif new_state == "signed_off":
            parent.signed_off_at, parent.signed_off_by_id = now, actor.id if actor else None
        elif new_state == "open":
            parent.done_at = parent.done_by_id = parent.signed_off_at = parent.signed_off_by_id = None
        record_event(plan, EventType.ITEM_DERIVED, actor, now, item=parent, old={"state": old_state}, new={"state": new_state})


def _leaf_descendants(item: PlanItem) -> list[PlanItem]:
    return leaves_below(item.id, children_map(item.plan.items))


def _begin_hire_change(item: PlanItem, expected_version, note: str, evidence_url: str,
                       on_a_group: str) -> tuple[str, str]:
    """What ticking and noting share: the plan's change lock, the version check, the note and link
    checked, and no writing on a group (its state comes from its sub-items)."""
    begin_change(item.plan, item)
    check_version(item, expected_version)
    note = clean_text(note, "note", MAX_NOTE, required=False)
    evidence_url = check_evidence_url(evidence_url)
    if has_children(item):
        raise ServiceError(on_a_group)
    return note, evidence_url


def complete_item(item: PlanItem, actor: User, *, note: str = "", evidence_url: str = "", now: datetime,
                  expected_version=None) -> PlanItem:
    """The hire ticks an open item, optionally with a note and an evidence link (http/https)."""
    note, evidence_url = _begin_hire_change(item, expected_version, note, evidence_url,
                                            "this item has sub-items: tick those, and it is done when they all are")
    if item.state != "open":
        raise ServiceError(f"only an open item can be ticked; this one is {item.state.replace('_', ' ')}")
    old = {"state": item.state, "note": item.note, "evidence_url": item.evidence_url}
    item.state, item.note, item.evidence_url = "done", note, evidence_url
    item.done_at, item.done_by_id = now, actor.id if actor else None
    item.review_comment = ""
    record_event(item.plan, EventType.ITEM_COMPLETED, actor, now, item=item, old=old,
           new={"state": "done", "note": note, "evidence_url": evidence_url})
    refresh_parents(item.plan, item, actor, now)
    db.session.flush()
    return item


def note_item(item: PlanItem, actor: User, *, note: str, evidence_url: str, now: datetime,
              expected_version=None) -> bool:
    """The hire adds or changes the note and evidence link of an item not yet signed off; False when unchanged."""
    note, evidence_url = _begin_hire_change(item, expected_version, note, evidence_url,
                                            "this item has sub-items: add the note to one of those")
    if item.state not in ("open", "done"):
        raise ServiceError(f"only an item not yet signed off takes a note; this one is {item.state.replace('_', ' ')}")
    old = {"note": item.note, "evidence_url": item.evidence_url}
    new = {"note": note, "evidence_url": evidence_url}
    if old == new:
        return False
    item.note, item.evidence_url = note, evidence_url
    record_event(item.plan, EventType.ITEM_EDITED, actor, now, item=item, old=old, new=new)
    db.session.flush()
    return True


def reopen_item(item: PlanItem, actor: User, *, now: datetime, expected_version=None) -> PlanItem:
    """Untick a done item (before it is signed off)."""
    begin_change(item.plan, item)
    check_version(item, expected_version)
    if has_children(item):
        raise ServiceError("this item has sub-items: reopen one of those instead")
    if item.state != "done":
        raise ServiceError(f"only a done item can be reopened; this one is {item.state.replace('_', ' ')}")
    item.state, item.done_at, item.done_by_id = "open", None, None
    record_event(item.plan, EventType.ITEM_REOPENED, actor, now, item=item, old={"state": "done"}, new={"state": "open"})
    refresh_parents(item.plan, item, actor, now)
    db.session.flush()
    return item


def _sign_off_leaf(item: PlanItem, manager: User, now: datetime) -> None:
    item.state, item.signed_off_at, item.signed_off_by_id = "signed_off", now, manager.id if manager else None
    record_event(item.plan, EventType.ITEM_SIGNED_OFF, manager, now, item=item, old={"state": "done"}, new={"state": "signed_off"})


def sign_off_item(item: PlanItem, manager: User, now: datetime, *, expected_version=None) -> int:
    """The manager accepts a done item; on an item with sub-items, every done sub-item. Returns how many."""
    begin_change(item.plan, item)
    check_version(item, expected_version)
    leaves = _leaf_descendants(item) if has_children(item) else [item]
    done = [leaf for leaf in leaves if leaf.state == "done"]
    if not done:
        raise ServiceError(f"only a done item can be signed off; this one is {item.state.replace('_', ' ')}")
    for leaf in done:
        _sign_off_leaf(leaf, manager, now)
    refresh_parents(item.plan, done, manager, now)
    record_if_completed(item.plan, manager, now)
    db.session.flush()
    return len(done)


def send_back_item(item: PlanItem, manager: User, comment: str, now: datetime, *, expected_version=None) -> int:
    """The manager asks for changes: a done item goes back to open with a comment (required)."""
    begin_change(item.plan, item)
    check_version(item, expected_version)
    comment = clean_text(comment, "comment", MAX_COMMENT)
    leaves = _leaf_descendants(item) if has_children(item) else [item]
    done = [leaf for leaf in leaves if leaf.state == "done"]
    if not done:
        raise ServiceError(f"only a done item can be sent back; this one is {item.state.replace('_', ' ')}")
    for leaf in done:
        leaf.state, leaf.review_comment, leaf.sent_back_at = "open", comment, now
        leaf.done_at = leaf.done_by_id = None
        record_event(item.plan, EventType.ITEM_SENT_BACK, manager, now, item=leaf, old={"state": "done"},
               new={"state": "open", "review_comment": comment})
    if item not in done:  # a parent: its comment shows on it as well
        item.review_comment, item.sent_back_at = comment, now
    refresh_parents(item.plan, done, manager, now)
    db.session.flush()
    return len(done)


def sign_off_phase(plan: Plan, phase_key: str, manager: User, now: datetime) -> int:
    """Sign off every done item of one phase at once; returns how many were signed off."""
    begin_change(plan)
    kids = children_map(plan.items)
    done = [i for i in plan.items if i.phase_key == phase_key and i.state == "done" and not kids.get(i.id)]
    for item in done:
        _sign_off_leaf(item, manager, now)
    refresh_parents(plan, done, manager, now)
    record_if_completed(plan, manager, now)
    db.session.flush()
    return len(done)


def waive_item(item: PlanItem, actor: User, reason: str, now: datetime, *, expected_version=None,
               expected_count: int | None = None) -> int:
    """Mark an item not needed for this hire (a reason is required); returns how many items were waived.

    On a group, its open and done sub-items are waived with it: the reason is the group's, recorded
    once (on the group and in its one `item.waived` event, with the count); each sub-item's own event
    says only that it was waived with the group. `expected_count` is the count the person confirmed:
    when the group has changed since, nothing is waived.
    """
    begin_change(item.plan, item)
    check_version(item, expected_version)
    reason = clean_text(reason, "reason", MAX_REASON)
    if not has_children(item):
        if item.state not in ("open", "done"):
            raise ServiceError(f"only an open or done item can be waived; this one is {item.state.replace('_', ' ')}")
        old = {"state": item.state}
        item.state, item.waived_reason = "waived", reason
        record_event(item.plan, EventType.ITEM_WAIVED, actor, now, item=item, old=old, new={"state": "waived", "reason": reason})
        targets = [item]
    else:
        targets = waivable_leaves(item.id, children_map(item.plan.items))
        if not targets:
            raise ServiceError("nothing under this group is open or done, so there is nothing to waive")
        if expected_count is not None and expected_count != len(targets):
            raise ServiceError(f"this group now has {len(targets)} sub-item{'s' if len(targets) != 1 else ''} to waive, "
                                f"not the {expected_count} you confirmed: check them and confirm again")
        item.waived_reason = reason
        record_event(item.plan, EventType.ITEM_WAIVED, actor, now, item=item, old={"reason": ""},
                     new={"reason": reason, "sub_items_waived": len(targets)})
        for leaf in targets:
            old = {"state": leaf.state}
            leaf.state, leaf.waived_reason = "waived", ""
            record_event(item.plan, EventType.ITEM_WAIVED, actor, now, item=leaf, old=old,
                         new={"state": "waived", "with_group": item.text})
    refresh_parents(item.plan, targets, actor, now)
    record_if_completed(item.plan, actor, now)
    db.session.flush()
    return len(targets)
