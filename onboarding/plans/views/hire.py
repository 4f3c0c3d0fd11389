"""The hire's pages: "My plan", ticking items in place (with a note or evidence link, and Undo) and self-assessments."""
from __future__ import annotations

import logging
from functools import cache

from flask import Blueprint, flash, get_template_attribute, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Select, bindparam, select

from onboarding.core import clock
from onboarding.core.formatting import nice_date, sentence
from onboarding.core.phases import phase_name
from onboarding.core.web import CONFLICT_TEXT, Problem, form_errors, run_action
from onboarding.extensions import db
from onboarding.plans.access import get_item_or_404, get_plan_or_404, signed_in
from onboarding.plans.check_ins import record_self_assessment
from onboarding.plans.forms import SelfAssessmentForm, TickForm
from onboarding.plans.hire_page import HirePage, hire_overview, hire_page
from onboarding.plans.models import Plan
from onboarding.plans.queries import buddied_plans
from onboarding.plans.states import complete_item, note_item, reopen_item

logger = logging.getLogger(__name__)

bp = Blueprint("hire", __name__, url_prefix="/plan")


@bp.before_request
@login_required
def _signed_in_only():
    """Every page here is about the signed-in person's own plan."""


def _own_plan(user) -> Plan | None:
    """The person's active plan, else their most recent one. Their own, so theirs to read
    (access.can): no visibility filter to add, and the statement is built once."""
    if not signed_in(user):
        return None
    return db.session.scalar(_own_plan_stmt(), {"hire_id": user.id})


@cache
def _own_plan_stmt() -> Select:
    return (select(Plan).where(Plan.hire_id == bindparam("hire_id"))
            .order_by(Plan.is_active.desc(), Plan.start_on.desc(), Plan.id.desc()).limit(1))


def _page(plan: Plan) -> HirePage:
    tick_url = url_for("hire.tick", item_id=0).removesuffix("0")
    return hire_page(hire_overview(plan, clock.today_for(current_user)), tick_url)


def _render(plan: Plan, problem: Problem | None = None, sa_form: SelfAssessmentForm | None = None):
    page = _page(plan)
    sa_forms = {}
    for section in page.sections:
        if not section.wants_self_assessment:
            continue
        phase = section.view
        if problem is not None and problem.phase == phase.key and sa_form is not None:
            form = sa_form
        else:
            form = SelfAssessmentForm(formdata=None, prefix=phase.key,
                                      text=phase.check_in.self_assessment if phase.check_in else "")
        form.text.label.text = f"Your self-assessment for {phase.name}"
        sa_forms[phase.key] = form
    return render_template("hire/plan.html", page=page, problem=problem, sa_forms=sa_forms, csrf=generate_csrf(),
                           buddied=buddied_plans(current_user)), (problem.status if problem else 200)


def _wants_json() -> bool:
    """plan.js asks for JSON: it replaces the item in place instead of loading the page again."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _answer(plan: Plan, item_id: int, *, message: str = "", problem: Problem | None = None, undo: str | None = None):
    """The tick's answer: a redirect back to the item, the page with the problem, or (for plan.js)
    JSON with the item, the rows of the groups above it and the progress bars rendered again, to
    put in place."""
    if not _wants_json():
        if problem is not None:
            return _render(plan, problem)
        flash(message, "success" if undo else "info")
        return redirect(url_for("hire.my_plan", _anchor=f"item-{item_id}"))
    page = _page(plan)
    row = page.row(item_id)
    fragments = {}
    if row is not None:
        items = get_template_attribute("plans/_items.html", "hire_items")
        csrf = generate_csrf()
        fragments[f"item-{item_id}"] = str(items([row], problem, undo, csrf, "list")).strip()
        # Its line in its phase, when "Needs you first" lists it (plan.js skips it otherwise).
        pointer = get_template_attribute("plans/_items.html", "above_pointer")
        fragments[f"pointer-{item_id}"] = str(pointer(row)).strip()
        # The groups above it: a tick can finish (or reopen) a group, whose badge says so.
        by_id = {i.id: i for i in page.ov.items}
        parent_id = by_id[item_id].parent_id
        while parent_id is not None:
            group = page.row(parent_id)
            if group is not None:
                fragments[f"row-{parent_id}"] = str(items([group], None, None, csrf)).strip()
            parent_id = by_id[parent_id].parent_id
    bar = get_template_attribute("macros.html", "progress")
    fragments["plan-progress"] = str(bar(page.ov.progress, "Whole plan", "plan-progress"))
    for section in page.sections:
        fragments[f"progress-{section.key}"] = str(bar(section.progress, f"{section.view.name} progress",
                                                       f"progress-{section.key}"))
    body = {"ok": problem is None, "message": problem.message if problem else message,
            "state": row.state if row else None, "undo": undo, "fragments": fragments}
    return jsonify(body), (problem.status if problem else 200)


@bp.get("")
def my_plan():
    """My plan: what needs the hire first, the current phase, the others folded (or the welcome before day one)."""
    user = current_user._get_current_object()
    plan = _own_plan(user)
    if plan is None:
        return render_template("hire/no_plan.html", buddied=buddied_plans(user))
    return _render(plan)


@bp.post("/items/<int:item_id>")
def tick(item_id: int):
    """Tick an item done or untick it before sign-off, and add or change its note or evidence link.

    One form per item: the checkbox says done or not, the note fields ride along. plan.js posts it
    with fetch and gets JSON (the item rendered again, with Undo); without JavaScript it is a normal
    post answered by a redirect back to the item."""
    user = current_user._get_current_object()
    form = TickForm()
    wants_done = bool(form.done.data)
    item = get_item_or_404(user, item_id, "complete" if wants_done else "reopen")
    plan = item.plan
    text = item.text
    values = {"note": form.note.data or "", "evidence_url": form.evidence_url.data or ""}
    if not form.validate():
        return _answer(plan, item.id, problem=Problem(form_errors(form), item_id=item.id, values=values))
    today = clock.today_for(user)
    if plan.is_active and today < plan.start_on:
        return _answer(plan, item.id, problem=Problem(
            f"Your plan starts on {nice_date(plan.start_on)}: you can tick milestones from that day. "
            "Until then, read what is ahead.", item_id=item.id, values=values))
    now, expected = clock.now(), form.version.data
    undo = None
    if wants_done and item.state == "open":
        _, problem = run_action(lambda: complete_item(item, user, note=values["note"], evidence_url=values["evidence_url"],
                                                      now=now, expected_version=expected),
                                item_id=item.id, values=values)
        message, undo = sentence(f"Ticked “{text}”"), "open"
    elif not wants_done and item.state == "done":
        _, problem = run_action(lambda: reopen_item(item, user, now=now, expected_version=expected),
                                item_id=item.id, values=values)
        message, undo = sentence(f"Unticked “{text}”"), "done"
    elif expected != item.version:
        problem = Problem(CONFLICT_TEXT, status=409, item_id=item.id, values=values)
    else:
        changed, problem = run_action(lambda: note_item(item, user, note=values["note"],
                                                        evidence_url=values["evidence_url"], now=now,
                                                        expected_version=expected),
                                      item_id=item.id, values=values)
        if changed:
            message = sentence(f"Saved the note and evidence link of “{text}”")
        else:
            message = f"Nothing to change: “{text}” is already {'done' if wants_done else 'not done'}."
    if problem is not None:
        db.session.rollback()
        return _answer(plan, item.id, problem=problem)
    return _answer(plan, item.id, message=message, undo=undo)


@bp.post("/<int:plan_id>/phases/<phase:phase_key>/self-assessment")
def self_assess(plan_id: int, phase_key: str):
    """The hire's own view of a phase, written before the manager's check-in."""
    user = current_user._get_current_object()
    plan = get_plan_or_404(user, plan_id, action="self_assess")
    form = SelfAssessmentForm(prefix=phase_key)
    if not form.validate():
        return _render(plan, Problem(form_errors(form), phase=phase_key), form)
    _, problem = run_action(lambda: record_self_assessment(plan, phase_key, user, form.text.data, clock.now()),
                            phase=phase_key)
    if problem is not None:
        return _render(plan, problem, form)
    flash(f"Your self-assessment for {phase_name(phase_key)} is saved; your manager sees it at the check-in.",
          "success")
    return redirect(url_for("hire.my_plan", _anchor=f"checkin-{phase_key}"))

