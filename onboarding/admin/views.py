"""The admin dashboard."""
from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from onboarding.admin.blueprint import bp
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.models import Plan
from onboarding.roles.models import RoleTemplate


@bp.get("/")
def dashboard():
    """Organisation overview: counts, and what needs an admin's attention."""
    role_count = db.session.scalar(select(func.count()).select_from(RoleTemplate))
    active_plans = db.session.scalar(select(func.count()).select_from(Plan).where(Plan.is_active))
    people = db.session.scalar(select(func.count()).select_from(User))
    no_manager = db.session.execute(
        select(Plan.id, User.name, User.email)
        .join(User, User.id == Plan.hire_id)
        .where(Plan.is_active, Plan.manager_id.is_(None))
        .order_by(User.name)
        .limit(200)
    ).all()
    return render_template(
        "admin/dashboard.html", role_count=role_count, active_plans=active_plans, people=people,
        no_manager=no_manager,
    )
