"""`onboarding users ...`: people and their accounts."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from onboarding.core.cli import fail
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.people.models import CADENCES, ROLES
from onboarding.people.operations import create_user

users = AppGroup("users", help="Create people who sign in or receive digests.")


@users.command("add")
@click.option("--email", required=True, help="Sign-in and mail address.")
@click.option("--name", required=True, help="Full name as shown in the app.")
@click.option("--role", "role", required=True, type=click.Choice(ROLES), help="What the person may do.")
@click.option("--password", help="Sign-in password (at least 8 characters); without it the person cannot sign in yet.")
@click.option("--manager", "manager_email", help="Email of this person's manager (must exist).")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone, e.g. Europe/Paris.")
@click.option("--cadence", type=click.Choice(CADENCES), default="weekly", show_default=True, help="Digest cadence.")
def add_user(email, name, role, password, manager_email, timezone, cadence):
    """Create a person (admin, manager or hire)."""
    try:
        user = create_user(
            email=email, name=name, role=role, password=password, manager_email=manager_email,
            timezone=timezone, digest_cadence=cadence,
        )
    except ServiceError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    click.echo(f"Added {user.role} {user.name} <{user.email}>.")


def register(app: Flask) -> None:
    app.cli.add_command(users)
