"""Moving a plan to a newer template version: a preview of what is kept, added and removed, then the move.
Items whose text is unchanged keep their state; finished work is never dropped."""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update

from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.errors import ServiceError
from onboarding.core.phases import phase_rank
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.checks import POSITION_STEP, begin_change
from onboarding.plans.due_dates import dated_phases, due_offsets, load_calendar
from onboarding.plans.models import Comment, Plan, PlanItem
from onboarding.plans.reading import children_map
from onboarding.plans.states import refresh_parents
from onboarding.roles.models import RoleTemplateVersion

logger = logging.getLogger(__name__)


@dataclass
class UpgradePreview:
    """What `upgrade_plan` does, for an admin to read before confirming.

    kept: plan items whose text is unchanged in the new version, matched within the same phase;
      they keep their state, note, evidence, comments and history (they may move to a new parent).
    added: new template milestones, as (phase key, text); they arrive open.
    removed: template items the new version no longer has and that are still open; they are deleted
      (comments on them move to the plan).
    retained: template items the new version no longer has but that are done, signed off or waived;
      they stay as the plan's own items, so that no finished work disappears from a hire's record.
    custom: items added or reworded for this plan; they stay where they were.
    """

    plan: Plan
    old_version: RoleTemplateVersion
    new_version: RoleTemplateVersion
    kept: list[PlanItem] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[PlanItem] = field(default_factory=list)
    retained: list[PlanItem] = field(default_factory=list)
    custom: list[PlanItem] = field(default_factory=list)
    #: the plan item matched by each new template milestone, keyed by (phase key, index path)
    matches: dict[tuple, PlanItem] = field(default_factory=dict, repr=False)

    @property
    def has_changes(self) -> bool:
        """Whether any item is added, removed or retained (otherwise only the version number moves)."""
        return bool(self.added or self.removed or self.retained)

    def as_dict(self) -> dict:
        return {
            "from_version": self.old_version.number, "to_version": self.new_version.number,
            "kept": [i.text for i in self.kept], "added": [{"phase": k, "text": t} for k, t in self.added],
            "removed": [i.text for i in self.removed], "retained": [i.text for i in self.retained],
            "custom": [i.text for i in self.custom],
        }


def _walk_nodes(milestones: list[dict], path: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    for n, milestone in enumerate(milestones):
        yield path + (n,), milestone
        yield from _walk_nodes(milestone.get("children") or [], path + (n,))


def preview_upgrade(plan: Plan, new_version: RoleTemplateVersion) -> UpgradePreview:
    """Match the plan's template items to a newer version by exact text within the same phase; writes nothing."""
    old_version = plan.template_version
    if new_version.template_id != old_version.template_id:
        raise ServiceError("a plan can only move to a version of its own role template")
    if new_version.number <= old_version.number:
        raise ServiceError(f"version {new_version.number} is not newer than the plan's version {old_version.number}")
    preview = UpgradePreview(plan, old_version, new_version)
    candidates: dict[tuple[str, str], list[PlanItem]] = defaultdict(list)
    for item in sorted(plan.items, key=lambda i: i.position):
        if item.is_custom:
            preview.custom.append(item)
        else:
            candidates[(item.phase_key, item.text)].append(item)
    for phase in dated_phases(new_version):
        for path, node in _walk_nodes(phase.get("milestones") or []):
            pool = candidates.get((phase["key"], node["text"]))
            if pool:
                item = pool.pop(0)
                preview.matches[(phase["key"], path)] = item
                preview.kept.append(item)
            else:
                preview.added.append((phase["key"], node["text"]))
    for pool in candidates.values():
        for item in pool:
            (preview.removed if item.state == "open" else preview.retained).append(item)
    preview.removed.sort(key=lambda i: i.position)
    preview.retained.sort(key=lambda i: i.position)
    return preview


def upgrade_plan(plan: Plan, new_version: RoleTemplateVersion, actor: User | None, now: datetime) -> UpgradePreview:
    """Move a plan to a newer template version (UpgradePreview says what happens to each item)."""
    begin_change(plan)
    preview = preview_upgrade(plan, new_version)
    cal = load_calendar()
    loose = {i.id for i in preview.retained + preview.custom}  # stay, but are not in the new template
    old_kids = children_map(plan.items)
    order: list[PlanItem] = []  # the new order: phases in order, parents before children
    placed: set[int] = set()

    def place(item: PlanItem, parent: PlanItem | None) -> None:
        if item.parent is not parent:
            item.parent = parent
        order.append(item)
        if item.id is not None:
            placed.add(item.id)

    def place_loose_under(old_parent_id: int | None, new_parent: PlanItem | None, phase_key: str) -> None:
        """Loose items keep hanging under the item they hung under (or at the top of their phase)."""
        for item in old_kids.get(old_parent_id, []):
            if item.id in loose and item.id not in placed and item.phase_key == phase_key:
                place(item, new_parent)
                place_loose_under(item.id, item, phase_key)

    for phase in dated_phases(new_version):
        key = phase["key"]
        offset_days, offset_months = due_offsets(phase["due"])

        def build(milestones: list[dict], parent: PlanItem | None, path: tuple) -> None:
            for n, node in enumerate(milestones):
                item = preview.matches.get((key, path + (n,)))
                if item is None:
                    item = PlanItem(plan=plan, phase_key=key, text=node["text"], offset_days=offset_days,
                                    offset_months=offset_months, state="open", position=0,
                                    due_on=cal.due(plan.start_on, offset_days, offset_months))
                    db.session.add(item)
                elif item.state == "open" and (item.offset_days, item.offset_months) != (offset_days, offset_months):
                    item.offset_days, item.offset_months = offset_days, offset_months
                    item.due_on = cal.due(plan.start_on, offset_days, offset_months)
                place(item, parent)
                build(node.get("children") or [], item, path + (n,))
                if item.id is not None:
                    place_loose_under(item.id, item, key)

        build(phase.get("milestones") or [], None, ())
        place_loose_under(None, None, key)
    # Loose items whose parent is removed, or whose phase the new version dropped: top of their phase.
    for item in sorted(plan.items, key=lambda i: i.position):
        if item.id in loose and item.id not in placed:
            place(item, None)
            place_loose_under(item.id, item, item.phase_key)
    if preview.removed:
        removed_ids = [i.id for i in preview.removed]
        # Comments on a removed item stay on the plan rather than disappearing with it.
        db.session.execute(update(Comment).where(Comment.item_id.in_(removed_ids)).values(item_id=None))
        for item in preview.removed:
            item.parent = None
            db.session.delete(item)
    for item in preview.retained:
        item.is_custom = True
    for n, item in enumerate(_phase_sorted(order), start=1):
        if item.position != n * POSITION_STEP:
            item.position = n * POSITION_STEP
    db.session.flush()
    db.session.expire(plan, ["items"])
    old_number = plan.template_version.number
    plan.template_version = new_version
    _rederive_all(plan, actor, now)
    summary = preview.as_dict()
    record_event(plan, EventType.PLAN_UPGRADED, actor, now, old={"template_version": old_number},
           new={"template_version": new_version.number, "added": summary["added"], "removed": summary["removed"],
                "retained": summary["retained"]})
    db.session.flush()
    logger.info("plan %s moved from version %s to %s", plan.id, old_number, new_version.number)
    return preview


def _phase_sorted(order: list[PlanItem]) -> list[PlanItem]:
    """Stable sort of a parent-before-children order by phase, keeping each subtree with its root."""
    return sorted(order, key=lambda i: phase_rank(i.phase_key))


def _rederive_all(plan: Plan, actor: User | None, now: datetime) -> None:
    kids = children_map(plan.items)
    leaves = [i for i in plan.items if not kids.get(i.id)]
    refresh_parents(plan, leaves, actor, now)
