"""The `onboarding` console script: a Flask CLI group (`flask --app onboarding ...` is the same).

Commands live with their concept (`roles/cli.py`, `plans/cli.py` ...) and are thin: parse
arguments, call an operation, commit once, print what happened.
"""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    from onboarding.api import cli as tokens
    from onboarding.demo import cli as demo
    from onboarding.insights import cli as insights
    from onboarding.ops import backup, serve
    from onboarding.people import cli as people
    from onboarding.plans import cli as plans
    from onboarding.reminders import cli as reminders
    from onboarding.roles import cli as roles
    from onboarding.webhooks import cli as webhooks

    for module in (roles, people, plans, demo, reminders, insights, tokens, webhooks, serve, backup):
        module.register(app)


def _create_app():
    from flask.cli import NoAppException

    from onboarding import create_app
    from onboarding.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:  # one line for the person at the terminal, not a traceback
        raise NoAppException(str(exc)) from None


def main() -> None:
    """Entry point of the `onboarding` console script."""
    from onboarding.config import ConfigError, check_environment
    from onboarding.ops.serve import share_metrics_with_server

    try:
        check_environment()
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    share_metrics_with_server(sys.argv[1:2])
    cli = FlaskGroup(
        create_app=_create_app,
        add_version_option=False,
        help="Onboarding: 30/60/90-day plans from role blueprints.\n\n"
        "Configuration comes from ONBOARDING_* environment variables (see the README).",
    )
    cli.main(prog_name="onboarding")
