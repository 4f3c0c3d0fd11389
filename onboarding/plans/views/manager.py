"""The manager's pages: the team dashboard, a report's plan to sign off, send back and check in, and a nudge."""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from onboarding.core import clock
from onboarding.core.csv_files import csv_response
from onboarding.core.formatting import sentence
from onboarding.core.forms import ConfirmForm
from onboarding.core.phases import PHASE_ORDER, phase_label, phase_name
from onboarding.core.security import role_required
from onboarding.core.web import Problem, form_errors, run_action
from onboarding.plans.access import get_item_or_404, get_plan_or_404
from onboarding.plans.check_ins import record_check_in
from onboarding.plans.forms import CheckInForm, SendBackForm, SignOffForm
from onboarding.plans.queries import (
    TEAM_SORTS,
    phase_columns,
    plan_comments,
    plan_overview,
    team_csv,
    team_overview,
)
from onboarding.plans.review import HELD, manager_review
from onboarding.plans.states import send_back_item, sign_off_item, sign_off_phase
from onboarding.reminders.nudge import nudge_hire, nudged_today

logger = logging.getLogger(__name__)

bp = Blueprint("manager", __name__, url_prefix="/team")

SORT_LABELS = {
    "attention": "Needs attention", "status": "Status", "name": "Name", "start": "Start date",
    "waiting": "Waiting for sign-off",
}


@bp.before_request
@login_required
def _signed_in_only():
    """Team pages need a signed-in person; which plans they see is decided per plan (access.py)."""


@bp.get("")
@role_required("manager", "admin")
def dashboard():
    """Each report's ramp: day N, progress per phase, status, items waiting for sign-off, next check-in."""
    sort = request.args.get("sort", "attention")
    if sort not in TEAM_SORTS:
        sort = "attention"
    user = current_user._get_current_object()
    today = clock.today_for(user)
    reports = team_overview(user, today, sort)
    late = sorted(((r, key, due_on) for r in reports for key, due_on in r.overdue_check_ins),
                  key=lambda row: (row[2], row[0].hire_name.casefold()))
    return render_template("manager/dashboard.html", reports=reports, sort=sort, sorts=SORT_LABELS, today=today,
                           phase_keys=phase_columns(reports), phase_labels={key: phase_name(key) for key in PHASE_ORDER},
                           late_check_ins=late, nudged=_nudged_today(reports),
                           check_in_names={key: f"{phase_label(key)} check-in" for key in PHASE_ORDER})


def _nudged_today(reports) -> dict[int, str]:
    """plan id -> "09:14 UTC" for the reports already nudged on their own today (one query)."""
    return {plan_id: f"{at:%H:%M} UTC" for plan_id, at in nudged_today((r.plan_id for r in reports), clock.now()).items()}


@bp.get("/dashboard.csv")
@role_required("manager", "admin")
def dashboard_csv():
    """The team dashboard as CSV, in the same order as the page."""
    sort = request.args.get("sort", "attention")
    user = current_user._get_current_object()
    header, rows = team_csv(team_overview(user, clock.today_for(user), sort if sort in TEAM_SORTS else "attention"))
    return csv_response("team.csv", header, rows)


#: comments read for a plan page (the newest); beyond them the plan's read page has every page
COMMENTS_SHOWN = 200
#: comments about the plan as a whole shown at the top (the newest)
PLAN_COMMENTS_SHOWN = 3


def _render(plan, problem: Problem | None = None, checkin_form: CheckInForm | None = None):
    ov = plan_overview(plan, clock.today_for(current_user))
    review = manager_review(ov)
    if problem is not None and problem.item_id is not None:  # unfold the phase of the item refused
        review.phase_open.update({i.phase_key: True for i in plan.items if i.id == problem.item_id})
    forms = {}
    for slot in review.check_ins:
        if slot.stage == HELD:
            continue
        if problem is not None and problem.phase == slot.key and checkin_form is not None:
            form = checkin_form
        else:
            form = CheckInForm(formdata=None, prefix=slot.key)
        forms[slot.key] = form
    total = plan_comments(plan, limit=0)[1]
    comments, _ = plan_comments(plan, limit=COMMENTS_SHOWN, offset=max(0, total - COMMENTS_SHOWN))
    for entry in comments:
        if entry.comment.item_id is not None:
            ov.item_comments.setdefault(entry.comment.item_id, []).append(entry)
    general = [entry for entry in comments if entry.comment.item_id is None]
    nudged = nudged_today([plan.id], clock.now()).get(plan.id)
    return render_template(
        "manager/plan.html", ov=ov, review=review, problem=problem, checkin_forms=forms,
        check_in_names={key: f"{phase_label(key)} check-in" for key in PHASE_ORDER},
        plan_comments=general[-PLAN_COMMENTS_SHOWN:], plan_comment_total=len(general), comment_total=total,
        nudged=f"{nudged:%H:%M} UTC" if nudged else None, nudge_form=ConfirmForm(formdata=None),
    ), (problem.status if problem else 200)


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    """A report's plan for their manager: sign off, send back, check-ins with the role's KPIs beside them."""
    return _render(get_plan_or_404(current_user._get_current_object(), plan_id, action="sign_off"))


def _back(plan_id: int, anchor: str):
    return redirect(url_for("manager.plan", plan_id=plan_id, _anchor=anchor))


@bp.post("/items/<int:item_id>/sign-off")
def sign_off(item_id: int):
    """Accept a done item."""
    user = current_user._get_current_object()
    item = get_item_or_404(user, item_id, "sign_off")
    form = SignOffForm()
    if not form.validate():
        return _render(item.plan, Problem(form_errors(form), item_id=item.id))
    count, problem = run_action(lambda: sign_off_item(item, user, clock.now(), expected_version=form.version.data),
                                item_id=item.id)
    if problem is not None:
        return _render(item.plan, problem)
    flash(sentence(f"Signed off “{item.text}”" if count == 1 else f"Signed off {count} items under “{item.text}”"),
          "success")
    return _back(item.plan_id, f"item-{item.id}")


@bp.post("/items/<int:item_id>/send-back")
def send_back(item_id: int):
    """Send a done item back to the hire with a comment saying what needs to change."""
    user = current_user._get_current_object()
    item = get_item_or_404(user, item_id, "send_back")
    form = SendBackForm()
    values = {"comment": form.comment.data or ""}
    if not form.validate():
        return _render(item.plan, Problem(form_errors(form), item_id=item.id, values=values))
    _, problem = run_action(lambda: send_back_item(item, user, form.comment.data, clock.now(),
                                                   expected_version=form.version.data),
                            item_id=item.id, values=values)
    if problem is not None:
        return _render(item.plan, problem)
    flash(f"Sent “{item.text}” back with your comment.", "success")
    return _back(item.plan_id, f"item-{item.id}")


@bp.post("/plans/<int:plan_id>/phases/<phase:phase_key>/sign-off")
def sign_off_all(plan_id: int, phase_key: str):
    """Sign off every done item of one phase at once."""
    user = current_user._get_current_object()
    plan = get_plan_or_404(user, plan_id, action="sign_off")
    form = ConfirmForm()
    if not form.validate():
        return _render(plan, Problem(form_errors(form), phase=phase_key))
    count, problem = run_action(lambda: sign_off_phase(plan, phase_key, user, clock.now()), phase=phase_key)
    if problem is not None:
        return _render(plan, problem)
    if count:
        flash(f"Signed off {count} item{'s' if count != 1 else ''} in {phase_name(phase_key)}.", "success")
    else:
        flash(f"Nothing in {phase_name(phase_key)} was waiting for sign-off.", "info")
    return _back(plan.id, f"phase-{phase_key}")


@bp.post("/plans/<int:plan_id>/phases/<phase:phase_key>/check-in")
def check_in(plan_id: int, phase_key: str):
    """Record the check-in at a phase end: on track, at risk or off track, with notes."""
    user = current_user._get_current_object()
    plan = get_plan_or_404(user, plan_id, action="check_in")
    form = CheckInForm(prefix=phase_key)
    if not form.validate():
        return _render(plan, Problem(form_errors(form), phase=phase_key), form)
    _, problem = run_action(lambda: record_check_in(plan, phase_key, user, form.status.data, form.notes.data or "",
                                                    clock.now()), phase=phase_key)
    if problem is not None:
        return _render(plan, problem, form)
    flash(f"Check-in at {phase_name(phase_key)} recorded.", "success")
    return _back(plan.id, f"checkin-{phase_key}")


@bp.post("/plans/<int:plan_id>/nudge")
def nudge(plan_id: int):
    """Send the hire a short reminder email about their plan (at most once a day per hire)."""
    user = current_user._get_current_object()
    plan = get_plan_or_404(user, plan_id, action="sign_off")
    sort = request.form.get("sort", "")
    back = (url_for("manager.plan", plan_id=plan.id) if request.form.get("back") == "plan"
            else url_for("manager.dashboard", sort=sort if sort in TEAM_SORTS and sort != "attention" else None))
    form = ConfirmForm()
    if not form.validate():
        flash(form_errors(form), "error")
        return redirect(back)
    _, problem = run_action(lambda: nudge_hire(plan, user, clock.now()))
    if problem is not None:
        flash(problem.message, "error")
        return redirect(back)
    flash(f"Reminder sent to {plan.hire.name} ({plan.hire.email}).", "success")
    return redirect(back)
