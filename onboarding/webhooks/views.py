"""The Webhooks page (admins): endpoints, their secrets once, and every delivery's status and last answer."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from onboarding.admin.blueprint import bp
from onboarding.core import clock
from onboarding.core.forms import ConfirmForm
from onboarding.core.web import form_errors, run_action, signed_in_user
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.outbox.queue import retry_message
from onboarding.webhooks.forms import EndpointForm
from onboarding.webhooks.models import WebhookEndpoint
from onboarding.webhooks.operations import add_endpoint, set_endpoint_active

#: deliveries listed (newest first); the counts are always complete
DELIVERY_LIST_LIMIT = 100


def _render(form: EndpointForm | None = None, status: int = 200, secret: str | None = None):
    endpoints = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    deliveries = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == "webhook")
        .order_by(OutboxMessage.id.desc()).limit(DELIVERY_LIST_LIMIT)).all()
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count())
                                     .where(OutboxMessage.channel == "webhook").group_by(OutboxMessage.status)).all())
    return render_template("admin/webhooks.html", endpoints=endpoints, deliveries=deliveries, counts=counts,
                           form=form or EndpointForm(formdata=None), confirm=ConfirmForm(), secret=secret,
                           limit=DELIVERY_LIST_LIMIT), status


@bp.route("/webhooks", methods=["GET", "POST"])
def webhooks():
    """Webhook endpoints and deliveries; add an endpoint here."""
    if request.method == "GET":
        return _render()
    form = EndpointForm()
    if not form.validate():
        flash(f"Not added: {form_errors(form)}", "error")
        return _render(form, 400)
    endpoint, problem = run_action(lambda: add_endpoint(form.url.data, form.events.data, actor=signed_in_user(),
                                                        now=clock.now(), description=form.description.data or ""))
    if problem is not None:
        flash(f"Not added: {problem.message}", "error")
        return _render(form, 400)
    assert endpoint is not None  # run_action gives the action's result whenever it gives no problem
    flash(f"Endpoint added: {endpoint.url}. Copy its signing secret now: it is shown only here, once.", "success")
    return _render(secret=endpoint.secret)


@bp.post("/webhooks/<int:endpoint_id>/active")
def webhook_active(endpoint_id: int):
    """Pause or resume an endpoint (a paused one gets nothing new queued)."""
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    set_endpoint_active(endpoint, not endpoint.is_active)
    db.session.commit()
    flash(f"{endpoint.url} is {'active again' if endpoint.is_active else 'paused'}.", "success")
    return redirect(url_for("admin.webhooks"))


@bp.post("/webhooks/deliveries/<int:message_id>/retry")
def webhook_retry(message_id: int):
    """Queue a failed delivery again."""
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.channel != "webhook":
        abort(404)
    _, problem = run_action(lambda: retry_message(message, clock.now()))
    if problem is not None:
        flash(problem.message, "error")
    else:
        flash(f"The {message.subject} delivery to {message.to_addr} is queued again.", "success")
    return redirect(url_for("admin.webhooks"))
