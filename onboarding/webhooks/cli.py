"""`onboarding webhooks add` and `onboarding outbox deliver`."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from onboarding.audit.types import WEBHOOK_TYPES
from onboarding.core import clock
from onboarding.core.cli import fail
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.webhooks.operations import add_endpoint

webhooks = AppGroup("webhooks", help="Outgoing webhooks: endpoints that receive signed events.")
outbox = AppGroup("outbox", help="The outbox of mail, chat messages and webhook deliveries.")


@webhooks.command("add")
@click.argument("url")
@click.option("--events", required=True, metavar="a,b",
              help=f"Comma-separated event types: {', '.join(WEBHOOK_TYPES)}.")
@click.option("--description", default="", help="What the endpoint is, for the Webhooks page.")
def add(url, events, description):
    """Register an endpoint; its signing secret (whsec_...) is printed alone on the last line."""
    try:
        endpoint = add_endpoint(url, events.split(","), actor=None, now=clock.now(),
                                description=description)
    except ServiceError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    click.echo(f"Webhook endpoint {endpoint.id} added: {endpoint.url} receives {', '.join(endpoint.events)}. "
               "Its signing secret follows; verify deliveries with it (Standard Webhooks).")
    click.echo(endpoint.secret)


@outbox.command("deliver")
@click.option("--now", "now_text", metavar="ISO", help="Act as if it were this moment (ISO 8601; UTC without an offset).")
def deliver(now_text):
    """Deliver every queued mail, chat message and webhook that is due, once."""
    from onboarding.outbox.delivery import deliver_outbox
    from onboarding.reminders.cli import parse_now

    try:
        now = parse_now(now_text)
    except ValueError as exc:
        fail(str(exc))
    sent = deliver_outbox(now)
    waiting = dict(db.session.execute(select(OutboxMessage.channel, func.count()).where(
        OutboxMessage.status == "queued").group_by(OutboxMessage.channel)).all())
    left = ", ".join(f"{count} {channel}" for channel, count in sorted(waiting.items())) or "nothing"
    click.echo(f"Delivered {sent} message(s); still queued: {left}.")


def register(app: Flask) -> None:
    app.cli.add_command(webhooks)
    app.cli.add_command(outbox)
