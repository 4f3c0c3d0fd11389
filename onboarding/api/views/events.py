"""The audit log as a change feed: `GET /api/v1/events?after=CURSOR`, the events of plans this token may read."""
from __future__ import annotations

from sqlalchemy import or_, select

from onboarding.api.auth import api_user
from onboarding.api.blueprint import bp, spec
from onboarding.api.schemas import EventPage, EventQuery
from onboarding.api.views.common import query, responses
from onboarding.audit.feed import event_data
from onboarding.audit.models import Event
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.access import visible_plans_stmt
from onboarding.plans.models import Plan
from onboarding.plans.queries import CHECK_IN_EVENTS


@bp.get("/events")
@spec.validate(query=EventQuery, resp=responses(200, EventPage, 422), tags=["events"])
def list_events():
    """Events after the cursor, oldest first. Poll with `after` set to the last `next` you got: `next` is the
    cursor of the last event returned (null when there is nothing new; keep your cursor then)."""
    q: EventQuery = query()
    user = api_user()
    stmt = (select(Event, User.email).outerjoin(User, User.id == Event.actor_id)
            .where(Event.id > int(q.after or 0)).order_by(Event.id).limit(q.limit))
    if not user.is_admin:  # an admin reads everything, organisation-wide events (holidays ...) too
        stmt = stmt.where(Event.plan_id.in_(visible_plans_stmt(user).with_only_columns(Plan.id)))
        # as on the pages, a buddy never reads check-in ratings, notes or self-assessments
        hire_or_manager = select(Plan.id).where(or_(Plan.hire_id == user.id, Plan.manager_id == user.id))
        stmt = stmt.where(or_(Event.kind.not_in(CHECK_IN_EVENTS), Event.plan_id.in_(hire_or_manager)))
    rows = db.session.execute(stmt).all()
    return {"data": [event_data(e, email) for e, email in rows], "next": str(rows[-1][0].id) if rows else None}
