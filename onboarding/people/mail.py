"""Mail to one person about their account (invitation, password reset), queued in the outbox.

The message is written in the caller's transaction, so it is sent once, after the commit, by the
outbox's delivery with its retries; a rolled-back change sends nothing.
"""
from __future__ import annotations

from email.utils import format_datetime, formataddr, make_msgid

from flask import current_app

from onboarding.core.web import current_app_object
from onboarding.extensions import db
from onboarding.outbox.channels.email import sender_domain
from onboarding.outbox.models import OutboxMessage
from onboarding.people.models import User
from onboarding.reminders.compose import Links, mail_templates


def queue_account_mail(user: User, template: str, subject: str, now, **context) -> OutboxMessage:
    """Render templates/email/<template>.txt and .html for `user` and queue the message."""
    message = OutboxMessage(**account_mail_values(user, template, subject, now, **context))
    db.session.add(message)
    return message


def account_mail_values(user: User, template: str, subject: str, now, *, domain: str | None = None,
                        **context) -> dict:
    """The outbox row of an account mail to `user` (for queue_account_mail, or a bulk INSERT that
    passes the sender's `domain` once)."""
    app = current_app_object()
    env = mail_templates(app)
    context = {"name": user.name, "first_name": (user.name.split() or [user.name])[0], **context}
    return dict(
        user_id=user.id, to_addr=user.email, subject=subject[:300],
        text_body=env.get_template(f"email/{template}.txt").render(context),
        html_body=env.get_template(f"email/{template}.html").render(context),
        headers={"To": formataddr((user.name, user.email)), "Message-ID": make_msgid(domain=domain or sender_domain(app)),
                 "Date": format_datetime(now), "Auto-Submitted": "auto-generated"},
        status="queued", next_attempt_at=now, created_at=now,
    )


def link_url(endpoint: str, **values) -> str:
    return Links(current_app).url(endpoint, **values)
