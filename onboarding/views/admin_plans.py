"""Admin pages for plans and people: every plan with filters, adding a hire, per-plan edits,
moving a plan to a newer template version, the people list and the working-day rule.

Registered on the admin blueprint (so every route here is admin-only through its before_request);
the plan and item look-ups still go through services/access.py like every other page.
"""
from __future__ import annotations

import logging
from math import ceil

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from onboarding.extensions import db
from onboarding.forms_plans import (
    AddItemForm,
    ConfirmForm,
    EditItemForm,
    HireForm,
    HolidayForm,
    MoveStartForm,
    PersonForm,
    PlanFilterForm,
    PlanPeopleForm,
    UpgradeForm,
    WaiveForm,
    WorkingDaysForm,
    choices,
)
from onboarding.models import OrgSettings, Plan, RoleTemplate, RoleTemplateVersion, User
from onboarding.services import ServiceError
from onboarding.services.access import get_item_or_404, get_plan_or_404
from onboarding.services.overview import PlanFilters, admin_plan_rows, phase_name, plan_overview
from onboarding.services.people import create_user, get_user_by_email, normalise_email
from onboarding.services.plans import (
    add_holiday,
    add_item,
    assign_plan_people,
    edit_item_text,
    hire_person_with_plan,
    list_holidays,
    move_start_date,
    preview_upgrade,
    remove_holiday,
    set_working_days_only,
    upgrade_plan,
    waive_item,
)
from onboarding.services.roles import latest_version
from onboarding.services.status import STATUSES
from onboarding.views import clock
from onboarding.views.admin import bp
from onboarding.views.plan_forms import Problem, form_errors, run_action

logger = logging.getLogger(__name__)

PLANS_PER_PAGE = 50
PEOPLE_PER_PAGE = 100


def _actor() -> User:
    return current_user._get_current_object()


def _page_arg() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))


# --- every plan ----------------------------------------------------------------------------------


@bp.get("/plans")
def plans():
    """Every plan, filtered by role, manager, status and start month, in pages; plans without a manager too."""
    form = PlanFilterForm(request.args)
    form.role.choices = choices([("", "Any role")] + [
        (slug, title) for slug, title in db.session.execute(select(RoleTemplate.slug, RoleTemplate.title)
                                                            .order_by(RoleTemplate.title))])
    managers = db.session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(select(Plan.manager_id).where(Plan.manager_id.is_not(None))))
        .order_by(func.lower(User.name))
    ).all()
    form.manager.choices = choices([("", "Any manager"), ("none", "No manager yet")] + [
        (str(mid), f"{name} ({email})") for mid, name, email in managers])
    form.status.choices = choices([("", "Any status")] + [(s, s.capitalize()) for s in STATUSES])
    form.validate()

    def wanted(field) -> str:  # a filter with an error is shown with it, and not applied
        return "" if field.errors else (field.data or "")

    filters = PlanFilters(role=wanted(form.role), manager=wanted(form.manager), status=wanted(form.status),
                          month=wanted(form.month), include_finished=bool(form.include_finished.data))
    page = _page_arg()
    today = clock.today_for(current_user)
    rows, total = admin_plan_rows(_actor(), filters, today, page=page, per_page=PLANS_PER_PAGE)
    pages = max(1, ceil(total / PLANS_PER_PAGE))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/plans.html", form=form, rows=rows, total=total, page=page, pages=pages, args=args,
                           filtered=bool(args)), (400 if form.errors else 200)


# --- adding a hire -------------------------------------------------------------------------------


def _role_choices() -> list[tuple[str, str]]:
    return [(slug, title) for slug, title in db.session.execute(
        select(RoleTemplate.slug, RoleTemplate.title).where(RoleTemplate.latest_number > 0).order_by(RoleTemplate.title))]


@bp.route("/plans/new", methods=["GET", "POST"])
def hire_new():
    """Add a hire: a person (new or existing), a role template, a start date, a manager and an optional buddy."""
    form = HireForm()
    roles = _role_choices()
    form.role.choices = choices([("", "Choose a role")] + roles)
    if request.method == "GET" and request.args.get("role"):
        form.role.data = request.args["role"]
    status = 200
    if form.validate_on_submit():
        template = db.session.scalar(select(RoleTemplate).where(RoleTemplate.slug == form.role.data))
        try:
            if template is None:
                raise ServiceError("choose a role template from the list")
            result = hire_person_with_plan(
                email=form.email.data, name=form.name.data, template_version=latest_version(template),
                start_on=form.start_on.data, manager_email=form.manager_email.data or None,
                buddy_email=form.buddy_email.data or None, timezone_name=form.timezone.data,
                actor=_actor(), now=clock.now(),
            )
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(f"Not added: {exc}.", "error")
            status = 400
        else:
            who = "new account" if result.is_new_person else "existing account kept"
            flash(f"Added {result.hire.name} ({who}) with a plan from {template.title}.", "success")
            for warning in result.warnings:
                flash(f"Warning: {warning}.", "warning")
            return redirect(url_for("admin.plan", plan_id=result.plan.id))
    elif request.method == "POST":
        status = 400
    if not roles:
        flash("There are no role templates yet: import a blueprint first.", "info")
    return render_template("admin/hire_new.html", form=form), status


# --- one plan ------------------------------------------------------------------------------------


def _render_plan(plan: Plan, problem: Problem | None = None, forms: dict | None = None):
    ov = plan_overview(plan, clock.today_for(current_user))
    forms = forms or {}
    start_form = forms.get("start") or MoveStartForm(formdata=None, start_on=plan.start_on)
    people_form = forms.get("people") or PlanPeopleForm(
        formdata=None, manager_email=plan.manager.email if plan.manager else "",
        buddy_email=plan.buddy.email if plan.buddy else "")
    add_form = forms.get("add") or AddItemForm(formdata=None)
    add_form.phase.choices = choices((p.key, p.heading) for p in ov.phases)
    add_form.parent.choices = choices([("", "(top level of the phase)")] + [
        (str(i.id), f"{phase_name(i.phase_key)}: {i.text[:80]}") for i in plan.items if i.parent_id is None])
    template = plan.template_version.template
    newer = template.latest_number > plan.template_version.number
    return render_template(
        "admin/plan.html", ov=ov, problem=problem, start_form=start_form, people_form=people_form,
        add_form=add_form, template=template, newer=newer,
    ), (problem.status if problem else 200)


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    """One plan for an admin: move the start date, set manager and buddy, add, edit or waive items, upgrade."""
    return _render_plan(get_plan_or_404(_actor(), plan_id, action="edit"))


def _done(plan_id: int, message: str, anchor: str | None = None):
    flash(message, "success")
    return redirect(url_for("admin.plan", plan_id=plan_id, _anchor=anchor))


@bp.post("/plans/<int:plan_id>/start")
def plan_start(plan_id: int):
    """Move a plan's start date: due dates of items not yet done move with it."""
    plan = get_plan_or_404(_actor(), plan_id, action="edit")
    form = MoveStartForm()
    if not form.validate():
        return _render_plan(plan, Problem(form_errors(form), form="start"), {"start": form})
    moved, problem = run_action(lambda: move_start_date(plan, form.start_on.data, _actor(), clock.now()), form="start")
    if problem is not None:
        return _render_plan(plan, problem, {"start": form})
    return _done(plan.id, f"Start date is now {form.start_on.data.isoformat()}; {moved} due date"
                          f"{'s' if moved != 1 else ''} moved.")


def _person_or_problem(email: str | None, what: str) -> User | None:
    if not email or not email.strip():
        return None
    person = get_user_by_email(normalise_email(email))
    if person is None:
        raise ServiceError(f"no person with the email {email.strip().lower()[:254]} (the {what}): add them on the People page first")
    return person


@bp.post("/plans/<int:plan_id>/people")
def plan_people(plan_id: int):
    """Set or change a plan's manager and buddy."""
    plan = get_plan_or_404(_actor(), plan_id, action="edit")
    form = PlanPeopleForm()
    if not form.validate():
        return _render_plan(plan, Problem(form_errors(form), form="people"), {"people": form})

    def assign():
        manager = _person_or_problem(form.manager_email.data, "manager")
        buddy = _person_or_problem(form.buddy_email.data, "buddy")
        return assign_plan_people(plan, manager=manager, buddy=buddy, actor=_actor(), now=clock.now())

    changed, problem = run_action(assign, form="people")
    if problem is not None:
        return _render_plan(plan, problem, {"people": form})
    return _done(plan.id, "Manager and buddy saved." if changed else "Nothing changed.")


@bp.post("/plans/<int:plan_id>/items")
def item_add(plan_id: int):
    """Add an item to this plan only (the template is not touched)."""
    plan = get_plan_or_404(_actor(), plan_id, action="edit")
    form = AddItemForm()
    form.phase.choices = choices((key, key) for key in sorted({i.phase_key for i in plan.items} | {
        p["key"] for p in plan.template_version.phases if p.get("due")}))
    form.parent.choices = choices([("", "")] + [(str(i.id), "") for i in plan.items if i.parent_id is None])
    if not form.validate():
        return _render_plan(plan, Problem(form_errors(form), form="add"), {"add": form})
    parent = None
    if form.parent.data:
        parent = get_item_or_404(_actor(), form.parent.data, "edit")
        if parent.plan_id != plan.id:
            abort(404)
    item, problem = run_action(lambda: add_item(plan, form.phase.data, form.text.data, _actor(), clock.now(), parent),
                               form="add")
    if problem is not None:
        return _render_plan(plan, problem, {"add": form})
    return _done(plan.id, f"Added “{item.text}” to this plan.", f"item-{item.id}")


@bp.post("/items/<int:item_id>/edit")
def item_edit(item_id: int):
    """Reword an item for this plan only."""
    item = get_item_or_404(_actor(), item_id, "edit")
    form = EditItemForm()
    values = {"text": form.text.data or ""}
    if not form.validate():
        return _render_plan(item.plan, Problem(form_errors(form), item_id=item.id, form="edit", values=values))
    _, problem = run_action(lambda: edit_item_text(item, form.text.data, _actor(), clock.now(),
                                                   expected_version=form.version.data),
                            item_id=item.id, form="edit", values=values)
    if problem is not None:
        return _render_plan(item.plan, problem)
    return _done(item.plan_id, "Item text saved.", f"item-{item.id}")


@bp.post("/items/<int:item_id>/waive")
def item_waive(item_id: int):
    """Waive an item for this hire, with a reason (on a parent: its open sub-items too)."""
    item = get_item_or_404(_actor(), item_id, "waive")
    form = WaiveForm()
    values = {"reason": form.reason.data or ""}
    if not form.validate():
        return _render_plan(item.plan, Problem(form_errors(form), item_id=item.id, form="waive", values=values))
    count, problem = run_action(lambda: waive_item(item, _actor(), form.reason.data, clock.now(),
                                                   expected_version=form.version.data),
                                item_id=item.id, form="waive", values=values)
    if problem is not None:
        return _render_plan(item.plan, problem)
    return _done(item.plan_id, f"Waived {count} item{'s' if count != 1 else ''}.", f"item-{item.id}")


def _newer_versions(plan: Plan) -> list[RoleTemplateVersion]:
    return list(db.session.scalars(
        select(RoleTemplateVersion)
        .where(RoleTemplateVersion.template_id == plan.template_version.template_id,
               RoleTemplateVersion.number > plan.template_version.number)
        .order_by(RoleTemplateVersion.number.desc())))


@bp.route("/plans/<int:plan_id>/upgrade", methods=["GET", "POST"])
def plan_upgrade(plan_id: int):
    """Move a plan to a newer template version: preview what is kept, added and removed, then confirm."""
    plan = get_plan_or_404(_actor(), plan_id, action="upgrade")
    newer = _newer_versions(plan)
    if request.method == "POST":
        form = UpgradeForm()
        if not form.validate():
            flash(form_errors(form), "error")
            return redirect(url_for("admin.plan_upgrade", plan_id=plan.id))
        target = next((v for v in newer if v.number == form.version.data), None)
        if target is None:
            flash("That version is not newer than the plan's, or does not exist. Nothing changed.", "error")
            return redirect(url_for("admin.plan_upgrade", plan_id=plan.id))
        preview, problem = run_action(lambda: upgrade_plan(plan, target, _actor(), clock.now()))
        if problem is not None:
            flash(problem.message, "error")
            return redirect(url_for("admin.plan_upgrade", plan_id=plan.id))
        return _done(plan.id, f"Moved to version {target.number}: {len(preview.added)} added, "
                              f"{len(preview.removed)} removed, {len(preview.kept)} kept.")
    preview = None
    if newer:
        wanted = request.args.get("version", type=int)
        target = next((v for v in newer if v.number == wanted), newer[0])
        preview = preview_upgrade(plan, target)
    return render_template("admin/plan_upgrade.html", plan=plan, newer=newer, preview=preview,
                           form=UpgradeForm(formdata=None, version=preview.new_version.number if preview else None))


# --- people --------------------------------------------------------------------------------------


@bp.route("/people", methods=["GET", "POST"])
def people():
    """Everyone who signs in or gets a digest, in pages; add a person."""
    form = PersonForm()
    status = 200
    if form.validate_on_submit():
        try:
            person = create_user(
                email=form.email.data, name=form.name.data, role=form.role.data, password=form.password.data or None,
                manager_email=form.manager_email.data or None, timezone=form.timezone.data,
            )
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(f"Not added: {exc}.", "error")
            status = 400
        else:
            flash(f"Added {person.name} ({person.email}).", "success")
            return redirect(url_for("admin.people", q=person.email))
    elif request.method == "POST":
        status = 400
    query = (request.args.get("q") or "").strip()[:200]
    page = _page_arg()
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


# --- working days and holidays -------------------------------------------------------------------


def _render_holidays(holiday_form: HolidayForm | None = None, status: int = 200):
    settings = db.session.get(OrgSettings, 1)  # read only: the row is made by the first change
    is_on = bool(settings and settings.is_working_days_only)
    days_form = WorkingDaysForm(formdata=None, is_working_days_only=is_on)
    return render_template("admin/holidays.html", days_form=days_form, holiday_form=holiday_form or HolidayForm(
        formdata=None), holidays=list_holidays(), is_on=is_on), status


@bp.route("/holidays", methods=["GET", "POST"])
def holidays():
    """The working-day rule and the holiday list (add a holiday here)."""
    if request.method == "GET":
        return _render_holidays()
    form = HolidayForm()
    if not form.validate():
        flash(f"Not added: {form_errors(form)}", "error")
        return _render_holidays(form, 400)
    _, problem = run_action(lambda: add_holiday(form.on.data, form.name.data, actor=_actor(), now=clock.now()))
    if problem is not None:
        flash(f"Not added: {problem.message}", "error")
        return _render_holidays(form, 400)
    flash(f"Added {form.on.data.isoformat()} ({form.name.data.strip()}) to the holidays.", "success")
    return redirect(url_for("admin.holidays"))


@bp.post("/holidays/working-days")
def working_days():
    """Turn the working-day rule on or off."""
    form = WorkingDaysForm()
    if not form.validate():
        flash(form_errors(form), "error")
        return _render_holidays(status=400)
    settings, problem = run_action(lambda: set_working_days_only(bool(form.is_working_days_only.data), _actor(),
                                                                 clock.now()))
    if problem is not None:
        flash(problem.message, "error")
        return _render_holidays(status=400)
    flash("Due dates now fall on working days only (for plans made or moved from now on)."
          if settings.is_working_days_only else "Due dates may now fall on any day.", "success")
    return redirect(url_for("admin.holidays"))


@bp.post("/holidays/<int:holiday_id>/delete")
def holiday_delete(holiday_id: int):
    """Take a day off the holiday list."""
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    _, problem = run_action(lambda: remove_holiday(holiday_id, actor=_actor(), now=clock.now()))
    if problem is not None:
        abort(404)
    flash("Holiday removed.", "success")
    return redirect(url_for("admin.holidays"))
