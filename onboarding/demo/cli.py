"""`onboarding demo`: a demo organisation to explore the app with."""
from __future__ import annotations

import click
from flask import Flask

from onboarding.core import clock
from onboarding.core.cli import fail
from onboarding.core.errors import ServiceError
from onboarding.demo.operations import build_demo, demo_logins
from onboarding.extensions import db


@click.command("demo")
def demo():
    """Create a demo organisation (people, roles, hires at different points of their ramp) and print the logins."""
    try:
        created = build_demo(today=clock.now().date(), now=clock.now())
    except ServiceError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    click.echo("Demo organisation created." if created else "The demo organisation is already there.")
    click.echo("\nSign in with any of these (email / password):")
    for login in demo_logins():
        click.echo(f"  {login.role:8} {login.email:22} {login.password:18} {login.what}")


def register(app: Flask) -> None:
    app.cli.add_command(demo)
