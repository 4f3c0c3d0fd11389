"""Plans: the list with the admin page's filters and cursor paging, one plan, moving its start date, check-ins."""
from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from onboarding.api.auth import api_user
from onboarding.api.blueprint import bp, spec
from onboarding.api.errors import ApiProblem
from onboarding.api.idempotency import perform
from onboarding.api.schemas import (
    CheckIn,
    CheckInIn,
    PlanDocument,
    PlanPage,
    PlanQuery,
    StartDateIn,
    StartDateMoved,
)
from onboarding.api.views.common import body, query, responses
from onboarding.core import clock
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.people.operations import get_user_by_email
from onboarding.plans.access import get_plan_or_404, visible_plans_stmt
from onboarding.plans.check_ins import record_check_in
from onboarding.plans.edits import move_start_date
from onboarding.plans.models import Plan
from onboarding.plans.queries import _month_bounds
from onboarding.plans.reading import plan_as_json
from onboarding.plans.status import progress_for_plans
from onboarding.roles.models import RoleTemplate, RoleTemplateVersion

TAGS = ["plans"]


#: plans read per round while filling a page filtered by (computed) status
STATUS_SCAN_BATCH = 500


def plan_document(plan: Plan, user: User) -> dict:
    """`plans show --json` plus the plan's id, with the status as of the person's today."""
    return {"id": plan.id, **plan_as_json(plan, today=clock.today_for(user))}


@bp.get("/plans")
@spec.validate(query=PlanQuery, resp=responses(200, PlanPage, 422), tags=TAGS)
def list_plans():
    """List the plans this token may read, in id order, filtered like the admin page; page on with `cursor`."""
    q: PlanQuery = query()
    user = api_user()
    Manager = aliased(User)
    stmt = (
        select(Plan.id, Plan.is_active, Plan.start_on, User.email, User.name, Manager.email,
               RoleTemplate.title, RoleTemplate.slug)
        .join(User, User.id == Plan.hire_id)
        .outerjoin(Manager, Manager.id == Plan.manager_id)
        .join(RoleTemplateVersion, RoleTemplateVersion.id == Plan.template_version_id)
        .join(RoleTemplate, RoleTemplate.id == RoleTemplateVersion.template_id)
        .where(Plan.id.in_(visible_plans_stmt(user).with_only_columns(Plan.id)))
        .order_by(Plan.id)
    )
    if not q.include_finished:
        stmt = stmt.where(Plan.is_active.is_(True))
    if q.role:
        stmt = stmt.where(RoleTemplate.slug == q.role)
    if q.manager == "none":
        stmt = stmt.where(Plan.manager_id.is_(None))
    elif q.manager:
        manager = get_user_by_email(q.manager)
        stmt = stmt.where(Plan.manager_id == (manager.id if manager else -1))
    if q.start_month:
        bounds = _month_bounds(q.start_month)
        if bounds is None:
            raise ApiProblem(422, "start_month must be a month such as 2026-03.")
        first, after_last = bounds
        stmt = stmt.where(and_(Plan.start_on >= first, Plan.start_on < after_last))
    after = int(q.cursor) if q.cursor else 0
    today = clock.today_for(user)
    picked: list[tuple] = []
    # Status is computed, not stored: read in rounds until the page (plus one, to know if there is more) is full.
    batch = q.limit + 1 if not q.status else max(STATUS_SCAN_BATCH, q.limit + 1)
    while len(picked) <= q.limit:
        rows = db.session.execute(stmt.where(Plan.id > after).limit(batch)).all()
        if not rows:
            break
        progress = progress_for_plans([r[0] for r in rows], today)
        for row in rows:
            status = progress[row[0]].status
            if not q.status or status == q.status:
                picked.append((row, status))
        after = rows[-1][0]
        if len(rows) < batch:
            break
    page = picked[: q.limit]
    data = [{"id": r[0], "is_active": r[1], "start_on": r[2].isoformat(),
             "hire": {"email": r[3], "name": r[4], "manager": r[5]}, "role": r[6], "role_slug": r[7],
             "status": status} for r, status in page]
    next_cursor = str(page[-1][0][0]) if len(picked) > q.limit else None
    return {"data": data, "next": next_cursor}


@bp.get("/plans/<int:plan_id>")
@spec.validate(resp=responses(200, PlanDocument, 404), tags=TAGS)
def get_plan(plan_id: int):
    """One plan in the `onboarding plans show --json` shape, plus its id."""
    plan = get_plan_or_404(api_user(), plan_id)
    return plan_document(plan, api_user())


@bp.post("/plans/<int:plan_id>/start-date")
@spec.validate(json=StartDateIn, resp=responses(200, StartDateMoved, 404, 409, 422), tags=TAGS)
def move_start(plan_id: int):
    """Move the start date: the due dates of items not yet done move with it (the plan's manager or an admin)."""
    user = api_user()
    plan = get_plan_or_404(user, plan_id, action="edit")
    data: StartDateIn = body()

    def action() -> dict:
        moved = move_start_date(plan, data.start_on, user, clock.now())
        return {"plan": plan_document(plan, user), "items_moved": moved}

    return perform(action)


@bp.post("/plans/<int:plan_id>/check-ins")
@spec.validate(json=CheckInIn, resp=responses(201, CheckIn, 404, 409, 422), tags=TAGS)
def check_in(plan_id: int):
    """Record the manager's check-in at the end of a dated phase (the plan's manager or an admin)."""
    user = api_user()
    plan = get_plan_or_404(user, plan_id, action="check_in")
    data: CheckInIn = body()

    def action() -> dict:
        row = record_check_in(plan, data.phase, user, data.status, data.notes, clock.now())
        assert row.recorded_at is not None  # record_check_in records it
        return {"plan_id": plan.id, "phase": row.phase_key, "status": row.status, "notes": row.notes,
                "self_assessment": row.self_assessment, "recorded_at": row.recorded_at.isoformat()}

    return perform(action, 201)

