"""One plan, read by whoever may see it (the hire, their manager, their buddy, an admin): items,
comments and the plan's history of events. Buddies come here to read and comment."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from onboarding.core import clock
from onboarding.core.web import Problem, form_errors, run_action
from onboarding.plans.access import can, get_plan_or_404
from onboarding.plans.check_ins import add_comment
from onboarding.plans.forms import CommentForm
from onboarding.plans.queries import plan_comments, plan_history, plan_overview

bp = Blueprint("plans", __name__, url_prefix="/plans")

RECENT_EVENTS = 15
HISTORY_PAGE = 50
COMMENTS_PAGE = 50


@bp.before_request
@login_required
def _signed_in_only():
    """Plans are never public."""


def _render(plan, form: CommentForm | None = None, problem: Problem | None = None):
    user = current_user._get_current_object()
    # A buddy gets neither check-in ratings and notes nor the self-assessment: not even passed to the page.
    private = can(user, plan, "read_check_ins")
    ov = plan_overview(plan, clock.today_for(user), with_check_ins=private)
    events, total = plan_history(plan, limit=RECENT_EVENTS, with_check_ins=private)
    comment_total = plan_comments(plan, limit=0)[1]
    comment_pages = max(1, -(-comment_total // COMMENTS_PAGE))
    # The newest page first: that is where the conversation is.
    comment_page = max(1, min(request.args.get("page", comment_pages, type=int) or comment_pages,
                              comment_pages))
    comments, _ = plan_comments(plan, limit=COMMENTS_PAGE, offset=(comment_page - 1) * COMMENTS_PAGE)
    return render_template(
        "plans/view.html", ov=ov, comments=comments, comment_total=comment_total, comment_page=comment_page,
        comment_pages=comment_pages, events=events, total_events=total,
        form=form or CommentForm(formdata=None), problem=problem, can_comment=can(user, plan, "comment"),
        can_review=can(user, plan, "sign_off"), is_hire=plan.hire_id == user.id,
    ), (problem.status if problem else 200)


@bp.get("/<int:plan_id>")
def view(plan_id: int):
    """A plan as its manager, buddy or an admin reads it: items, comments and recent history."""
    return _render(get_plan_or_404(current_user._get_current_object(), plan_id))


@bp.post("/<int:plan_id>/comments")
def comment(plan_id: int):
    """Comment on a plan (the hire, their manager, their buddy or an admin)."""
    user = current_user._get_current_object()
    plan = get_plan_or_404(user, plan_id, action="comment")
    form = CommentForm()
    if not form.validate():
        return _render(plan, form, Problem(form_errors(form)))
    _, problem = run_action(lambda: add_comment(plan, user, form.body.data, clock.now()))
    if problem is not None:
        return _render(plan, form, problem)
    flash("Your comment is added.", "success")
    return redirect(url_for("plans.view", plan_id=plan.id, _anchor="comments"))


@bp.get("/<int:plan_id>/history")
def history(plan_id: int):
    """Every change to a plan: who, what, when, old and new value (newest first, in pages)."""
    user = current_user._get_current_object()
    plan = get_plan_or_404(user, plan_id)
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    events, total = plan_history(plan, limit=HISTORY_PAGE, offset=(page - 1) * HISTORY_PAGE,
                                 with_check_ins=can(user, plan, "read_check_ins"))
    pages = max(1, -(-total // HISTORY_PAGE))
    return render_template("plans/history.html", plan=plan, events=events, total=total, page=page, pages=pages)
