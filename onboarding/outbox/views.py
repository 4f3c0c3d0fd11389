"""The outbox page (admins): what is queued, sent or failed, with a Retry button."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from sqlalchemy import func, select

from onboarding.core import clock
from onboarding.core.forms import ConfirmForm
from onboarding.core.security import admin_required
from onboarding.core.web import run_action
from onboarding.extensions import db
from onboarding.outbox.channels.email import smtp_configured
from onboarding.outbox.models import OutboxMessage
from onboarding.outbox.queue import retry_message

bp = Blueprint("outbox", __name__)


#: rows shown per outbox list (the counts are always complete)
OUTBOX_LIST_LIMIT = 100


@bp.get("/admin/outbox")
@admin_required
def index():
    """Queued, sent and failed mail with the reasons; failed messages can be retried."""
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).where(OutboxMessage.channel != "webhook")
        .group_by(OutboxMessage.status)
    ).all())
    lists = {}
    for status, order in (("failed", OutboxMessage.id.desc()), ("queued", OutboxMessage.next_attempt_at),
                          ("sent", OutboxMessage.sent_at.desc())):
        lists[status] = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == status, OutboxMessage.channel != "webhook").order_by(order, OutboxMessage.id.desc())
            .limit(OUTBOX_LIST_LIMIT)
        ).all()
    return render_template(
        "mail/outbox.html", counts=counts, lists=lists, limit=OUTBOX_LIST_LIMIT, retry_form=ConfirmForm(),
        smtp_configured=smtp_configured(), smtp_host=current_app.config.get("SMTP_HOST"),
    )


@bp.post("/admin/outbox/<int:message_id>/retry")
@admin_required
def retry(message_id: int):
    """Queue a failed message again."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    message = db.get_or_404(OutboxMessage, message_id)
    _, problem = run_action(lambda: retry_message(message, clock.now()))
    if problem:
        flash(problem.message, "error")
        return redirect(url_for("outbox.index"))
    flash(f"The message to {message.to_addr} is queued again.", "success")
    return redirect(url_for("outbox.index"))
