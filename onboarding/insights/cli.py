"""`onboarding insights`: the ramp figures of the Insights page, as text, DESIGN's JSON or CSV."""
from __future__ import annotations

import json

import click
from flask import Flask

from onboarding.core import clock
from onboarding.core.cli import fail
from onboarding.core.phases import phase_name
from onboarding.extensions import db
from onboarding.insights.csv import table_text
from onboarding.insights.queries import InsightFilters, ramp_insights
from onboarding.insights.tables import TABLES
from onboarding.insights.tallies import rebuild
from onboarding.people.operations import get_user_by_email
from onboarding.roles.operations import get_template_by_slug


@click.group("insights", invoke_without_command=True)
@click.option("--role", "slug", help="Only this role template (its slug, see `onboarding roles list`).")
@click.option("--manager", "manager_email", help="Only the reports of this manager (their email).")
@click.option("--json", "as_json", is_flag=True, help="Print DESIGN's JSON shape (roles, phases, hardest, check-ins).")
@click.option("--csv", "as_csv", is_flag=True, help="Print one table as CSV (see --table).")
@click.option("--table", "table", type=click.Choice(list(TABLES)), default="phases", show_default=True,
              help="Which table --csv prints.")
@click.pass_context
def insights_command(context, slug, manager_email, as_json, as_csv, table):
    """Ramp figures per role and phase: on-time rate, median days to sign-off, sent back, overdue, check-ins."""
    if context.invoked_subcommand is not None:
        return
    if as_json and as_csv:
        fail("choose one of --json and --csv")
    filters = InsightFilters()
    if slug:
        template = get_template_by_slug(slug.strip().lower())
        if template is None:
            fail(f"no role template '{slug}'. See `onboarding roles list`.")
        filters = InsightFilters(role=template.slug)
    if manager_email:
        manager = get_user_by_email(manager_email)
        if manager is None:
            fail(f"no person with the email {manager_email.strip()}")
        filters = InsightFilters(role=filters.role, manager_id=manager.id)
    figures = ramp_insights(None, filters, clock.now().date(), everyone=True)
    if as_json:
        click.echo(json.dumps(figures.as_json(), ensure_ascii=False))
        return
    if as_csv:
        click.echo(table_text(TABLES[table](figures)), nl=False)
        return
    _print_text(figures)


def _percent(rate) -> str:
    return "-" if rate is None else f"{round(rate * 100)}%"


def _print_text(figures) -> None:
    for role in figures.roles:
        click.echo(f"{role.label} ({role.slug}): {role.plans} plan(s), {role.active} active, {role.complete} complete")
        if not role.plans:
            continue
        click.echo(f"  {'phase':<10} {'items':>6} {'on time':>8} {'median days':>12} {'sent back':>10} {'overdue':>8}")
        for key, m in role.ordered_phases():
            median = "-" if m.median_days_to_sign_off is None else f"{m.median_days_to_sign_off:g}"
            click.echo(f"  {phase_name(key):<10} {m.items:>6} {_percent(m.on_time_rate):>8} {median:>12} "
                       f"{_percent(m.sent_back_rate):>10} {m.overdue_now:>8}")
        for hard in role.hardest:
            click.echo(f"  hardest: {hard.text} (late {hard.late}, sent back {hard.sent_back}, waived {hard.waived})")
    totals = figures.check_in_totals
    click.echo("Check-ins: " + ", ".join(f"{totals.ratings[r]} {r}" for r in ("on track", "at risk", "off track"))
               + f"; {totals.late} late, {totals.missing} missing")


@insights_command.command("rebuild")
def rebuild_command():
    """Recompute the insight tallies from every plan's items and check-ins (migration 0007 does this once)."""
    plans = rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"insight tallies rebuilt from {plans} plan(s)")


def register(app: Flask) -> None:
    app.cli.add_command(insights_command)
