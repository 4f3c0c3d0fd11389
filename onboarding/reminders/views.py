"""A person's digest preferences, the one-click unsubscribe and the private calendar feed."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from onboarding.core import clock
from onboarding.core.errors import ServiceError
from onboarding.core.forms import ConfirmForm
from onboarding.core.web import run_action
from onboarding.extensions import csrf, db
from onboarding.reminders.calendar import build_calendar
from onboarding.reminders.compose import Links
from onboarding.reminders.forms import (
    CalendarLinkForm,
    ChannelsForm,
    PreferencesForm,
    choice_values,
    choices,
    timezone_choices,
)
from onboarding.reminders.preferences import (
    regenerate_calendar_token,
    update_channels,
    update_preferences,
)
from onboarding.reminders.preferences import unsubscribe as stop_digests
from onboarding.reminders.tokens import (
    TokenError,
    calendar_feed_token,
    user_for_calendar_token,
    user_for_unsubscribe_token,
)

bp = Blueprint("mail", __name__)


TOKEN_PROBLEMS = {
    "invalid": "This unsubscribe link is not valid: it may be incomplete or mistyped.",
    "expired": "This unsubscribe link has expired.",
    "revoked": "This unsubscribe link no longer works: digests were turned back on after it was sent.",
}



@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Digest time zone, cadence and send hour; the private calendar link."""
    user = current_user._get_current_object()
    form = PreferencesForm()
    zones = timezone_choices()
    if user.timezone not in choice_values(zones):  # an alias set elsewhere, e.g. "US/Eastern"
        form.timezone.choices = choices([(user.timezone, user.timezone)]) + zones
    if form.validate_on_submit():
        _, problem = run_action(lambda: update_preferences(user, timezone=form.timezone.data, cadence=form.cadence.data,
                                                             send_hour=form.send_hour.data, actor=user,
                                                             now=clock.now()))
        if problem:
            form.timezone.errors.append(problem.message)
        else:
            flash("Your digest preferences are saved.", "success")
            return redirect(url_for("mail.preferences"))
    elif not form.is_submitted():
        form.timezone.data, form.cadence.data = user.timezone, user.digest_cadence
        form.send_hour.data = user.digest_hour
    status = 400 if form.is_submitted() and form.errors else 200
    return _render_preferences(user, form, status)


def _render_preferences(user, form, status: int = 200, channels_form: ChannelsForm | None = None):
    from onboarding.api.pages import TokenForm
    from onboarding.people.tokens import tokens_of

    feed_url = Links(current_app).url("mail.calendar_feed", token=calendar_feed_token(user))
    channels_form = channels_form or ChannelsForm(formdata=None, channels=user.digest_channels.split(","),
                                                  teams_url=user.teams_webhook_url)
    return render_template("mail/preferences.html", form=form, calendar_form=CalendarLinkForm(),
                           feed_url=feed_url, channels_form=channels_form, tokens=tokens_of(user),
                           token_form=TokenForm(formdata=None), confirm=ConfirmForm(), now=clock.now()), status


@bp.post("/preferences/channels")
@login_required
def channels():
    """Where digests go: email, Slack, Microsoft Teams (one or several)."""
    user = current_user._get_current_object()
    form = ChannelsForm()
    problem = None
    if form.validate():
        try:
            update_channels(user, channels=form.channels.data, teams_url=form.teams_url.data, actor=user,
                            now=clock.now())
        except ServiceError as exc:
            db.session.rollback()
            problem = str(exc)
        else:
            db.session.commit()
            flash("Your digests go by " + ", ".join(form.channels.data).replace("teams", "Teams").replace(
                "slack", "Slack").replace("email", "email") + ".", "success")
            return redirect(url_for("mail.preferences") + "#channels")
    form.teams_url.errors = list(form.teams_url.errors) + [problem or "Check the choices."]
    prefs = PreferencesForm(formdata=None, timezone=user.timezone, cadence=user.digest_cadence,
                            send_hour=user.digest_hour)
    return _render_preferences(user, prefs, 400, channels_form=form)


@bp.post("/preferences/calendar")
@login_required
def new_calendar_link():
    """Replace the calendar link: the old one stops working."""
    form = CalendarLinkForm()
    if not form.validate_on_submit():
        abort(400)
    run_action(lambda: regenerate_calendar_token(current_user._get_current_object()))
    flash("You have a new calendar link; the old one no longer works. Update your calendar app.", "success")
    return redirect(url_for("mail.preferences") + "#calendar")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET asks for confirmation (mail scanners follow links); POST, including RFC 8058 one-click, unsubscribes.

    The only route without a CSRF token: the signed token in the URL is the authentication.
    """
    try:
        user = user_for_unsubscribe_token(token, clock.now())
    except TokenError as exc:
        return render_template("mail/unsubscribe.html", problem=TOKEN_PROBLEMS[exc.reason], step="invalid"), 400
    if request.method == "GET":
        return render_template("mail/unsubscribe.html", step="confirm", email=user.email, token=token)
    changed, _ = run_action(lambda: stop_digests(user))
    return render_template("mail/unsubscribe.html", step="done", email=user.email, changed=changed)


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """A person's private ICS feed; an unknown or revoked token is a plain 404."""
    user = user_for_calendar_token(token)
    if user is None:
        abort(404)
    response = Response(build_calendar(user, clock.now()), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="onboarding.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
