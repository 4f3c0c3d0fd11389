"""Hires: add one with their plan (admins), list the hires this token may see, read one."""
from __future__ import annotations

from sqlalchemy import func, select

from onboarding.api.auth import api_user
from onboarding.api.blueprint import bp, spec
from onboarding.api.errors import ApiProblem
from onboarding.api.idempotency import perform
from onboarding.api.schemas import MAX_ID, HireCreated, HireIn, HirePage, PageQuery
from onboarding.api.schemas import Hire as HireModel
from onboarding.api.views.common import body, next_cursor, query, require_admin, responses
from onboarding.api.views.plans import plan_document
from onboarding.core import clock
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.people.invitations import invite_new_person
from onboarding.people.models import User
from onboarding.plans.access import visible_plans_stmt
from onboarding.plans.creation import hire_person_with_plan
from onboarding.plans.models import Plan
from onboarding.roles.operations import get_template_by_slug, latest_version

TAGS = ["hires"]


def _hires_stmt(user: User):
    """(hire, their newest visible plan id, their manager's email) for every hire with a plan this person sees."""
    visible = visible_plans_stmt(user).with_only_columns(Plan.hire_id, func.max(Plan.id).label("plan_id")) \
        .group_by(Plan.hire_id).subquery()
    manager = User.__table__.alias("manager")
    return (select(User.id, User.email, User.name, manager.c.email, visible.c.plan_id)
            .join(visible, visible.c.hire_id == User.id)
            .outerjoin(manager, manager.c.id == User.manager_id)
            .order_by(User.id))


def _hire_json(row) -> dict:
    return {"id": row[0], "email": row[1], "name": row[2], "manager": row[3], "plan_id": row[4]}


@bp.get("/hires")
@spec.validate(query=PageQuery, resp=responses(200, HirePage, 422), tags=TAGS)
def list_hires():
    """The hires whose plans this token may read (an admin: every hire), by id."""
    q: PageQuery = query()
    stmt = _hires_stmt(api_user())
    if q.cursor:
        stmt = stmt.where(User.id > int(q.cursor))
    rows = db.session.execute(stmt.limit(q.limit + 1)).all()
    return {"data": [_hire_json(r) for r in rows[: q.limit]], "next": next_cursor(rows, q.limit, key=lambda r: r[0])}


@bp.get("/hires/<int:hire_id>")
@spec.validate(resp=responses(200, HireModel, 404), tags=TAGS)
def get_hire(hire_id: int):
    """One hire, with their newest plan this token may read."""
    row = None
    if hire_id <= MAX_ID:
        row = db.session.execute(_hires_stmt(api_user()).where(User.id == hire_id)).first()
    if row is None:
        raise ApiProblem(404)
    return _hire_json(row)


@bp.post("/hires")
@spec.validate(json=HireIn, resp=responses(201, HireCreated, 403, 409, 422), tags=TAGS)
def create_hire():
    """Add a hire and their plan (admins); a person who already exists keeps their account and gets the plan.
    A new person is mailed an invitation to set a password unless `invite` is false."""
    user = api_user()
    require_admin(user)
    data: HireIn = body()

    def action() -> dict:
        now = clock.now()
        template = get_template_by_slug(data.role)
        if template is None:
            raise ServiceError(f"there is no role template '{data.role[:80]}'")
        result = hire_person_with_plan(
            email=data.email, name=data.name, template_version=latest_version(template), start_on=data.start_on,
            manager_email=data.manager, buddy_email=data.buddy, timezone_name=data.timezone, actor=user,
            now=now)
        if result.is_new_person:  # someone who already had an account keeps their way in
            invite_new_person(result.hire, invite=data.invite, actor=user, now=now)
        db.session.flush()
        hire = result.hire
        return {"hire": {"id": hire.id, "email": hire.email, "name": hire.name,
                         "manager": result.plan.manager.email if result.plan.manager else None,
                         "plan_id": result.plan.id},
                "plan": plan_document(result.plan, user)}

    return perform(action, 201)
