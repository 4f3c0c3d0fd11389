"""The `onboarding` console script: a Flask CLI group (`flask --app onboarding ...` is the same).

Commands are thin: parse arguments, call a service, commit once, print what happened.
"""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    from onboarding.cli import demo, digests, people, plans, roles

    for module in (roles, people, plans, demo, digests):
        module.register(app)


def _create_app():
    from onboarding import create_app

    return create_app()


def main() -> None:
    """Entry point of the `onboarding` console script."""
    cli = FlaskGroup(
        create_app=_create_app,
        add_version_option=False,
        help="Onboarding: 30/60/90-day plans from role blueprints.\n\n"
        "Configuration comes from ONBOARDING_* environment variables (see the README).",
    )
    cli.main(prog_name="onboarding")


def fail(message: str, code: int = 1):
    """Print a one-line error to stderr and exit non-zero (no traceback for the user)."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)
