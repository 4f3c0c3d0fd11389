"""The people pages (admins): everyone who signs in or gets digests; add, edit, deactivate, invite,
export and erase a person."""
from __future__ import annotations

import json
from math import ceil

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from onboarding.admin.blueprint import bp
from onboarding.core import clock
from onboarding.core.forms import MAX_ID, ConfirmForm
from onboarding.core.web import form_errors, page_arg, run_action, signed_in_user
from onboarding.extensions import db
from onboarding.people.forms import PersonEditForm, PersonForm
from onboarding.people.invitations import invite_new_person, send_invitation
from onboarding.people.models import User
from onboarding.people.operations import (
    create_user,
    deactivate_person,
    edit_person,
    reactivate_person,
)
from onboarding.people.pickers import chosen_manager, eligible_people
from onboarding.people.privacy import erase_person, export_person, person_history
from onboarding.plans.models import Plan

PEOPLE_PER_PAGE = 100
STATUS_FILTERS = ("active", "invited", "not invited", "deactivated", "erased")


def get_person_or_404(person_id: int) -> User:
    """The person with this id (ids past the column's range are simply not found)."""
    person = db.session.get(User, person_id) if 0 < person_id <= MAX_ID else None
    if person is None:
        abort(404)
    return person


@bp.route("/people", methods=["GET", "POST"])
def people():
    """Everyone who signs in or gets a digest, in pages, with their status; add a person (and invite them)."""
    form = PersonForm()
    status = 200
    if form.validate_on_submit():
        def add():
            now = clock.now()
            manager = chosen_manager(form.manager_email.data)
            person = create_user(
                email=form.email.data, name=form.name.data, role=form.role.data,
                password=form.password.data or None, manager_email=manager.email if manager else None,
                timezone=form.timezone.data, actor=signed_in_user(), now=now,
            )
            invited = invite_new_person(person, invite=bool(form.invite.data), actor=signed_in_user(), now=now)
            return person, invited

        result, problem = run_action(add)
        if problem:
            flash(problem.after("Not added: "), "error")
            status = 400
        else:
            assert result is not None  # run_action gives the action's result whenever it gives no problem
            person, invited = result
            flash(f"Added {person.name} ({person.email})" + ("; an invitation is on its way." if invited else "."),
                  "success")
            return redirect(url_for("admin.people", q=person.email))
    elif request.method == "POST":
        flash("Not added: " + form_errors(form), "error")
        status = 400
    query = (request.args.get("q") or "").strip()[:200]
    wanted = request.args.get("status", "")
    wanted = wanted if wanted in STATUS_FILTERS else ""
    page = page_arg()
    Manager = aliased(User)
    stmt = select(User, Manager.name).outerjoin(Manager, Manager.id == User.manager_id)
    if query:
        pattern = f"%{query.lower().replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern)))
    has_access = or_(User.password_hash.is_not(None), User.last_signed_in_at.is_not(None))
    live = (User.is_active_account.is_(True), User.erased_at.is_(None))
    stmt = stmt.where(*{
        "": (),
        "erased": (User.erased_at.is_not(None),),
        "deactivated": (User.is_active_account.is_(False), User.erased_at.is_(None)),
        "active": (*live, has_access),
        "invited": (*live, ~has_access, User.invited_at.is_not(None)),
        "not invited": (*live, ~has_access, User.invited_at.is_(None)),
    }[wanted])
    total = db.session.scalars(select(func.count()).select_from(stmt.subquery())).one()
    rows = db.session.execute(stmt.order_by(func.lower(User.name), User.id)
                              .limit(PEOPLE_PER_PAGE).offset((page - 1) * PEOPLE_PER_PAGE)).all()
    plan_ids = dict(db.session.execute(
        select(Plan.hire_id, func.max(Plan.id)).where(Plan.hire_id.in_([u.id for u, _ in rows]), Plan.is_active)
        .group_by(Plan.hire_id)).all()) if rows else {}
    return render_template("admin/people.html", form=form, rows=rows, total=total, page=page, query=query,
                           pages=max(1, ceil(total / PEOPLE_PER_PAGE)), plan_ids=plan_ids, status=wanted,
                           statuses=STATUS_FILTERS, managers=eligible_people(managers_only=True),
                           confirm=ConfirmForm()), status


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
def person(person_id: int):
    """One person: edit name, email, account type, manager and time zone; deactivate, invite, export, erase."""
    person = get_person_or_404(person_id)
    form = PersonEditForm(obj=None if request.method == "POST" else person,
                          manager_email=person.manager.email if person.manager else "")
    status = 200
    if person.erased_at is None and form.validate_on_submit():
        changed, problem = run_action(lambda: edit_person(
            person, actor=signed_in_user(), now=clock.now(), name=form.name.data, email=form.email.data,
            role=form.role.data, manager=chosen_manager(form.manager_email.data, current=person.manager),
            timezone=form.timezone.data))
        if problem:
            flash(problem.after("Not saved: "), "error")
            status = 400
        else:
            flash(f"Saved {person.name}." if changed else "Nothing changed.", "success" if changed else "info")
            return redirect(url_for("admin.person", person_id=person.id))
    elif request.method == "POST":
        flash("Not saved: " + (form_errors(form) if person.erased_at is None else "this person was erased."), "error")
        status = 400
    plan_id = db.session.scalar(select(func.max(Plan.id)).where(Plan.hire_id == person.id))
    return render_template("admin/person.html", person=person, form=form, confirm=ConfirmForm(), plan_id=plan_id,
                           managers=eligible_people(managers_only=True), events=person_history(person)), status


def _person_action(person_id: int, action, done: str, refused: str):
    person = get_person_or_404(person_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(refused + form_errors(form), "error")
        return redirect(url_for("admin.person", person_id=person.id)), 400
    _, problem = run_action(lambda: action(person, actor=signed_in_user(), now=clock.now()))
    if problem:
        flash(problem.after(refused), "error")
        return redirect(url_for("admin.person", person_id=person.id)), 400
    flash(done.format(name=person.name), "success")
    return redirect(url_for("admin.person", person_id=person.id))


@bp.post("/people/<int:person_id>/deactivate")
def person_deactivate(person_id: int):
    """Deactivate: no sign-in, no digests; the plan and history stay."""
    return _person_action(person_id, deactivate_person, "{name} is deactivated: they cannot sign in or get digests.",
                          "Not deactivated: ")


@bp.post("/people/<int:person_id>/reactivate")
def person_reactivate(person_id: int):
    """Reactivate a deactivated person."""
    return _person_action(person_id, reactivate_person, "{name} is active again.", "Not reactivated: ")


@bp.post("/people/<int:person_id>/invite")
def person_invite(person_id: int):
    """Send (again) an invitation to set a password; earlier links stop working."""
    return _person_action(person_id, send_invitation, "An invitation to {name} is on its way.", "Not invited: ")


@bp.get("/people/<int:person_id>/export")
def person_export(person_id: int):
    """Everything stored about a person, as a JSON download (recorded in the audit log)."""
    person = get_person_or_404(person_id)
    document = export_person(person, actor=signed_in_user(), now=clock.now())
    db.session.commit()  # the export is itself recorded
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="person-{person.id}.json"'})


@bp.route("/people/<int:person_id>/erase", methods=["GET", "POST"])
def person_erase(person_id: int):
    """Erase a person who left, after a confirmation: personal data removed, plan figures kept anonymous."""
    person = get_person_or_404(person_id)
    form = ConfirmForm()
    status = 200
    if form.validate_on_submit():
        typed = (request.form.get("confirm_email") or "").strip().lower()[:254]
        if typed != person.email:
            flash("Not erased: type the person's email address exactly to confirm.", "error")
            status = 400
        else:
            _, problem = run_action(lambda: erase_person(person, actor=signed_in_user(), now=clock.now()))
            if problem:
                flash(problem.after("Not erased: "), "error")
                status = 400
            else:
                flash(f"Erased. The person is now “{person.name}”; their plan's figures stay, anonymous.", "success")
                return redirect(url_for("admin.person", person_id=person.id))
    elif request.method == "POST":
        status = 400
    return render_template("admin/person_erase.html", person=person, form=form), status
