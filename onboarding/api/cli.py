"""`onboarding tokens create`: an API token acting as a person, printed once (alone on the last line)."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from onboarding.core import clock
from onboarding.core.cli import fail
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.people.operations import get_user_by_email
from onboarding.people.tokens import create_token

tokens = AppGroup("tokens", help="API tokens: each acts as its person, with exactly their permissions.")


@tokens.command("create")
@click.option("--email", required=True, help="The person the token acts as.")
@click.option("--name", required=True, help="What the token is for, e.g. 'HRIS sync'.")
@click.option("--expires-days", type=int, help="The token stops working after this many days (default: never).")
def create(email, name, expires_days):
    """Make an API token; it is shown once, on the last line, and stored only as a hash."""
    person = get_user_by_email(email)
    if person is None:
        fail(f"no person with the email {email.strip().lower()[:254]}")
    try:
        token, secret = create_token(person, name, actor=None, now=clock.now(), expires_days=expires_days)
    except ServiceError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "does not expire"
    click.echo(f"Token '{token.name}' for {person.email} ({person.role}); it {expiry}. "
               "Copy it now: it is not shown again.")
    click.echo(secret)


def register(app: Flask) -> None:
    app.cli.add_command(tokens)
