"""The people page (admins): everyone who signs in or gets digests."""
from __future__ import annotations

from math import ceil

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from onboarding.admin.blueprint import bp
from onboarding.core.web import page_arg, run_action
from onboarding.extensions import db
from onboarding.people.forms import PersonForm
from onboarding.people.models import User
from onboarding.people.operations import create_user
from onboarding.plans.models import Plan

PEOPLE_PER_PAGE = 100


@bp.route("/people", methods=["GET", "POST"])
def people():
    """Everyone who signs in or gets a digest, in pages; add a person."""
    form = PersonForm()
    status = 200
    if form.validate_on_submit():
        person, problem = run_action(lambda: create_user(
            email=form.email.data, name=form.name.data, role=form.role.data, password=form.password.data or None,
            manager_email=form.manager_email.data or None, timezone=form.timezone.data,
        ))
        if problem:
            flash(problem.after("Not added: "), "error")
            status = 400
        else:
            flash(f"Added {person.name} ({person.email}).", "success")
            return redirect(url_for("admin.people", q=person.email))
    elif request.method == "POST":
        status = 400
    query = (request.args.get("q") or "").strip()[:200]
    page = page_arg()
    Manager = aliased(User)
    stmt = select(User, Manager.name).outerjoin(Manager, Manager.id == User.manager_id)
    if query:
        pattern = f"%{query.lower().replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(stmt.order_by(func.lower(User.name), User.id)
                              .limit(PEOPLE_PER_PAGE).offset((page - 1) * PEOPLE_PER_PAGE)).all()
    plan_ids = dict(db.session.execute(
        select(Plan.hire_id, func.max(Plan.id)).where(Plan.hire_id.in_([u.id for u, _ in rows]), Plan.is_active)
        .group_by(Plan.hire_id)).all()) if rows else {}
    return render_template("admin/people.html", form=form, rows=rows, total=total, page=page, query=query,
                           pages=max(1, ceil(total / PEOPLE_PER_PAGE)), plan_ids=plan_ids), status
