"""Admin plan pages: all plans with filters, add a hire, one plan's people, dates, items and upgrade."""
from __future__ import annotations

import logging
from math import ceil

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from onboarding.admin.blueprint import bp
from onboarding.core import clock
from onboarding.core.csv_files import csv_response
from onboarding.core.errors import ServiceError
from onboarding.core.formatting import nice_date, plural, sentence
from onboarding.core.forms import choices
from onboarding.core.phases import phase_name
from onboarding.core.web import (
    Problem,
    form_errors,
    page_arg,
    run_action,
    signed_in_user,
)
from onboarding.extensions import db
from onboarding.people.invitations import invite_new_person
from onboarding.people.models import User
from onboarding.people.operations import get_user_by_email, normalise_email
from onboarding.people.pickers import eligible_people
from onboarding.plans.access import get_item_or_404, get_plan_or_404
from onboarding.plans.creation import hire_person_with_plan
from onboarding.plans.edits import (
    add_item,
    assign_plan_people,
    edit_item_text,
    move_start_date,
)
from onboarding.plans.forms import (
    AddItemForm,
    EditItemForm,
    HireForm,
    MoveStartForm,
    PlanFilterForm,
    PlanPeopleForm,
    UpgradeForm,
    WaiveForm,
)
from onboarding.plans.models import Plan
from onboarding.plans.queries import (
    PLAN_CSV_COLUMNS,
    PlanFilters,
    admin_plan_export,
    admin_plan_rows,
    plan_csv_row,
    plan_overview,
)
from onboarding.plans.reading import children_map, waivable_leaves
from onboarding.plans.states import has_children, waive_item
from onboarding.plans.status import STATUSES
from onboarding.plans.upgrade import preview_upgrade, upgrade_plan
from onboarding.roles.models import RoleTemplate, RoleTemplateVersion
from onboarding.roles.operations import latest_version

logger = logging.getLogger(__name__)


PLANS_PER_PAGE = 50


def _plan_filters() -> tuple[PlanFilterForm, PlanFilters]:
    """The All plans filters from the query string; a filter with an error is shown with it, and not applied."""
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

    def wanted(field) -> str:
        return "" if field.errors else (field.data or "")

    return form, PlanFilters(role=wanted(form.role), manager=wanted(form.manager), status=wanted(form.status),
                             month=wanted(form.month), include_finished=bool(form.include_finished.data),
                             check_in=wanted(form.check_in))


@bp.get("/plans")
def plans():
    """Every plan, filtered by role, manager, status and start month, in pages; plans without a manager too."""
    form, filters = _plan_filters()
    page = page_arg()
    today = clock.today_for(current_user)
    rows, total = admin_plan_rows(signed_in_user(), filters, today, page=page, per_page=PLANS_PER_PAGE)
    pages = max(1, ceil(total / PLANS_PER_PAGE))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/plans.html", form=form, rows=rows, total=total, page=page, pages=pages, args=args,
                           filtered=bool(args)), (400 if form.errors else 200)


@bp.get("/plans.csv")
def plans_csv():
    """Every plan the filters match (all pages) as CSV: hire, manager, role, start, progress, status."""
    form, filters = _plan_filters()
    if form.errors:
        abort(400)
    rows = admin_plan_export(signed_in_user(), filters, clock.today_for(current_user))
    return csv_response("plans.csv", PLAN_CSV_COLUMNS, [plan_csv_row(r) for r in rows])


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
        start_on = form.start_on.data
        assert start_on is not None  # the field is required: a form that validated has its date

        def add():
            if template is None:
                raise ServiceError("choose a role template from the list")
            now = clock.now()
            result = hire_person_with_plan(
                email=form.email.data, name=form.name.data, template_version=latest_version(template),
                start_on=start_on, manager_email=form.manager_email.data or None,
                buddy_email=form.buddy_email.data or None, timezone_name=form.timezone.data,
                actor=signed_in_user(), now=now,
            )
            invited = result.is_new_person and invite_new_person(result.hire, invite=bool(form.invite.data),
                                                                  actor=signed_in_user(), now=now)
            return result, invited, template.title

        outcome, problem = run_action(add)
        if problem:
            flash(problem.after("Not added: "), "error")
            status = 400
        else:
            assert outcome is not None  # run_action gives the action's result whenever it gives no problem
            result, invited, role_title = outcome
            who = "new account" if result.is_new_person else "existing account kept"
            flash(f"Added {result.hire.name} ({who}) with a plan from {role_title}"
                  + ("; an invitation is on its way." if invited else "."), "success")
            for warning in result.warnings:
                flash(f"Warning: {warning}.", "warning")
            return redirect(url_for("admin.plan", plan_id=result.plan.id))
    elif request.method == "POST":
        status = 400
    if not roles:
        flash("There are no role templates yet: import a blueprint first.", "info")
    return render_template("admin/hire_new.html", form=form, managers=eligible_people(managers_only=True),
                           buddies=eligible_people()), status


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
        add_form=add_form, template=template, newer=newer, managers=eligible_people(managers_only=True),
        buddies=eligible_people(),
    ), (problem.status if problem else 200)


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    """One plan for an admin: move the start date, set manager and buddy, add, edit or waive items, upgrade."""
    return _render_plan(get_plan_or_404(signed_in_user(), plan_id, action="edit"))


def _done(plan_id: int, message: str, anchor: str | None = None):
    flash(message, "success")
    return redirect(url_for("admin.plan", plan_id=plan_id, _anchor=anchor))


@bp.post("/plans/<int:plan_id>/start")
def plan_start(plan_id: int):
    """Move a plan's start date: due dates of items not yet done move with it."""
    plan = get_plan_or_404(signed_in_user(), plan_id, action="edit")
    form = MoveStartForm()
    if not form.validate():
        return _render_plan(plan, Problem(form_errors(form), form="start"), {"start": form})
    start_on = form.start_on.data
    assert start_on is not None  # the field is required: a form that validated has its date
    moved, problem = run_action(lambda: move_start_date(plan, start_on, signed_in_user(), clock.now()), form="start")
    if problem is not None:
        return _render_plan(plan, problem, {"start": form})
    return _done(plan.id, f"Start date is now {nice_date(start_on)}; {moved} due date"
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
    plan = get_plan_or_404(signed_in_user(), plan_id, action="edit")
    form = PlanPeopleForm()
    if not form.validate():
        return _render_plan(plan, Problem(form_errors(form), form="people"), {"people": form})

    def assign():
        manager = _person_or_problem(form.manager_email.data, "manager")
        buddy = _person_or_problem(form.buddy_email.data, "buddy")
        return assign_plan_people(plan, manager=manager, buddy=buddy, actor=signed_in_user(), now=clock.now())

    changed, problem = run_action(assign, form="people")
    if problem is not None:
        return _render_plan(plan, problem, {"people": form})
    return _done(plan.id, "Manager and buddy saved." if changed else "Nothing changed.")


@bp.post("/plans/<int:plan_id>/items")
def item_add(plan_id: int):
    """Add an item to this plan only (the template is not touched)."""
    plan = get_plan_or_404(signed_in_user(), plan_id, action="edit")
    form = AddItemForm()
    form.phase.choices = choices((key, key) for key in sorted({i.phase_key for i in plan.items} | {
        p["key"] for p in plan.template_version.phases if p.get("due")}))
    form.parent.choices = choices([("", "")] + [(str(i.id), "") for i in plan.items if i.parent_id is None])
    if not form.validate():
        return _render_plan(plan, Problem(form_errors(form), form="add"), {"add": form})
    parent = None
    if form.parent.data:
        parent = get_item_or_404(signed_in_user(), form.parent.data, "edit")
        if parent.plan_id != plan.id:
            abort(404)
    item, problem = run_action(lambda: add_item(plan, form.phase.data, form.text.data, signed_in_user(), clock.now(), parent),
                               form="add")
    if problem is not None:
        return _render_plan(plan, problem, {"add": form})
    assert item is not None  # run_action gives the result whenever there is no problem
    return _done(plan.id, f"Added “{item.text}” to this plan.", f"item-{item.id}")


@bp.post("/items/<int:item_id>/edit")
def item_edit(item_id: int):
    """Reword an item for this plan only."""
    item = get_item_or_404(signed_in_user(), item_id, "edit")
    form = EditItemForm()
    values = {"text": form.text.data or ""}
    if not form.validate():
        return _render_plan(item.plan, Problem(form_errors(form), item_id=item.id, form="edit", values=values))
    _, problem = run_action(lambda: edit_item_text(item, form.text.data, signed_in_user(), clock.now(),
                                                   expected_version=form.version.data),
                            item_id=item.id, form="edit", values=values)
    if problem is not None:
        return _render_plan(item.plan, problem)
    return _done(item.plan_id, "Item text saved.", f"item-{item.id}")


@bp.post("/items/<int:item_id>/waive")
def item_waive(item_id: int):
    """Waive an item for this hire, with a reason. On a group, its open and done sub-items too: the
    form states how many and asks for a tick; without it (or when the count has changed) nothing is waived."""
    item = get_item_or_404(signed_in_user(), item_id, "waive")
    form = WaiveForm()
    values = {"reason": form.reason.data or ""}
    if not form.validate():
        return _render_plan(item.plan, Problem(form_errors(form), item_id=item.id, form="waive", values=values))
    group = has_children(item)
    if group and not (form.confirm.data and form.sub_items.data):
        below = len(waivable_leaves(item.id, children_map(item.plan.items)))
        return _render_plan(item.plan, Problem(
            f"Nothing waived: waiving “{item.text}” waives its {plural(below, 'sub-item')}; tick the box to confirm.",
            item_id=item.id, form="waive", values=values))
    count, problem = run_action(lambda: waive_item(item, signed_in_user(), form.reason.data, clock.now(),
                                                   expected_version=form.version.data,
                                                   expected_count=form.sub_items.data if group else None),
                                item_id=item.id, form="waive", values=values)
    if problem is not None:
        return _render_plan(item.plan, problem)
    if group:
        return _done(item.plan_id, f"Waived “{item.text}” and its {plural(count or 0, 'sub-item')}; "
                                   "the reason is kept once, on the group.", f"item-{item.id}")
    return _done(item.plan_id, sentence(f"Waived “{item.text}”"), f"item-{item.id}")


def _newer_versions(plan: Plan) -> list[RoleTemplateVersion]:
    return list(db.session.scalars(
        select(RoleTemplateVersion)
        .where(RoleTemplateVersion.template_id == plan.template_version.template_id,
               RoleTemplateVersion.number > plan.template_version.number)
        .order_by(RoleTemplateVersion.number.desc())))


@bp.route("/plans/<int:plan_id>/upgrade", methods=["GET", "POST"])
def plan_upgrade(plan_id: int):
    """Move a plan to a newer template version: preview what is kept, added and removed, then confirm."""
    plan = get_plan_or_404(signed_in_user(), plan_id, action="upgrade")
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
        preview, problem = run_action(lambda: upgrade_plan(plan, target, signed_in_user(), clock.now()))
        if problem is not None:
            flash(problem.message, "error")
            return redirect(url_for("admin.plan_upgrade", plan_id=plan.id))
        assert preview is not None  # run_action gives the result whenever there is no problem
        return _done(plan.id, f"Moved to version {target.number}: {len(preview.added)} added, "
                              f"{len(preview.removed)} removed, {len(preview.kept)} kept.")
    preview = None
    if newer:
        wanted = request.args.get("version", type=int)
        shown = next((v for v in newer if v.number == wanted), newer[0])
        preview = preview_upgrade(plan, shown)
    return render_template("admin/plan_upgrade.html", plan=plan, newer=newer, preview=preview,
                           form=UpgradeForm(formdata=None, version=preview.new_version.number if preview else None))
