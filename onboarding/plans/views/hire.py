"""The hire's pages: "My plan", ticking items (with a note or evidence link) and self-assessments."""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from onboarding.core import clock
from onboarding.core.phases import phase_name
from onboarding.core.web import CONFLICT_TEXT, Problem, form_errors, run_action
from onboarding.extensions import db
from onboarding.plans.access import get_item_or_404, get_plan_or_404, visible_plans_stmt
from onboarding.plans.check_ins import record_self_assessment
from onboarding.plans.forms import SelfAssessmentForm, TickForm
from onboarding.plans.models import Plan
from onboarding.plans.queries import buddied_plans, plan_overview
from onboarding.plans.states import complete_item, reopen_item

logger = logging.getLogger(__name__)

bp = Blueprint("hire", __name__, url_prefix="/plan")


@bp.before_request
@login_required
def _signed_in_only():
    """Every page here is about the signed-in person's own plan."""


def _own_plan(user) -> Plan | None:
    """The person's active plan, else their most recent one."""
    return db.session.scalar(
        visible_plans_stmt(user).where(Plan.hire_id == user.id)
        .order_by(Plan.is_active.desc(), Plan.start_on.desc(), Plan.id.desc()).limit(1)
    )


def _render(plan: Plan, problem: Problem | None = None, sa_form: SelfAssessmentForm | None = None):
    ov = plan_overview(plan, clock.today_for(current_user))
    sa_forms = {}
    for phase in ov.phases:
        if phase.is_checked_in:
            continue
        if problem is not None and problem.phase == phase.key and sa_form is not None:
            form = sa_form
        else:
            form = SelfAssessmentForm(formdata=None, prefix=phase.key,
                                      text=phase.check_in.self_assessment if phase.check_in else "")
        form.text.label.text = f"Your self-assessment for {phase.name}"
        sa_forms[phase.key] = form
    return render_template("hire/plan.html", ov=ov, problem=problem, sa_forms=sa_forms,
                           buddied=buddied_plans(current_user)), (problem.status if problem else 200)


@bp.get("")
def my_plan():
    """My plan: what is due next, then each phase with its progress and items to tick."""
    user = current_user._get_current_object()
    plan = _own_plan(user)
    if plan is None:
        return render_template("hire/no_plan.html", buddied=buddied_plans(user))
    return _render(plan)


@bp.post("/items/<int:item_id>")
def tick(item_id: int):
    """Tick an item done (with an optional note or evidence link), or untick it before sign-off."""
    user = current_user._get_current_object()
    form = TickForm()
    wants_done = bool(form.done.data)
    item = get_item_or_404(user, item_id, "complete" if wants_done else "reopen")
    plan = item.plan
    values = {"note": form.note.data or "", "evidence_url": form.evidence_url.data or ""}
    if not form.validate():
        return _render(plan, Problem(form_errors(form), item_id=item.id, values=values))
    now, expected = clock.now(), form.version.data
    if wants_done and item.state == "open":
        _, problem = run_action(lambda: complete_item(item, user, note=values["note"], evidence_url=values["evidence_url"],
                                                      now=now, expected_version=expected),
                                item_id=item.id, values=values)
        message = "Ticked “{}”."
    elif not wants_done and item.state == "done":
        _, problem = run_action(lambda: reopen_item(item, user, now=now, expected_version=expected),
                                item_id=item.id, values=values)
        message = "Unticked “{}”."
    elif expected != item.version:
        problem = Problem(CONFLICT_TEXT, status=409, item_id=item.id, values=values)
    else:
        flash(f"Nothing to change: “{item.text}” is already {'done' if wants_done else 'not done'}.", "info")
        return redirect(url_for("hire.my_plan", _anchor=f"item-{item.id}"))
    if problem is not None:
        return _render(plan, problem)
    flash(message.format(item.text), "success")
    return redirect(url_for("hire.my_plan", _anchor=f"item-{item.id}"))


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

