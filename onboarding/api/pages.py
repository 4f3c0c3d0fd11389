"""API token pages: each person makes and revokes their own on the Preferences page; admins manage everyone's.

A new token is shown once, on the page that answers its creation (never in a flash message, which
would keep it in the session cookie), and stored only as a hash.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from onboarding.admin.blueprint import bp as admin_bp
from onboarding.core import clock
from onboarding.core.forms import ConfirmForm
from onboarding.core.web import form_errors, run_action, signed_in_user
from onboarding.extensions import db
from onboarding.people.models import ApiToken, User
from onboarding.people.operations import get_user_by_email
from onboarding.people.tokens import MAX_EXPIRES_DAYS, create_token, revoke_token

bp = Blueprint("tokens", __name__)


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=100)],
                       description="What it is for, e.g. “HRIS sync”.")
    expires_days = IntegerField("Expires after (days)", validators=[Optional(), NumberRange(1, MAX_EXPIRES_DAYS)],
                                description="Leave empty for a token that does not expire.")


class AdminTokenForm(TokenForm):
    email = StringField("Person's email", validators=[DataRequired(), Length(max=254)],
                        description="The token acts as this person, with exactly their permissions.")


def _created(token: ApiToken, secret: str, back: str):
    return render_template("api/token_created.html", token=token, secret=secret, back=back)


@bp.post("/preferences/tokens")
@login_required
def create_own():
    """Make an API token acting as yourself."""
    form = TokenForm()
    if not form.validate():
        flash(f"No token made: {form_errors(form)}", "error")
        return redirect(url_for("mail.preferences") + "#tokens")
    made, problem = run_action(lambda: create_token(signed_in_user(), form.name.data, actor=signed_in_user(),
                                                    now=clock.now(),
                                                    expires_days=form.expires_days.data))
    if problem is not None:
        flash(f"No token made: {problem.message}", "error")
        return redirect(url_for("mail.preferences") + "#tokens")
    assert made is not None  # run_action gives the action's result whenever it gives no problem
    return _created(*made, back=url_for("mail.preferences") + "#tokens")


@bp.post("/preferences/tokens/<int:token_id>/revoke")
@login_required
def revoke_own(token_id: int):
    """Revoke one of your own tokens (someone else's does not exist for you)."""
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != signed_in_user().id:
        abort(404)
    _, problem = run_action(lambda: revoke_token(token, actor=signed_in_user(), now=clock.now()))
    flash(problem.message if problem else f"Token “{token.name}” revoked: it no longer works.",
          "error" if problem else "success")
    return redirect(url_for("mail.preferences") + "#tokens")


@admin_bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    """Everyone's API tokens; make one for a person here."""
    form = AdminTokenForm() if request.method == "POST" else AdminTokenForm(formdata=None)
    status = 200
    if request.method == "POST":
        if form.validate():
            person = get_user_by_email(form.email.data)
            if person is None:
                form.email.errors = [f"No person with the email {form.email.data.strip().lower()[:254]}."]
            else:
                made, problem = run_action(lambda: create_token(person, form.name.data, actor=signed_in_user(),
                                                                now=clock.now(),
                                                                expires_days=form.expires_days.data))
                if problem is None:
                    assert made is not None  # run_action gives the action's result whenever it gives no problem
                    return _created(*made, back=url_for("admin.tokens"))
                form.name.errors = [problem.message]
        status = 400
    rows = db.session.execute(select(ApiToken, User.email).join(User, User.id == ApiToken.user_id)
                              .order_by(ApiToken.id.desc()).limit(500)).all()
    return render_template("api/tokens.html", rows=rows, form=form, confirm=ConfirmForm(), now=clock.now()), status


@admin_bp.post("/tokens/<int:token_id>/revoke")
def token_revoke(token_id: int):
    """Revoke anyone's token."""
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    token = db.get_or_404(ApiToken, token_id)
    _, problem = run_action(lambda: revoke_token(token, actor=signed_in_user(), now=clock.now()))
    flash(problem.message if problem else f"Token “{token.name}” of {token.user.email} revoked.",
          "error" if problem else "success")
    return redirect(url_for("admin.tokens"))
