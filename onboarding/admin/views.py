"""The admin dashboard: what needs an admin, each count a link to its filtered list."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from onboarding.admin.attention import attention_counts
from onboarding.admin.blueprint import bp
from onboarding.core import clock
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.models import Plan
from onboarding.roles.models import RoleTemplate

#: plans without a manager named on the dashboard (the count and its link give them all)
NO_MANAGER_SHOWN = 10


@bp.get("/")
def dashboard():
    """Organisation overview: what needs an admin's attention, with links to act on it."""
    counts = attention_counts(clock.today_for(current_user))
    role_count = db.session.scalar(select(func.count()).select_from(RoleTemplate))
    people = db.session.scalar(select(func.count()).select_from(User))
    no_manager = db.session.execute(
        select(Plan.id, User.name, User.email)
        .join(User, User.id == Plan.hire_id)
        .where(Plan.is_active, Plan.manager_id.is_(None))
        .order_by(func.lower(User.name), Plan.id)
        .limit(NO_MANAGER_SHOWN)
    ).all() if counts.no_manager else []
    return render_template("admin/dashboard.html", counts=counts, role_count=role_count, people=people,
                           no_manager=no_manager)
