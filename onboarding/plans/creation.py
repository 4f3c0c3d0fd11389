"""Making plans: a dated snapshot of a template version for one hire."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.checks import check_date
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.people.operations import (
    check_name,
    check_timezone,
    create_user,
    get_user_by_email,
    normalise_email,
)
from onboarding.plans.checks import POSITION_STEP
from onboarding.plans.due_dates import dated_phases, due_offsets, load_calendar
from onboarding.plans.models import Plan, PlanItem
from onboarding.roles.models import RoleTemplateVersion

logger = logging.getLogger(__name__)


class ActivePlanExists(ServiceError):
    """The hire already has an active plan (a second one is never made: imports skip the row)."""


def active_plan_for(hire: User) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.hire_id == hire.id, Plan.is_active.is_(True)))


def create_plan(*, hire: User, template_version: RoleTemplateVersion, start_on: date, manager: User | None,
                buddy: User | None, actor: User | None, now: datetime) -> Plan:
    """Make a hire's plan: a dated snapshot of a template version's milestones (long-term is guidance only)."""
    start_on = check_date(start_on, "start date")
    if active_plan_for(hire) is not None:
        raise ActivePlanExists(f"{hire.email} already has an active plan; finish it before making another")
    if manager is not None and manager.id == hire.id:
        raise ServiceError("a hire cannot be their own manager")
    if buddy is not None and buddy.id == hire.id:
        raise ServiceError("a hire cannot be their own buddy")
    plan = Plan(hire=hire, template_version=template_version, manager=manager, buddy=buddy, start_on=start_on,
                is_active=True, created_at=now)
    db.session.add(plan)
    cal = load_calendar()
    position = 0
    for phase in dated_phases(template_version):
        offset_days, offset_months = due_offsets(phase["due"])
        due_on = cal.due(start_on, offset_days, offset_months)

        def add(milestones: list[dict], parent: PlanItem | None) -> None:
            nonlocal position
            for milestone in milestones:
                position += POSITION_STEP
                item = PlanItem(plan=plan, parent=parent, position=position, phase_key=phase["key"],
                                text=milestone["text"], offset_days=offset_days, offset_months=offset_months,
                                due_on=due_on, state="open")
                db.session.add(item)
                add(milestone.get("children") or [], item)

        add(phase.get("milestones") or [], None)
    db.session.flush()
    record_event(plan, EventType.PLAN_CREATED, actor, now, new={
        "template": template_version.template.slug if template_version.template else None,
        "template_version": template_version.number, "start_on": start_on.isoformat(),
        "manager": manager.email if manager else None, "buddy": buddy.email if buddy else None,
        "items": len(plan.items),
    })
    logger.info("plan %s made for %s from version %s", plan.id, hire.email, template_version.id)
    return plan


def _person_by_email(email: str | None, what: str) -> User | None:
    if email is None or not str(email).strip():
        return None
    email = normalise_email(email)
    person = get_user_by_email(email)
    if person is None:
        raise ServiceError(f"no person with the email {email} (the {what}): add them first with `onboarding users add`")
    if not person.is_active_account:
        raise ServiceError(f"{email} (the {what}) is deactivated: choose someone active")
    return person


@dataclass
class HireResult:
    plan: Plan
    hire: User
    #: a new account was made (False: an existing person got the plan and kept their account)
    is_new_person: bool
    warnings: list[str] = field(default_factory=list)


def hire_person_with_plan(*, email: str, name: str, template_version: RoleTemplateVersion, start_on: date,
                          manager_email: str | None, buddy_email: str | None = None, timezone_name: str = "UTC",
                          actor: User | None, now: datetime) -> HireResult:
    """Add a hire and their plan; a person who already exists keeps their account and gets the plan."""
    email = normalise_email(email)
    manager = _person_by_email(manager_email, "manager")
    buddy = _person_by_email(buddy_email, "buddy")
    existing = get_user_by_email(email)
    is_new = existing is None
    if existing is None:
        hire = create_user(email=email, name=check_name(name), role="hire", timezone=check_timezone(timezone_name))
        hire.manager = manager
    else:
        hire = existing
        if manager is None:
            manager = hire.manager
        elif hire.manager_id is None:
            hire.manager = manager
    plan = create_plan(hire=hire, template_version=template_version, start_on=start_on, manager=manager,
                       buddy=buddy, actor=actor, now=now)
    warnings = [] if manager else [f"{hire.email} has no manager yet: the plan is on the admin dashboard's list"]
    return HireResult(plan, hire, is_new, warnings)
