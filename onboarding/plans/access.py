"""Object-level permission, in one place: who may read or change which plan.

A hire sees their own plan; a manager the plans they manage; a buddy the plans they buddy; an admin
every plan. Anything else answers 404, never 403, so that someone else's plan does not even exist.

A buddy reads the items and comments and may comment, but never sees the manager's check-in ratings
and notes or the hire's self-assessment: HR data between the hire and their manager.

| action                                          | hire (own) | plan's manager | buddy | admin |
|-------------------------------------------------|------------|----------------|-------|-------|
| read, comment                                   | yes        | yes            | yes   | yes   |
| read_check_ins (ratings, notes, self-assessment)| yes        | yes            |       | yes   |
| complete, reopen, self_assess                   | yes        |                |       |       |
| sign_off, send_back, waive, edit, check_in      |            | yes            |       | yes   |
| upgrade (move to a newer template version)      |            |                |       | yes   |
"""
from __future__ import annotations

from typing import TypeGuard

from flask import abort
from sqlalchemy import Select, false, or_, select

from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.models import Plan, PlanItem

HIRE_ACTIONS = frozenset({"complete", "reopen", "self_assess"})
MANAGER_ACTIONS = frozenset({"sign_off", "send_back", "waive", "edit", "check_in"})
EVERYONE_ACTIONS = frozenset({"read", "comment"})
#: the hire, the plan's manager and admins, never the buddy
PRIVATE_ACTIONS = frozenset({"read_check_ins"})
ADMIN_ONLY_ACTIONS = frozenset({"upgrade"})
ACTIONS = HIRE_ACTIONS | MANAGER_ACTIONS | EVERYONE_ACTIONS | PRIVATE_ACTIONS | ADMIN_ONLY_ACTIONS
_MAX_ID = 2**31 - 1


def signed_in(user: User | None) -> TypeGuard[User]:
    """A real, active account (not None, not Flask-Login's anonymous user)."""
    return (user is not None and bool(getattr(user, "is_authenticated", False))
            and getattr(user, "id", None) is not None and bool(user.is_active))


def visible_plans_stmt(user: User | None) -> Select:
    """A select of the plans this person may read (add filters and ordering to it)."""
    stmt = select(Plan)
    if not signed_in(user):
        return stmt.where(false())
    if user.is_admin:
        return stmt
    return stmt.where(or_(Plan.hire_id == user.id, Plan.manager_id == user.id, Plan.buddy_id == user.id))


def can(user: User | None, plan: Plan, action: str) -> bool:
    """May this person do `action` on this plan?"""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not signed_in(user):
        return False
    is_hire = plan.hire_id == user.id
    is_manager = plan.manager_id is not None and plan.manager_id == user.id
    is_buddy = plan.buddy_id is not None and plan.buddy_id == user.id
    if action in EVERYONE_ACTIONS:
        return user.is_admin or is_hire or is_manager or is_buddy
    if action in PRIVATE_ACTIONS:
        return user.is_admin or is_hire or is_manager
    if action in HIRE_ACTIONS:
        return is_hire
    if action in MANAGER_ACTIONS:
        return user.is_admin or is_manager
    return user.is_admin  # ADMIN_ONLY_ACTIONS


def _as_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number <= _MAX_ID else None


def get_plan_or_404(user: User | None, plan_id, *, write: bool = False, action: str | None = None) -> Plan:
    """The plan if this person may read it (`write`: edit it; `action`: do that); otherwise 404."""
    action = action or ("edit" if write else "read")
    number = _as_id(plan_id)
    plan = db.session.get(Plan, number) if number is not None else None
    if plan is None or not can(user, plan, action):
        abort(404)
    return plan


def get_item_or_404(user: User | None, item_id, action: str) -> PlanItem:
    """The plan item if this person may do `action` on it (complete, sign_off, comment ...); otherwise 404."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    number = _as_id(item_id)
    item = db.session.get(PlanItem, number) if number is not None else None
    if item is None or not can(user, item.plan, action):
        abort(404)
    return item
