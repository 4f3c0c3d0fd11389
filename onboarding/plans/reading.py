"""Reading a plan: its items by parent, its phases, and the `plans show --json` document."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from onboarding.core.errors import ServiceError
from onboarding.core.phases import phase_rank
from onboarding.extensions import db
from onboarding.people.operations import get_user_by_email
from onboarding.plans.due_dates import (
    dated_phases_of,
    due_offsets,
    load_calendar,
    phase_due,
)
from onboarding.plans.models import Plan, PlanItem
from onboarding.plans.status import progress_for_plans


def children_map(items: Iterable[PlanItem]) -> dict[int | None, list[PlanItem]]:
    """Items by parent id (None: top level), each list in position order; no query per item."""
    result: dict[int | None, list[PlanItem]] = defaultdict(list)
    for item in sorted(items, key=lambda i: i.position):
        result[item.parent_id].append(item)
    return result


def leaves_below(item_id: int, kids: dict[int | None, list[PlanItem]]) -> list[PlanItem]:
    """The items without sub-items under `item_id`, at any depth, in page order (from children_map)."""
    result: list[PlanItem] = []
    stack = list(reversed(kids.get(item_id, [])))
    while stack:
        node = stack.pop()
        below = kids.get(node.id, [])
        if below:
            stack.extend(reversed(below))
        else:
            result.append(node)
    return result


def waivable_leaves(item_id: int, kids: dict[int | None, list[PlanItem]]) -> list[PlanItem]:
    """What waiving a group waives: its open and done sub-items (signed off and waived ones stay)."""
    return [leaf for leaf in leaves_below(item_id, kids) if leaf.state in ("open", "done")]


def plan_phase_keys(plan: Plan) -> list[str]:
    """The plan's dated phases in order: the template's, plus any that still hold items."""
    return phase_keys(plan.template_version.content, plan.items)


def phase_keys(content: dict, items: Iterable[PlanItem]) -> list[str]:
    """The same from the template version's content and the plan's items, however they were read."""
    keys = {p["key"] for p in dated_phases_of(content)} | {i.phase_key for i in items}
    return sorted(keys, key=phase_rank)


def plan_as_json(plan: Plan, *, today: date) -> dict:
    """The `onboarding plans show EMAIL --json` document (a contract: keep the keys as DESIGN.md has them)."""
    status = progress_for_plans([plan.id], today)[plan.id].status
    cal = load_calendar()
    kids = children_map(plan.items)

    def node(item: PlanItem) -> dict:
        return {"id": item.id, "text": item.text, "due_on": item.due_on.isoformat() if item.due_on else None,
                "state": item.state, "children": [node(child) for child in kids.get(item.id, [])]}

    phases = []
    for key in plan_phase_keys(plan):
        offset_days, offset_months = due_offsets(phase_due(plan.template_version, key))
        due_on = cal.due(plan.start_on, offset_days, offset_months)
        phases.append({"key": key, "due_on": due_on.isoformat() if due_on else None,
                       "items": [node(item) for item in kids.get(None, []) if item.phase_key == key]})
    version = plan.template_version
    return {
        "hire": {"email": plan.hire.email, "name": plan.hire.name,
                 "manager": plan.manager.email if plan.manager else None},
        "role": version.content.get("title") or version.template.title,
        "template_version": version.number,
        "start_on": plan.start_on.isoformat(),
        "status": status,
        "phases": phases,
    }


def plan_for_email(email: str) -> Plan:
    """A person's active plan, or their most recent one; ServiceError when they have none."""
    person = get_user_by_email(email)
    if person is None:
        raise ServiceError(f"no person with the email {str(email).strip().lower()[:254]}")
    plan = db.session.scalar(
        select(Plan).where(Plan.hire_id == person.id).order_by(Plan.is_active.desc(), Plan.created_at.desc(),
                                                               Plan.id.desc()).limit(1))
    if plan is None:
        raise ServiceError(f"{person.email} has no plan")
    return plan
