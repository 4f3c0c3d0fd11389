"""Importing hires from CSV rows: the rules `hires import` and the web import (preview and save) share.

Each row runs in its own savepoint: a bad row is reported with its line number and the good rows are
kept; a person who already has an active plan is reported and skipped. The web preview runs exactly
this and rolls the whole transaction back, so what it shows is what saving will do.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from onboarding.core.checks import parse_date
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.people.invitations import invite_new_person
from onboarding.people.models import User
from onboarding.plans.creation import ActivePlanExists, HireResult, hire_person_with_plan
from onboarding.plans.hires_csv import CsvRow
from onboarding.roles.models import RoleTemplate, RoleTemplateVersion


@dataclass
class ImportReport:
    added: list[tuple[int, HireResult]] = field(default_factory=list)
    #: (line, message) of rows skipped because the person already has an active plan
    skipped: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    invited: int = 0

    def problems(self) -> list[tuple[int, str]]:
        """Every line to report, in line order, worded as the command prints them."""
        return sorted([(line, f"skipped: {m}") for line, m in self.skipped] + self.failed
                      + [(line, f"warning: {m}") for line, m in self.warnings])


def role_lookup() -> dict[str, RoleTemplateVersion]:
    """Every template's newest version by slug and by lower-case title, in one query."""
    stmt = select(RoleTemplate, RoleTemplateVersion).join(
        RoleTemplateVersion, (RoleTemplateVersion.template_id == RoleTemplate.id)
        & (RoleTemplateVersion.number == RoleTemplate.latest_number))
    lookup: dict[str, RoleTemplateVersion] = {}
    for template, version in db.session.execute(stmt):
        lookup.setdefault(template.slug, version)
        lookup.setdefault(" ".join(template.title.split()).lower(), version)
    return lookup


def _outer_transaction() -> None:
    """SQLite's Python driver starts no transaction before a SAVEPOINT, so each row's RELEASE would
    commit that row on its own and a preview could not be rolled back. An explicit BEGIN makes the
    savepoints nest in one transaction, as they do on PostgreSQL."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def import_hire_rows(rows: list[CsvRow], *, actor: User | None, now: datetime, invite: bool = True) -> ImportReport:
    """Add a hire and plan per row (new people invited unless `invite` is False); the caller commits."""
    _outer_transaction()
    roles = role_lookup()
    report = ImportReport()
    for row in rows:
        values = row.values
        try:
            if values.get("_extra"):
                raise ServiceError("the row has more cells than the header")
            role_name = " ".join(values["role"].split()).lower()
            if not role_name:
                raise ServiceError("the role is empty")
            version = roles.get(role_name)
            if version is None:
                raise ServiceError(f"no role template '{values['role'][:80]}' (give its slug or title)")
            if not values["start"]:
                raise ServiceError("the start date is empty")
            start_on = parse_date(values["start"])
            with db.session.begin_nested():
                result = hire_person_with_plan(
                    email=values["email"], name=values["name"], template_version=version, start_on=start_on,
                    manager_email=values.get("manager") or None, buddy_email=values.get("buddy") or None,
                    timezone_name=values.get("timezone") or "UTC", actor=actor, now=now,
                )
                if result.is_new_person and invite_new_person(result.hire, invite=invite, actor=actor, now=now):
                    report.invited += 1
        except ActivePlanExists as exc:
            report.skipped.append((row.line, str(exc)))
            continue
        except ServiceError as exc:
            report.failed.append((row.line, str(exc)))
            continue
        report.added.append((row.line, result))
        report.warnings.extend((row.line, warning) for warning in result.warnings)
    return report
