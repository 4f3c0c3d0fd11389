"""Signing in and out, changing one's password."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash

from onboarding.core import clock
from onboarding.core.errors import ServiceError
from onboarding.core.security import is_safe_next, same_secret
from onboarding.extensions import db, login_manager
from onboarding.people.forms import LoginForm, PasswordChangeForm
from onboarding.people.models import User
from onboarding.people.operations import (
    authenticate,
    is_login_blocked,
    rotate_session_token,
    set_password,
)

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form and sign a person in."""
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        now = clock.now()
        email = form.email.data.strip().lower()
        addr = request.remote_addr or "unknown"
        if is_login_blocked(email, addr, now=now, config=current_app.config):
            flash("Too many failed sign-ins. Wait 15 minutes, then try again.", "error")
            return render_template("auth/login.html", form=form), 429
        user = authenticate(email, form.password.data, addr, now=now, config=current_app.config)
        db.session.commit()
        if user is None:
            flash("That email and password do not match an account.", "error")
            status = 401
        else:
            login_user(user, remember=form.remember.data)
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("index"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out everywhere: the session token rotates, so copies of the cookie stop working."""
    rotate_session_token(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password; other sessions end."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.password_hash or not check_password_hash(user.password_hash, form.current.data):
            form.current.errors.append("That is not your current password.")
        else:
            try:
                set_password(user, form.new.data)
            except ServiceError as exc:
                form.new.errors.append(str(exc))
            else:
                db.session.commit()
                login_user(user)
                flash("Your password is changed. Other sessions were signed out.", "success")
                return redirect(url_for("index"))
    return render_template("auth/password.html", form=form)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session holds "id:token"; a rotated token (logout, password change) no longer matches."""
    user_pk, _, token = user_id.partition(":")
    if not user_pk.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_pk))
    if user is None or not same_secret(user.session_token, token):
        return None
    return user
