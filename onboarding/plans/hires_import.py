"""`hires import`: many hires and their plans from CSV rows, set-based and streaming.

Rows are read one at a time and handled in chunks of CHUNK: each chunk costs a fixed handful of
queries (one look-up of the people it names, one of their active plans, one INSERT per table and
item depth), whatever its size, and holds no ORM objects, so time grows linearly with the rows and
memory stays flat. Each row is still judged on its own, as `hires add` would judge it: good rows
are kept, a bad row is reported with its line and writes nothing. The caller commits once at the
end, so an unexpected database error leaves nothing half-imported.

New people are invited (people/invitations.py invite_new_people, set-based too) unless `invite` is
False. The web import's preview runs exactly this and rolls back.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice

from sqlalchemy import bindparam, insert, select, update

from onboarding.audit.record import record_events
from onboarding.audit.types import EventType
from onboarding.core.checks import parse_date
from onboarding.core.db import table_of
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.insights.tallies import add_plans
from onboarding.people.invitations import invite_new_people
from onboarding.people.models import User
from onboarding.people.operations import check_name, check_timezone, normalise_email
from onboarding.plans.checks import POSITION_STEP
from onboarding.plans.due_dates import WorkCalendar, dated_phases, due_offsets, load_calendar
from onboarding.plans.hires_csv import CsvRow
from onboarding.plans.models import Plan, PlanItem
from onboarding.roles.models import RoleTemplate, RoleTemplateVersion

logger = logging.getLogger(__name__)

CHUNK = 1000


@dataclass
class ImportReport:
    added: int = 0
    #: (line, message): a person who already has an active plan
    skipped: list[tuple[int, str]] = field(default_factory=list)
    #: (line, message): a row that could not be imported
    failed: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    invited: int = 0
    #: (line, name, email, template title, start date, is a new person) per added row, when asked for
    preview: list[tuple] | None = None

    def problems(self) -> list[tuple[int, str]]:
        """Every line to report, in line order, worded as the command prints them."""
        return sorted([(line, f"skipped: {m}") for line, m in self.skipped] + self.failed + self.warnings)


@dataclass
class _Person:
    id: int | None
    email: str
    manager_id: int | None
    manager_email: str | None = None
    has_active_plan: bool = False


@dataclass
class _Row:
    line: int
    email: str
    name: str
    version: RoleTemplateVersion
    start_on: date
    manager_email: str | None
    buddy_email: str | None
    timezone: str


@dataclass
class _Skeleton:
    """A template version's items, ready to date: (parent index or None, phase key, text, offsets)."""

    nodes: list[tuple[int | None, str, str, int | None, int | None]]
    depths: list[int]
    has_children: list[bool]


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


def import_hire_rows(rows: Iterable[CsvRow], roles: dict[str, RoleTemplateVersion], now: datetime, *,
                     invite: bool = True, actor: User | None = None, preview: bool = False) -> ImportReport:
    """Add a hire and their plan for every good row, inviting new people unless `invite` is False;
    `preview` keeps one line per added row for the web preview. The caller commits (or rolls back) once."""
    report = ImportReport(preview=[] if preview else None)
    importer = _Importer(roles, now, report, invite=invite, actor=actor)
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        importer.chunk(chunk)
    return report


class _Importer:
    def __init__(self, roles: dict[str, RoleTemplateVersion], now: datetime, report: ImportReport, *,
                 invite: bool, actor: User | None):
        self.roles, self.now, self.report = roles, now, report
        self.invite, self.actor = invite, actor
        self.new_emails: set[str] = set()
        self.calendar: WorkCalendar = load_calendar()
        self.skeletons: dict[int, _Skeleton] = {}
        self.colleagues: dict[str, str | ServiceError] = {}

    # --- one chunk ---

    def chunk(self, chunk: list[CsvRow]) -> None:
        candidates: list[_Row] = []
        for row in chunk:
            try:
                candidates.append(self._read(row))
            except ServiceError as exc:
                self.report.failed.append((row.line, str(exc)))
        named: set[str] = set()
        for candidate in candidates:
            named.add(candidate.email)
            for other in (candidate.manager_email, candidate.buddy_email):
                if other:
                    named.add(other)
        people = self._people(named)
        self.pending_users: list[dict] = []
        self.pending_plans: list[tuple[_Row, _Person, _Person | None, _Person | None]] = []
        self.manager_updates: list[dict] = []
        for candidate in candidates:
            try:
                self._accept(candidate, people)
            except ServiceError as exc:
                self.report.failed.append((candidate.line, str(exc)))
        self._write()

    def _read(self, row: CsvRow) -> _Row:
        """The checks that need no database, in the order `hires add` makes them."""
        values = row.values
        if values.get("_extra"):
            raise ServiceError("the row has more cells than the header")
        role_name = " ".join(values["role"].split()).lower()
        if not role_name:
            raise ServiceError("the role is empty")
        version = self.roles.get(role_name)
        if version is None:
            raise ServiceError(f"no role template '{values['role'][:80]}' (give its slug or title)")
        if not values["start"]:
            raise ServiceError("the start date is empty")
        start_on = parse_date(values["start"])
        email = normalise_email(values["email"])
        manager = values.get("manager") or ""
        buddy = values.get("buddy") or ""
        return _Row(row.line, email, values["name"], version, start_on,
                    self._colleague(manager) if manager.strip() else None,
                    self._colleague(buddy) if buddy.strip() else None,
                    values.get("timezone") or "UTC")

    def _colleague(self, email: str) -> str:
        """A manager's or buddy's address, normalised once per import (the same few recur on every row)."""
        if email not in self.colleagues:
            try:
                self.colleagues[email] = normalise_email(email)
            except ServiceError as exc:
                self.colleagues[email] = exc
        found = self.colleagues[email]
        if isinstance(found, ServiceError):
            raise found
        return found

    def _people(self, emails: set[str]) -> dict[str, _Person]:
        """Everyone the chunk names, with whether they have an active plan: two queries."""
        people: dict[str, _Person] = {}
        if not emails:
            return people
        users = table_of(User)
        managers = users.alias("managers")
        for user_id, email, manager_id, manager_email in db.session.execute(
            select(users.c.id, users.c.email, users.c.manager_id, managers.c.email)
            .outerjoin(managers, managers.c.id == users.c.manager_id).where(users.c.email.in_(emails))
        ):
            people[email] = _Person(user_id, email, manager_id, manager_email)
        by_id = {p.id: p for p in people.values()}
        if by_id:
            plans = table_of(Plan)
            for (hire_id,) in db.session.execute(
                select(plans.c.hire_id).where(plans.c.hire_id.in_(by_id), plans.c.is_active.is_(True))
            ):
                by_id[hire_id].has_active_plan = True
        return people

    def _known(self, email: str | None, what: str, people: dict[str, _Person]) -> _Person | None:
        if email is None:
            return None
        person = people.get(email)
        if person is None:
            raise ServiceError(f"no person with the email {email} (the {what}): "
                               "add them first with `onboarding users add`")
        if person.id is None:  # added by an earlier row of this chunk: write those rows first
            self._write()
        return person

    def _accept(self, row: _Row, people: dict[str, _Person]) -> None:
        """The checks that need the people: as hire_person_with_plan and create_plan make them."""
        manager = self._known(row.manager_email, "manager", people)
        buddy = self._known(row.buddy_email, "buddy", people)
        hire = people.get(row.email)
        if hire is None:
            name, timezone = check_name(row.name), check_timezone(row.timezone)
            hire = _Person(None, row.email, manager.id if manager else None, manager.email if manager else None)
            self.pending_users.append({"email": row.email, "name": name, "role": "hire", "timezone": timezone,
                                       "manager_id": hire.manager_id, "created_at": self.now})
            people[row.email] = hire
        elif hire.has_active_plan:
            self.report.skipped.append(
                (row.line, f"{row.email} already has an active plan; finish it before making another"))
            return
        else:
            if manager is None:  # the person keeps their line manager, who manages the plan too
                if hire.manager_id:
                    assert hire.manager_email is not None  # read (or set) together with the manager's id
                    manager = _Person(hire.manager_id, hire.manager_email, None)
            elif hire.manager_id is None:
                hire.manager_id, hire.manager_email = manager.id, manager.email
                self.manager_updates.append({"user_id": hire.id, "new_manager_id": manager.id})
            if manager is not None and manager.id == hire.id:
                raise ServiceError("a hire cannot be their own manager")
            if buddy is not None and buddy.id == hire.id:
                raise ServiceError("a hire cannot be their own buddy")
        hire.has_active_plan = True
        self.pending_plans.append((row, hire, manager, buddy))
        if manager is None:
            self.report.warnings.append(
                (row.line, f"warning: {row.email} has no manager yet: the plan is on the admin dashboard's list"))

    # --- writing ---

    def _write(self) -> None:
        """Insert the people, plans, items and events accepted so far: one statement per table and depth."""
        connection = db.session.connection()
        users, plans, items = table_of(User), table_of(Plan), table_of(PlanItem)
        if self.pending_users:
            returned = connection.execute(
                insert(users).returning(users.c.email, users.c.id),
                self.pending_users,
            ).all()
            ids: dict[str, int] = dict(returned)
            for _, hire, _, _ in self.pending_plans:
                if hire.id is None:
                    hire.id = ids[hire.email]
            manager_emails = {manager.id: manager.email for _, _, manager, _ in self.pending_plans if manager}
            record_events([
                {"plan_id": None, "item_id": None, "actor_id": self.actor.id if self.actor else None,
                 "person_id": ids[values["email"]], "kind": str(EventType.PERSON_ADDED), "old_value": None,
                 "created_at": self.now, "new_value": {
                     "email": values["email"], "name": values["name"], "role": "hire",
                     "manager": manager_emails.get(values["manager_id"]), "timezone": values["timezone"]}}
                for values in self.pending_users
            ])
            self._invite([ids[values["email"]] for values in self.pending_users])
            self.new_emails.update(values["email"] for values in self.pending_users)
            self.pending_users = []
        if self.manager_updates:
            connection.execute(update(users).where(users.c.id == bindparam("user_id"))
                               .values(manager_id=bindparam("new_manager_id")), self.manager_updates)
            self.manager_updates = []
        if not self.pending_plans:
            return
        accepted, self.pending_plans = self.pending_plans, []
        # RETURNING rows are matched by a unique key, not by order: asking SQLAlchemy to keep the
        # parameters' order makes it send one INSERT per row on SQLite.
        plan_of_hire: dict[int, int] = dict(connection.execute(
            insert(plans).returning(plans.c.hire_id, plans.c.id),
            [{"hire_id": hire.id, "template_version_id": row.version.id, "manager_id": manager.id if manager else None,
              "buddy_id": buddy.id if buddy else None, "start_on": row.start_on, "is_active": True,
              "created_at": self.now, "revision": 0}
             for row, hire, manager, buddy in accepted],
        ).all())
        plan_ids: list[int] = []
        for _, hire, _, _ in accepted:
            assert hire.id is not None  # a new hire's id came back from the users insert above
            plan_ids.append(plan_of_hire[hire.id])
        counts = self._insert_items(connection, items, [(plan_id, row) for plan_id, (row, *_) in zip(plan_ids, accepted)])
        add_plans(connection, plan_ids)  # the insight tallies (bulk inserts pass no ORM flush)
        record_events([
            {"plan_id": plan_id, "item_id": None, "actor_id": None, "kind": str(EventType.PLAN_CREATED),
             "old_value": None, "created_at": self.now, "new_value": {
                 "template": row.version.template.slug if row.version.template else None,
                 "template_version": row.version.number, "start_on": row.start_on.isoformat(),
                 "manager": manager.email if manager else None, "buddy": buddy.email if buddy else None,
                 "items": count}}
            for plan_id, (row, hire, manager, buddy), count in zip(plan_ids, accepted, counts)
        ])
        self.report.added += len(accepted)
        if self.report.preview is not None:
            self.report.preview.extend(
                (row.line, row.name, hire.email, row.version.template.title if row.version.template else "",
                 row.start_on, hire.email in self.new_emails) for row, hire, _, _ in accepted)
        logger.info("hires import: %d plan(s) made", len(accepted))

    def _invite(self, user_ids: list[int]) -> None:
        """Invite the people this chunk added (a fixed handful of statements per chunk)."""
        if self.invite:
            self.report.invited += invite_new_people(user_ids, actor=self.actor, now=self.now)

    def _insert_items(self, connection, items, plans: list[tuple[int, _Row]]) -> list[int]:
        """Every plan's items, shallowest first so that each level knows its parents' ids. Items with
        sub-items come back with their ids (RETURNING, matched by plan and position); the rest, most
        of them, go straight to the driver's executemany, skipping SQLAlchemy's per-row work."""
        skeletons = [self._skeleton(row.version) for _, row in plans]
        ids: list[list[int | None]] = [[None] * len(s.nodes) for s in skeletons]
        date_as_text = connection.dialect.name == "sqlite"  # as SQLAlchemy stores a Date there
        for depth in range(max((max(s.depths, default=-1) for s in skeletons), default=-1) + 1):
            parents, leaves, where = [], [], []
            for n, ((plan_id, row), skeleton) in enumerate(zip(plans, skeletons)):
                dues: dict[tuple[int | None, int | None], date | None] = {}
                for index, (parent, phase_key, text, offset_days, offset_months) in enumerate(skeleton.nodes):
                    if skeleton.depths[index] != depth:
                        continue
                    key = (offset_days, offset_months)
                    if key not in dues:
                        dues[key] = self.calendar.due(row.start_on, offset_days, offset_months)
                    due_on = dues[key]
                    parent_id = ids[n][parent] if parent is not None else None
                    position = (index + 1) * POSITION_STEP
                    if not skeleton.has_children[index]:
                        leaves.append((plan_id, parent_id, position, phase_key, text, offset_days, offset_months,
                                       due_on.isoformat() if date_as_text and due_on else due_on))
                        continue
                    values = {"plan_id": plan_id, "parent_id": parent_id, "position": position,
                              "phase_key": phase_key, "text": text, "offset_days": offset_days,
                              "offset_months": offset_months, "due_on": due_on,
                              "state": "open", "note": "", "evidence_url": "", "review_comment": "",
                              "waived_reason": "", "is_custom": False, "version": 1}
                    parents.append(values)
                    where.append((n, index))
            if parents:
                returned = {(plan_id, position): item_id for plan_id, position, item_id in connection.execute(
                    insert(items).returning(items.c.plan_id, items.c.position, items.c.id), parents)}
                for (n, index), values in zip(where, parents):
                    ids[n][index] = returned[(values["plan_id"], values["position"])]
            _insert_leaves(connection, leaves)
        return [len(s.nodes) for s in skeletons]

    def _skeleton(self, version: RoleTemplateVersion) -> _Skeleton:
        """The version's milestones flattened in plan order (as create_plan adds them), once per import."""
        if version.id in self.skeletons:
            return self.skeletons[version.id]
        nodes, depths = [], []

        def add(milestones: list[dict], parent: int | None, depth: int, phase_key: str, offsets) -> None:
            for milestone in milestones:
                nodes.append((parent, phase_key, milestone["text"], *offsets))
                depths.append(depth)
                add(milestone.get("children") or [], len(nodes) - 1, depth + 1, phase_key, offsets)

        for phase in dated_phases(version):
            add(phase.get("milestones") or [], None, 0, phase["key"], due_offsets(phase["due"]))
        has_children = [False] * len(nodes)
        for parent, *_ in nodes:
            if parent is not None:
                has_children[parent] = True
        self.skeletons[version.id] = skeleton = _Skeleton(nodes, depths, has_children)
        return skeleton


#: the columns of a leaf item row in _insert_leaves, then the constant ones
_LEAF_COLUMNS = ("plan_id", "parent_id", "position", "phase_key", "text", "offset_days", "offset_months", "due_on")
_LEAF_CONSTANTS = {"state": "open", "note": "", "evidence_url": "", "review_comment": "", "waived_reason": "",
                   "is_custom": False, "version": 1}


def _insert_leaves(connection, rows: list[tuple]) -> None:
    """INSERT leaf items with the driver's executemany: SQLAlchemy spends ~25 µs a row building
    parameters, most of an import's time at hundreds of thousands of items. The constant columns
    are literals in the statement; rows hold plain values (dates already as the backend stores them)."""
    if not rows:
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    constants = [_literal(connection, value) for value in _LEAF_CONSTANTS.values()]
    sql = (f"INSERT INTO plan_items ({', '.join(_LEAF_COLUMNS + tuple(_LEAF_CONSTANTS))}) "
           f"VALUES ({', '.join([mark] * len(_LEAF_COLUMNS) + constants)})")
    connection.exec_driver_sql(sql, rows)


def _literal(connection, value) -> str:
    if isinstance(value, bool):
        return ("true" if value else "false") if connection.dialect.name == "postgresql" else str(int(value))
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def first_and_rest(rows: Iterator[CsvRow]) -> tuple[CsvRow | None, Iterator[CsvRow]]:
    """Peek at the first row of a stream (is the file empty?) without reading the rest."""
    first = next(rows, None)
    if first is None:
        return None, rows

    def again() -> Iterator[CsvRow]:
        yield first
        yield from rows

    return first, again()
