"""`onboarding digests send` and `onboarding scheduler`: reminder digests by hand or on a clock."""
from __future__ import annotations

from datetime import datetime, timezone

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from onboarding.core import clock
from onboarding.core.cli import fail
from onboarding.core.web import current_app_object
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage

digests = AppGroup("digests", help="Reminder digests: build what is due and deliver the outbox.")


def parse_now(value: str | None) -> datetime:
    """An ISO 8601 moment; without an offset it is read as UTC."""
    if not value:
        return clock.now()
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"--now '{value[:40]}' is not an ISO 8601 date and time, e.g. 2026-03-02T09:30:00+01:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@digests.command("send")
@click.option("--now", "now_text", metavar="ISO",
              help="Act as if it were this moment (ISO 8601; UTC without an offset).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; write nothing, send nothing.")
def send(now_text, dry_run):
    """Build the digests due now and deliver the outbox, once."""
    from onboarding.core.processes import PartFailed
    from onboarding.outbox.channels.email import smtp_configured
    from onboarding.outbox.delivery import deliver_outbox
    from onboarding.reminders.build import build_digests

    try:
        now = parse_now(now_text)
    except ValueError as exc:
        fail(str(exc))
    if dry_run:
        def show(message: dict) -> None:
            click.echo(f"To: {message['headers'].get('To', message['to_addr'])}")
            click.echo(f"Subject: {message['subject']}")
            click.echo("")
            click.echo(message["text_body"].rstrip())
            click.echo("-" * 72)

        try:
            built = build_digests(now, dry_run=True, on_message=show)
            waiting = db.session.scalar(
                select(func.count()).select_from(OutboxMessage)
                .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
            )
        finally:
            db.session.rollback()
        click.echo(f"Dry run at {now.isoformat()}: {built} digest(s) would be queued; "
                   f"{waiting} message(s) already queued would be delivered. Nothing was written or sent.")
        return
    try:
        built = build_digests(now)
    except PartFailed as error:
        fail(f"part of the digest round failed: {error}. The digests built are queued; run the command "
             "again to build the rest (nothing is sent twice).")
    sent = deliver_outbox(now)  # chat and webhooks go even without SMTP
    if not smtp_configured():
        waiting = db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "queued",
                                                                 OutboxMessage.channel == "email"))
        if sent:
            click.echo(f"Delivered {sent} chat message(s) and webhook(s).")
        click.echo(f"Queued {built} digest(s). No SMTP server configured (ONBOARDING_SMTP_HOST): "
                   f"{waiting} message(s) wait in the outbox.")
        return
    click.echo(f"Queued {built} digest(s); delivered {sent} message(s).")


@click.command("scheduler")
@click.option("--now", "now_text", metavar="ISO",
              help="Run as if started at this moment; the clock then runs on from it (tests, demos).")
@with_appcontext
def scheduler(now_text):
    """Run the reminder scheduler in the foreground (digests every 15 minutes, outbox every minute)."""
    from onboarding.reminders.scheduler import run_scheduler

    app = current_app_object()
    if app.testing:
        fail("the scheduler does not run under TESTING")
    try:
        start = parse_now(now_text) if now_text else None
    except ValueError as exc:
        fail(str(exc))
    click.echo("Scheduler running (UTC): digests every 15 minutes, outbox every minute. Ctrl-C stops it.")
    run_scheduler(app, start=start)


def register(app: Flask) -> None:
    app.cli.add_command(digests)
    app.cli.add_command(scheduler)
