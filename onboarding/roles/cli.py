"""`onboarding roles ...`: import, list and export role templates."""
from __future__ import annotations

import json
import sys
from typing import TypedDict

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from onboarding.core import clock
from onboarding.core.cli import fail
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.roles.models import RoleTemplate
from onboarding.roles.operations import (
    get_template_by_slug,
    import_role,
    latest_version,
    milestone_count,
)

roles = AppGroup("roles", help="Role templates made from blueprint documents.")


class ImportedRow(TypedDict):
    """One imported document in `roles import`'s report (and its JSON's `imported`)."""

    source: str
    slug: str
    version: int
    #: "created", "updated" or "unchanged", as import_role says
    outcome: str


class RoleRow(TypedDict):
    """One role template in `roles list` (and its JSON's `roles`)."""

    slug: str
    title: str
    level: str
    version: int
    #: milestones per dated phase, by phase key
    milestones: dict[str, int]


@roles.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--dry-run", is_flag=True, help="Read and check the documents; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the parsed roles as JSON (the import preview).")
def import_roles(paths, dry_run, as_json):
    """Read blueprint files or folders into role templates (one bad file does not stop the others)."""
    from onboarding.roles.reader import read_paths

    parsed, errors = read_paths(paths, max_bytes=current_app.config["IMPORT_MAX_BYTES"])
    imported: list[ImportedRow] = []
    if not dry_run:
        now = clock.now()
        for role in parsed:
            data = role.to_dict()
            try:
                with db.session.begin_nested():
                    result = import_role(data, now=now)
            except ServiceError as exc:
                errors.append({"source": role.source, "error": str(exc)})
                continue
            imported.append({"source": role.source, "slug": result.template.slug,
                             "version": result.version.number, "outcome": result.outcome})
        db.session.commit()
    if as_json:
        document: dict[str, object] = {"roles": [role.to_dict() for role in parsed], "errors": errors}
        if not dry_run:
            document["imported"] = imported
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        for role in parsed:
            counts = ", ".join(f"{p.key} {sum(1 for _ in _walk(p.milestones))}" for p in role.phases if p.due)
            click.echo(f"{role.source}: {role.title} ({role.format}) — {counts}")
            for warning in role.warnings:
                click.echo(f"  warning: {warning}")
        for row in imported:
            verb = {"created": "created", "updated": "new version", "unchanged": "unchanged, no new version"}
            click.echo(f"{row['slug']}: {verb[row['outcome']]} (version {row['version']})")
        if dry_run:
            click.echo(f"Dry run: {len(parsed)} role(s) read, nothing written.")
    for error in errors:
        click.echo(f"Error: {error['source']}: {error['error']}", err=True)
    if errors:
        sys.exit(1)


def _walk(milestones):
    for m in milestones:
        yield m
        yield from _walk(m.children)


@roles.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def list_roles(as_json):
    """List role templates with their newest version."""
    templates = db.session.scalars(select(RoleTemplate).order_by(RoleTemplate.title)).all()
    rows: list[RoleRow] = []
    for template in templates:
        version = latest_version(template)
        phases = [p for p in version.phases if p.get("due")]
        rows.append({"slug": template.slug, "title": template.title, "level": template.level,
                     "version": template.latest_number,
                     "milestones": {p["key"]: milestone_count(p) for p in phases}})
    if as_json:
        click.echo(json.dumps({"roles": rows}, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No role templates yet. Import one with: onboarding roles import PATH")
        return
    for row in rows:
        counts = " ".join(f"{k}:{n}" for k, n in row["milestones"].items())
        click.echo(f"{row['slug']}  v{row['version']}  {row['title']}  [{counts}]")


@roles.command("export")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@click.option("--version", "number", type=int, help="Version number (default: the newest).")
def export_role(slug, fmt, number):
    """Print a role template as YAML or JSON that `roles import` reads back."""
    from onboarding.roles.reader import dump_export, role_to_export

    template = get_template_by_slug(slug)
    if template is None:
        fail(f"no role template '{slug}'. See `onboarding roles list`.")
    version = latest_version(template) if number is None else next(
        (v for v in template.versions if v.number == number), None)
    if version is None:
        fail(f"role '{slug}' has no version {number}")
    click.echo(dump_export(role_to_export([version.content]), fmt), nl=False)


def register(app: Flask) -> None:
    app.cli.add_command(roles)
