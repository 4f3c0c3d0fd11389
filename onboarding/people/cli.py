"""`onboarding users ...` and `onboarding people ...`: people, their accounts and their data."""
from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from onboarding.core import clock
from onboarding.core.cli import fail
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.people.invitations import invite_new_person
from onboarding.people.models import CADENCES, ROLES
from onboarding.people.operations import create_user, deactivate_person, get_user_by_email
from onboarding.people.privacy import erase_person, export_person

users = AppGroup("users", help="Create people who sign in or receive digests.")


@users.command("add")
@click.option("--email", required=True, help="Sign-in and mail address.")
@click.option("--name", required=True, help="Full name as shown in the app.")
@click.option("--role", "role", required=True, type=click.Choice(ROLES), help="What the person may do.")
@click.option("--password", help="Sign-in password (at least 8 characters); without it the person cannot sign in yet.")
@click.option("--manager", "manager_email", help="Email of this person's manager (must exist).")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone, e.g. Europe/Paris.")
@click.option("--cadence", type=click.Choice(CADENCES), default="weekly", show_default=True, help="Digest cadence.")
@click.option("--no-invite", is_flag=True, help="Do not mail an invitation (one is sent when no --password is given).")
def add_user(email, name, role, password, manager_email, timezone, cadence, no_invite):
    """Create a person (admin, manager or hire); without --password they are mailed an invitation."""
    now = clock.now()
    try:
        user = create_user(
            email=email, name=name, role=role, password=password, manager_email=manager_email,
            timezone=timezone, digest_cadence=cadence, now=now,
        )
        invited = invite_new_person(user, invite=not no_invite, actor=None, now=now)
    except ServiceError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    if invited:
        click.echo(f"An invitation to {user.email} is queued in the outbox.", err=True)
    click.echo(f"Added {user.role} {user.name} <{user.email}>.")


people = AppGroup("people", help="A person's data: export it, or erase a person who left.")


def _person(email: str):
    user = get_user_by_email(email)
    if user is None:
        fail(f"no person with the email {email.strip().lower()[:254]}")
    return user


@people.command("export")
@click.argument("email")
def export_command(email):
    """Print everything stored about a person as JSON (recorded in the audit log)."""
    user = _person(email)
    document = export_person(user, actor=None, now=clock.now())
    db.session.commit()
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


@people.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(email, yes):
    """Erase a person who left: personal data removed, plan figures kept anonymous (deactivates them first)."""
    user = _person(email)
    if not yes:
        click.confirm(f"Erase {user.name} <{user.email}>? This cannot be undone", abort=True)
    now = clock.now()
    try:
        if user.is_active_account:
            deactivate_person(user, actor=None, now=now)
        erase_person(user, actor=None, now=now)
    except ServiceError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    click.echo(f"Erased person {user.id}; their plan's figures stay, anonymous.")


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(people)
