"""The holidays page (admins): the working-day rule and the organisation's days off."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from onboarding.admin.blueprint import bp
from onboarding.core import clock
from onboarding.core.formatting import nice_date
from onboarding.core.forms import ConfirmForm
from onboarding.core.web import form_errors, run_action, signed_in_user
from onboarding.extensions import db
from onboarding.org.forms import HolidayForm, WorkingDaysForm
from onboarding.org.models import OrgSettings
from onboarding.org.operations import (
    add_holiday,
    list_holidays,
    remove_holiday,
    set_working_days_only,
)


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
    on = form.on.data
    assert on is not None  # the field is required: a form that validated has its date
    _, problem = run_action(lambda: add_holiday(on, form.name.data, actor=signed_in_user(), now=clock.now()))
    if problem is not None:
        flash(f"Not added: {problem.message}", "error")
        return _render_holidays(form, 400)
    flash(f"Added {nice_date(on)} ({form.name.data.strip()}) to the holidays.", "success")
    return redirect(url_for("admin.holidays"))


@bp.post("/holidays/working-days")
def working_days():
    """Turn the working-day rule on or off."""
    form = WorkingDaysForm()
    if not form.validate():
        flash(form_errors(form), "error")
        return _render_holidays(status=400)
    settings, problem = run_action(lambda: set_working_days_only(bool(form.is_working_days_only.data), signed_in_user(),
                                                                 clock.now()))
    if problem is not None:
        flash(problem.message, "error")
        return _render_holidays(status=400)
    assert settings is not None  # run_action gives the action's result whenever it gives no problem
    flash("Due dates now fall on working days only (for plans made or moved from now on)."
          if settings.is_working_days_only else "Due dates may now fall on any day.", "success")
    return redirect(url_for("admin.holidays"))


@bp.post("/holidays/<int:holiday_id>/delete")
def holiday_delete(holiday_id: int):
    """Take a day off the holiday list."""
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    _, problem = run_action(lambda: remove_holiday(holiday_id, actor=signed_in_user(), now=clock.now()))
    if problem is not None:
        abort(404)
    flash("Holiday removed.", "success")
    return redirect(url_for("admin.holidays"))
