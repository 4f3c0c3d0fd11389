"""The Insights page for managers and admins, and every one of its tables as CSV."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_login import login_required
from sqlalchemy import select

from onboarding.core import clock
from onboarding.core.forms import choices
from onboarding.core.web import signed_in_user
from onboarding.extensions import db
from onboarding.insights import charts
from onboarding.insights.cache import cached_insights
from onboarding.insights.counting import counting_for
from onboarding.insights.csv import table_response
from onboarding.insights.forms import InsightFilterForm
from onboarding.insights.queries import InsightFilters, managers_with_reports
from onboarding.insights.tables import RATE_COLUMNS, ROLE_TABLES, TABLES, all_tables, without_role
from onboarding.roles.models import RoleTemplate

bp = Blueprint("insights", __name__, url_prefix="/insights")


@bp.before_request
@login_required
def _managers_and_admins():
    """Insights are for managers and admins; for anyone else the page does not exist (404)."""
    if signed_in_user().role not in ("manager", "admin"):
        abort(404)


def _filters() -> tuple[InsightFilterForm, InsightFilters]:
    """The filter form from the query string; a filter with an error is shown with it and not applied."""
    user = signed_in_user()
    form = InsightFilterForm(request.args)
    form.role.choices = choices([("", "Every role")] + [
        tuple(row) for row in db.session.execute(select(RoleTemplate.slug, RoleTemplate.title)
                                                 .order_by(RoleTemplate.title))])
    if user.is_admin:
        form.manager.choices = choices([("", "Every manager")] + [
            (str(mid), f"{name} ({email})") for mid, name, email in managers_with_reports()])
    else:
        del form.manager  # a manager's insights are their reports': there is nothing to choose
    form.validate()

    def wanted(field):
        return None if field.errors else field.data

    manager = wanted(form.manager) if user.is_admin else None
    start_from, start_to = wanted(form.start_from), wanted(form.start_to)
    return form, InsightFilters(
        role=wanted(form.role) or "",
        manager_id=int(manager) if user.is_admin and manager and manager.isdigit() else None,
        start_from=start_from.replace(day=1) if start_from else None,
        start_until=_next_month(start_to) if start_to else None,
    )


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


@bp.get("")
def index():
    """Ramp per role, template version and start month; the hardest milestones; check-in outcomes."""
    user = signed_in_user()
    form, filters = _filters()
    today = clock.today_for(user)
    insights = cached_insights(user, filters, today)
    tables = all_tables(insights)
    args = {k: v for k, v in request.args.items() if v}
    return render_template(
        "insights/index.html", form=form, insights=insights, tables=tables, args=args, today=today,
        charts=charts, counting_for=counting_for, rate_columns=RATE_COLUMNS,
        role_table=lambda name, role: without_role(ROLE_TABLES[name](insights, [role])),
    ), (400 if form.errors else 200)


@bp.get("/<name>.csv")
def table_csv(name: str):
    """One of the page's tables as CSV, with the same filters."""
    if name not in TABLES:
        abort(404)
    user = signed_in_user()
    form, filters = _filters()
    if form.errors:
        abort(400)
    return table_response(TABLES[name](cached_insights(user, filters, clock.today_for(user))))
