"""`onboarding hires ...` and `onboarding plans ...`: add hires with their plans, show a plan."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from onboarding.core import clock
from onboarding.core.checks import parse_date
from onboarding.core.cli import fail
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.people.invitations import invite_new_person
from onboarding.plans.creation import hire_person_with_plan
from onboarding.plans.hires_csv import iter_hires_csv
from onboarding.plans.hires_import import first_and_rest, import_hire_rows, role_lookup
from onboarding.plans.reading import plan_as_json, plan_for_email
from onboarding.roles.operations import get_template_by_slug, latest_version

logger = logging.getLogger(__name__)

hires = AppGroup("hires", help="Add new hires and their dated plans.")


plans = AppGroup("plans", help="Look at hires' plans.")


@hires.command("add")
@click.option("--email", required=True, help="The hire's email address (their sign-in name).")
@click.option("--name", required=True, help="The hire's full name.")
@click.option("--role-template", "slug", required=True, help="Slug of the role template (see `onboarding roles list`).")
@click.option("--start", "start", required=True, help="First working day, YYYY-MM-DD.")
@click.option("--manager", "manager_email",
              help="The manager's email (must exist); without it the plan is made, with a warning.")
@click.option("--buddy", "buddy_email", help="An optional buddy's email (must exist).")
@click.option("--timezone", "timezone_name", default="UTC", show_default=True,
              help="IANA time zone for a new person, e.g. Europe/Paris.")
@click.option("--no-invite", is_flag=True, help="Do not mail a new person an invitation to set a password.")
def add_hire(email, name, slug, start, manager_email, buddy_email, timezone_name, no_invite):
    """Create a hire and their plan (a person who already exists keeps their account and gets the plan)."""
    now = clock.now()
    try:
        start_on = parse_date(start)
        template = get_template_by_slug((slug or "").strip().lower())
        if template is None:
            raise ServiceError(f"no role template '{slug}'. See `onboarding roles list`.")
        result = hire_person_with_plan(
            email=email, name=name, template_version=latest_version(template), start_on=start_on,
            manager_email=manager_email, buddy_email=buddy_email, timezone_name=timezone_name, actor=None, now=now,
        )
        invited = result.is_new_person and invite_new_person(result.hire, invite=not no_invite, actor=None, now=now)
    except ServiceError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    verb = "Added" if result.is_new_person else "Existing person"
    click.echo(f"{verb} {result.hire.name} <{result.hire.email}>: plan {result.plan.id} from {template.title} "
               f"v{result.plan.template_version.number}, starting {result.plan.start_on.isoformat()}, "
               f"{len(result.plan.items)} item(s).")
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if invited:
        click.echo(f"An invitation to {result.hire.email} is queued in the outbox.", err=True)


@hires.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--no-invite", is_flag=True, help="Do not mail invitations to the new people.")
def import_hires(path: Path, no_invite: bool):
    """Add many hires from a CSV file (name, email, role, start date, manager email, buddy email).

    Bad rows are reported with their line numbers and the good rows are kept; a person who already
    has an active plan is reported and skipped, never given a second plan. New people get an
    invitation unless --no-invite.
    """
    try:
        if not path.is_file():
            raise ServiceError(f"{path}: no such file")
        limit = current_app.config["IMPORT_MAX_BYTES"]
        if path.stat().st_size > limit:
            raise ServiceError(f"{path.name} is larger than {limit // 1_000_000} MB")
        first, rows = first_and_rest(iter_hires_csv(path.read_bytes()))
    except OSError as exc:
        fail(f"{path}: cannot read the file ({exc.strerror or exc})")
    except ServiceError as exc:
        fail(f"{path.name}: {exc}")
    if first is None:
        fail(f"{path.name}: the file has a header row but no hires")
    now = clock.now()
    try:
        report = import_hire_rows(rows, role_lookup(), now, invite=not no_invite)
        db.session.commit()
    except ServiceError as exc:  # the CSV is damaged further down: nothing is imported
        db.session.rollback()
        fail(f"{path.name}: {exc}; nothing was imported")
    except SQLAlchemyError as exc:
        db.session.rollback()
        logger.exception("hires import failed")
        fail(f"{path.name}: the database refused the import ({type(exc).__name__}); nothing was imported")
    for line, message in report.problems():
        click.echo(f"line {line}: {message}", err=True)
    click.echo(f"Imported {report.added} hire(s); {len(report.skipped)} skipped (already have a plan); "
               f"{len(report.failed)} row(s) failed.")
    if report.failed:
        sys.exit(1)


@plans.command("show")
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (a stable shape for scripts).")
def show_plan(email, as_json):
    """Show one hire's plan: phases, items with due dates and state, sub-items, ramp status."""
    today = clock.now().date()
    try:
        plan = plan_for_email(email)
    except ServiceError as exc:
        fail(str(exc))
    document = plan_as_json(plan, today=today)
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    hire = document["hire"]
    click.echo(f"{hire['name']} <{hire['email']}> — {document['role']} (template v{document['template_version']})")
    click.echo(f"Manager: {hire['manager'] or 'none yet'}    Start: {document['start_on']}    "
               f"Status: {document['status']}" + ("" if plan.is_active else "    (finished)"))
    headings = {p.get("key"): p.get("heading") or p.get("key") for p in plan.template_version.phases}
    for phase in document["phases"]:
        click.echo("")
        click.echo(f"{headings.get(phase['key'], phase['key'])} — due {phase['due_on'] or '-'}")
        _echo_items(phase["items"], depth=1)
    guidance = [p for p in plan.template_version.phases if not p.get("due")]
    for phase in guidance:
        click.echo("")
        click.echo(f"{phase.get('heading') or phase.get('key')} — guidance, no due date")
        for milestone in phase.get("milestones") or []:
            click.echo(f"  · {milestone['text']}")


@plans.command("repair")
def repair_plans():
    """Re-derive every parent item's state from its sub-items (migration 0005 does this once)."""
    from onboarding.plans.repair import rederive_parents

    changed = rederive_parents(db.session.connection(), clock.now())
    db.session.commit()
    click.echo(f"{changed} parent item(s) repaired")


MARKS = {"open": "[ ]", "done": "[x]", "signed_off": "[✓]", "waived": "[-]"}


def _echo_items(items: list[dict], depth: int) -> None:
    for item in items:
        state = item["state"].replace("_", " ")
        mark = MARKS.get(item["state"], "[?]")
        click.echo(f"{'  ' * depth}{mark} {item['text']}  (due {item['due_on'] or '-'}, {state})")
        _echo_items(item["children"], depth + 1)


def register(app: Flask) -> None:
    app.cli.add_command(hires)
    app.cli.add_command(plans)
