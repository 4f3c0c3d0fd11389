"""Signing in and out, setting a password from a link, "forgot your password?", changing one's password."""
from __future__ import annotations

import time
from functools import cache

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import Select, bindparam, select

from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core import clock
from onboarding.core.errors import ServiceError
from onboarding.core.security import is_safe_next, same_secret
from onboarding.extensions import db, login_manager
from onboarding.people.forms import (
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
)
from onboarding.people.limits import PASSWORD_CHANGE, forget_failures, reserve_attempt
from onboarding.people.models import User
from onboarding.people.operations import (
    authenticate,
    password_matches,
    rotate_session_token,
    set_password,
)
from onboarding.people.passwords import (
    INVITATION,
    MAX_AGE,
    LinkError,
    request_password_reset,
    set_password_from_link,
    user_for_link_token,
)

bp = Blueprint("auth", __name__)

TOO_MANY = "Too many failed sign-ins from here. Wait 15 minutes, then try again."
LINK_PROBLEMS = {
    "invalid": "This link is not valid. Ask for a new one.",
    "expired": "This link has expired. Ask for a new one.",
    "used": "This link was already used, or the password was set since. Sign in, or ask for a new link.",
}


def start_session(user: User, *, remember: bool = False) -> None:
    """Sign in with a fresh session: the CSRF token (and anything else kept before) is not carried over."""
    session.clear()
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form (and the SSO button when configured) and sign a person in."""
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    password_login = current_app.config.get("PASSWORD_LOGIN", True)
    form = LoginForm()
    status = 200
    if request.method == "POST" and not password_login:
        abort(404)
    if form.validate_on_submit():
        now = clock.now()
        user = authenticate(form.email.data, form.password.data, request.remote_addr or "unknown", now=now,
                            config=current_app.config)
        db.session.commit()
        if user is False:
            flash(TOO_MANY, "error")
            return render_template("auth/login.html", form=form), 429
        if user is None:
            flash("That email and password do not match an account.", "error")
            status = 401
        else:
            target = request.args.get("next")
            start_session(user, remember=bool(form.remember.data))
            return redirect(target if is_safe_next(target) else url_for("index"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, password_login=password_login), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out everywhere: the session token rotates, so copies of the cookie stop working."""
    rotate_session_token(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer (and its timing) is the same whether the email is known or not."""
    if not current_app.config.get("PASSWORD_LOGIN", True):
        abort(404)  # single sign-on only: there is no password to reset
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        started = time.monotonic()
        request_password_reset(form.email.data, now=clock.now())
        db.session.commit()
        floor = float(current_app.config.get("FORGOT_PASSWORD_MIN_SECONDS", 0))
        time.sleep(max(0.0, floor - (time.monotonic() - started)))
        flash("If that address belongs to an account, a link to reset the password is on its way. "
              "It works for one hour.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), (400 if request.method == "POST" else 200)


def set_password_page(kind: str, token: str):
    """The page an invitation or reset link opens: choose a password, then land on one's start page."""
    if not current_app.config.get("PASSWORD_LOGIN", True):
        abort(404)  # single sign-on only
    now = clock.now()
    form = NewPasswordForm()
    try:
        owner = user_for_link_token(token[:500], kind, now)
    except LinkError as exc:
        return render_template("auth/link_problem.html", message=LINK_PROBLEMS[exc.reason], kind=kind), 400
    if current_user.is_authenticated and current_user.id != owner.id:
        return render_template("auth/link_problem.html", kind=kind,
                               message="This link is for someone else. Sign out first if it was sent to you."), 403
    if form.validate_on_submit():
        try:
            user = set_password_from_link(token, kind, form.new.data, now=now)
        except LinkError as exc:
            db.session.rollback()
            return render_template("auth/link_problem.html", message=LINK_PROBLEMS[exc.reason], kind=kind), 400
        except ServiceError as exc:
            db.session.rollback()
            form.new.errors.append(str(exc))
        else:
            db.session.commit()
            start_session(user)
            flash("Your password is set. Welcome!" if kind == INVITATION else
                  "Your password is changed. Other sessions were signed out.", "success")
            return redirect(url_for("index"))
    status = 400 if request.method == "POST" else 200
    hours = int(MAX_AGE[kind].total_seconds() // 3600)
    return render_template("auth/set_password.html", form=form, kind=kind, hours=hours), status


# The endpoint name links in mail are built with.
bp.add_url_rule("/password/<any(invitation, reset):kind>/<token>", "set_password", set_password_page,
                methods=["GET", "POST"])


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password; other sessions end. The current-password check is rate-limited."""
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        now = clock.now()
        attempt = reserve_attempt(PASSWORD_CHANGE, user.email, request.remote_addr or "unknown", now=now,
                                  config=current_app.config)
        if attempt is None:
            form.current.errors.append("Too many wrong passwords. Wait 15 minutes, then try again.")
            status = 429
        elif not password_matches(user, form.current.data):
            form.current.errors.append("That is not your current password.")
            status = 400
        else:
            try:
                set_password(user, form.new.data)
            except ServiceError as exc:
                db.session.rollback()
                form.new.errors.append(str(exc))
                status = 400
            else:
                forget_failures(attempt)
                record_event(None, EventType.PERSON_PASSWORD_CHANGED, user, now, person=user)
                db.session.commit()
                start_session(user)
                flash("Your password is changed. Other sessions were signed out.", "success")
                return redirect(url_for("index"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/password.html", form=form), status


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session holds "id:token"; a rotated token (logout, password change) no longer matches."""
    user_pk, _, token = user_id.partition(":")
    if not user_pk.isdigit() or not token or len(user_pk) > 18:
        return None
    user = db.session.execute(_user_by_id(), {"id": int(user_pk)}).scalar_one_or_none()
    if user is None or not same_secret(user.session_token, token):
        return None
    return user


@cache
def _user_by_id() -> Select:
    """Built once: every signed-in request runs it, and `session.get` builds and keys its SELECT anew
    each time (0.1 ms of a 1 ms sign-in check on PostgreSQL)."""
    return select(User).where(User.id == bindparam("id"))
