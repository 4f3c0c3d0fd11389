"""Read models for the plan pages: a plan's phases and due-next list, the team table, all plans, history.
Each is set-based: a fixed number of queries whatever the number of plans."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import aliased

from onboarding.audit.models import Event
from onboarding.audit.types import EventType
from onboarding.core.db import table_of
from onboarding.core.phases import NEEDS_ATTENTION, STATUS_RANK, phase_name, phase_rank
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.access import signed_in, visible_plans_stmt
from onboarding.plans.models import CheckIn, Comment, Plan, PlanItem
from onboarding.plans.reading import children_map, phase_keys, waivable_leaves
from onboarding.plans.status import (
    STATUSES,
    PhaseProgress,
    PlanProgress,
    leaf_items_condition,
    progress_for_plans,
    progress_for_selected,
    progress_of_items,
)
from onboarding.roles.models import RoleTemplate, RoleTemplateVersion

#: how many open items "Due next" lists
DUE_NEXT_COUNT = 5


TEAM_SORTS = ("attention", "status", "name", "start", "waiting")


@dataclass
class PhaseView:
    key: str
    heading: str
    theme: str
    due_on: date | None
    progress: PhaseProgress
    #: top-level items of the phase, in order (sub-items via PlanOverview.kids)
    roots: list[PlanItem]
    check_in: CheckIn | None

    @property
    def name(self) -> str:
        return phase_name(self.key)

    @property
    def is_checked_in(self) -> bool:
        return self.check_in is not None and self.check_in.recorded_at is not None


@dataclass
class PlanOverview:
    plan: Plan
    today: date
    people: dict[int, User]
    role_title: str
    content: dict
    phases: list[PhaseView]
    kids: dict[int | None, list[PlanItem]]
    progress: PlanProgress
    due_next: list[PlanItem]
    sent_back: list[PlanItem]
    waiting: list[PlanItem]
    #: comments about each item (item id -> oldest first), for pages that show them beside the item
    item_comments: dict[int, list[CommentEntry]] = field(default_factory=dict)
    #: every item of the plan, in position order
    items: list[PlanItem] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.progress.status

    @property
    def day(self) -> int:
        """Day N of the plan: the start date is day 1; before it, zero or less."""
        return (self.today - self.plan.start_on).days + 1

    @property
    def guidance(self) -> dict:
        return self.content.get("guidance") or {}

    @property
    def kpis(self) -> list[dict]:
        return self.content.get("kpis") or []

    @property
    def long_term(self) -> dict | None:
        """The long-term goals: guidance, never dated checklist items."""
        for phase in self.content.get("phases") or []:
            if phase.get("key") == "long-term" or not phase.get("due"):
                return phase
        return None

    def is_leaf(self, item: PlanItem) -> bool:
        return not self.kids.get(item.id)

    def waivable(self, item: PlanItem) -> list[PlanItem]:
        """What waiving this group would waive: its open and done sub-items."""
        return waivable_leaves(item.id, self.kids)

    def is_overdue(self, item: PlanItem) -> bool:
        return item.state == "open" and item.due_on is not None and item.due_on < self.today


def plan_overview(plan: Plan, today: date, *, with_check_ins: bool = True) -> PlanOverview:
    """Everything a plan page shows: phases with progress and item trees, what is due next, check-ins.

    Without `with_check_ins` (a buddy reading), no check-in is read at all: the page cannot show one."""
    wanted = {pid for pid in (plan.hire_id, plan.manager_id, plan.buddy_id) if pid is not None}
    # One query for the hire, manager and buddy; holding them keeps them in the (weak) identity map,
    # so plan.hire / plan.manager / plan.buddy in the templates do not each load again.
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}
    items = plan.items
    content = plan.template_version.content or {}
    check_ins = {c.phase_key: c for c in db.session.scalars(select(CheckIn).where(CheckIn.plan_id == plan.id))} \
        if with_check_ins else {}
    return overview_of(plan, today, people=people, items=items, content=content, check_ins=check_ins)


def overview_of(plan: Plan, today: date, *, people: dict, items: list[Any], content: dict,
                check_ins: dict) -> PlanOverview:
    """The overview of a plan from what was read of it (no query): its people by id, its items in
    position order, its template version's content and its check-ins by phase key. The items and
    check-ins may be ORM objects or rows with the same names (the hire's page reads rows)."""
    kids = children_map(items)
    template_phases = {p.get("key"): p for p in content.get("phases") or []}
    progress = progress_of_items(plan, items, kids, today)  # the items are loaded: no query
    phases = []
    for key in phase_keys(content, items):
        template_phase = template_phases.get(key) or {}
        phase_items = [i for i in items if i.phase_key == key]
        due_dates = [i.due_on for i in phase_items if i.due_on is not None]
        phases.append(PhaseView(
            key=key,
            heading=template_phase.get("heading") or phase_name(key),
            theme=template_phase.get("theme") or "",
            due_on=progress.phases[key].due_on if key in progress.phases else (max(due_dates) if due_dates else None),
            progress=progress.phases.get(key) or PhaseProgress(key),
            roots=[i for i in kids.get(None, []) if i.phase_key == key],
            check_in=check_ins.get(key),
        ))
    leaves = [i for i in sorted(items, key=lambda i: i.position) if not kids.get(i.id)]
    open_leaves = [i for i in leaves if i.state == "open"]
    due_next = sorted((i for i in open_leaves if i.due_on is not None), key=lambda i: (i.due_on, i.position))
    return PlanOverview(
        plan=plan, today=today, people=people, role_title=content.get("title") or "", content=content, phases=phases,
        kids=kids,
        progress=progress, due_next=due_next[:DUE_NEXT_COUNT],
        sent_back=[i for i in open_leaves if i.review_comment],
        waiting=[i for i in leaves if i.state == "done"],
        items=items,
    )


def buddied_plans(user: User) -> list[tuple[int, str]]:
    """(plan id, hire name) of the active plans this person is the buddy of, by name (one query).

    A buddy may read the plans they buddy, so the filter is the buddy column alone: on its index,
    not a walk over every active plan (which the visibility filter's OR led SQLite's planner into)."""
    if not signed_in(user):
        return []
    db.session.flush()  # then on the session's connection: Session.execute's ORM path costs more than the read
    rows = db.session.connection().execute(_buddied_plans_stmt(), {"buddy_id": user.id})
    return [(plan_id, name) for plan_id, name in rows]


@cache
def _buddied_plans_stmt() -> Select:
    """Built once, of Core columns: every "My plan" page runs it, and building it (or reading it
    through the ORM) cost more than running it."""
    plans, users = table_of(Plan), table_of(User)
    return (select(plans.c.id, users.c.name).join(users, users.c.id == plans.c.hire_id)
            .where(plans.c.buddy_id == bindparam("buddy_id"), plans.c.is_active.is_(True))
            .order_by(func.lower(users.c.name), plans.c.id))


@dataclass
class HistoryEntry:
    event: Event
    actor_name: str | None
    item_text: str | None


#: events that carry check-in ratings, notes or a self-assessment (not shown to a buddy)
CHECK_IN_EVENTS = (EventType.CHECKIN_RECORDED, EventType.CHECKIN_SELF_ASSESSED)


def plan_history(plan: Plan, *, limit: int, offset: int = 0,
                 with_check_ins: bool = True) -> tuple[list[HistoryEntry], int]:
    """A plan's events, newest first, with who did it and which item (one query, plus one to count)."""
    wanted = [Event.plan_id == plan.id] + ([] if with_check_ins else [Event.kind.not_in(CHECK_IN_EVENTS)])
    total = db.session.scalar(select(func.count()).select_from(Event).where(*wanted))
    rows = db.session.execute(
        select(Event, User.name, PlanItem.text)
        .outerjoin(User, User.id == Event.actor_id)
        .outerjoin(PlanItem, PlanItem.id == Event.item_id)
        .where(*wanted)
        .order_by(Event.created_at.desc(), Event.id.desc())
        .limit(limit).offset(offset)
    ).all()
    return [HistoryEntry(event, name, text) for event, name, text in rows], int(total or 0)


@dataclass
class CommentEntry:
    comment: Comment
    author_name: str | None
    item_text: str | None


def plan_comments(plan: Plan, *, limit: int = 50, offset: int = 0) -> tuple[list[CommentEntry], int]:
    """A page of a plan's comments, oldest first, with their authors, and how many there are (two queries)."""
    total = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.plan_id == plan.id))
    rows = db.session.execute(
        select(Comment, User.name, PlanItem.text)
        .outerjoin(User, User.id == Comment.author_id)
        .outerjoin(PlanItem, PlanItem.id == Comment.item_id)
        .where(Comment.plan_id == plan.id)
        .order_by(Comment.created_at, Comment.id)
        .limit(limit).offset(offset)
    ).all()
    return [CommentEntry(c, name, text) for c, name, text in rows], int(total or 0)


@dataclass
class ReportRow:
    plan_id: int
    hire_name: str
    hire_email: str
    role_title: str
    start_on: date
    day: int
    progress: PlanProgress
    #: (phase key, due date) of the first dated phase without a recorded check-in
    next_check_in: tuple[str, date | None] | None = None
    #: (phase key, due date) of every dated phase that has ended without a recorded check-in
    overdue_check_ins: list[tuple[str, date]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.progress.status

    @property
    def waiting(self) -> int:
        return self.progress.waiting

    @property
    def phases(self) -> list[PhaseProgress]:
        return sorted(self.progress.phases.values(), key=lambda p: phase_rank(p.key))

    @property
    def status_label(self) -> str:
        return self.status.capitalize()

    @property
    def status_class(self) -> str:
        return self.status.replace(" ", "-")

    @property
    def attention(self) -> int:
        """0 overdue, 1 at risk, 2 waiting for sign-off, 3 on track, 4 complete."""
        if self.status in NEEDS_ATTENTION:
            return STATUS_RANK[self.status]
        if self.waiting:
            return 2
        return 3 if self.status == "on track" else 4


def _sort_key(sort: str):
    by_name = lambda r: (r.hire_name.casefold(), r.plan_id)  # noqa: E731
    return {
        "attention": lambda r: (r.attention, -r.progress.overdue, -r.waiting, *by_name(r)),
        "status": lambda r: (STATUS_RANK.get(r.status, 9), *by_name(r)),
        "name": by_name,
        "start": lambda r: (r.start_on, *by_name(r)),
        "waiting": lambda r: (-r.waiting, STATUS_RANK.get(r.status, 9), *by_name(r)),
    }[sort]


def phase_columns(reports: list[ReportRow]) -> list[str]:
    """The dated phases any of these reports has, in order (the dashboard's progress columns)."""
    return sorted({key for r in reports for key in r.progress.phases}, key=phase_rank)


def team_overview(manager: User, today: date, sort: str = "attention") -> list[ReportRow]:
    """The manager's active reports with progress, status and next check-in, in three queries."""
    if sort not in TEAM_SORTS:
        sort = "attention"
    mine = visible_plans_stmt(manager).where(Plan.manager_id == manager.id, Plan.is_active.is_(True))
    ids = mine.with_only_columns(Plan.id)
    rows = db.session.execute(
        select(Plan.id, Plan.start_on, User.name, User.email, RoleTemplate.title)
        .join(User, User.id == Plan.hire_id)
        .join(RoleTemplateVersion, RoleTemplateVersion.id == Plan.template_version_id)
        .join(RoleTemplate, RoleTemplate.id == RoleTemplateVersion.template_id)
        .where(Plan.id.in_(ids))
    ).all()
    progress = progress_for_plans([r[0] for r in rows], today)
    recorded: dict[int, set[str]] = {}
    for plan_id, key in db.session.execute(
        select(CheckIn.plan_id, CheckIn.phase_key).where(CheckIn.plan_id.in_(ids), CheckIn.recorded_at.is_not(None))
    ):
        recorded.setdefault(plan_id, set()).add(key)
    reports = []
    for plan_id, start_on, name, email, title in rows:
        row = ReportRow(plan_id, name, email, title, start_on, (today - start_on).days + 1, progress[plan_id])
        done = recorded.get(plan_id, set())
        for phase in row.phases:
            if phase.key not in done:
                row.next_check_in = row.next_check_in or (phase.key, phase.due_on)
                if phase.due_on is not None and phase.due_on < today:
                    row.overdue_check_ins.append((phase.key, phase.due_on))
        reports.append(row)
    reports.sort(key=_sort_key(sort))
    return reports


@dataclass
class PlanFilters:
    role: str = ""  # template slug
    manager: str = ""  # a manager's id, "none" for plans without one, "" for any
    status: str = ""  # one of status.STATUSES
    month: str = ""  # YYYY-MM of the start date
    include_finished: bool = False
    check_in: str = ""  # "overdue": plans with a phase ended and its check-in not recorded


@dataclass
class AdminPlanRow:
    plan_id: int
    is_active: bool
    start_on: date
    hire_name: str
    hire_email: str
    manager_name: str | None
    role_title: str
    progress: PlanProgress = field(default_factory=lambda: PlanProgress(0))

    @property
    def status(self) -> str:
        return self.progress.status


def _month_bounds(month: str) -> tuple[date, date] | None:
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except (TypeError, ValueError):
        return None
    return first, date(year + (number == 12), number % 12 + 1, 1)


def _admin_plans_stmt(user: User, filters: PlanFilters, today: date):
    Manager = aliased(User)
    stmt = (
        select(Plan.id, Plan.is_active, Plan.start_on, User.name, User.email, Manager.name, RoleTemplate.title)
        .join(User, User.id == Plan.hire_id)
        .outerjoin(Manager, Manager.id == Plan.manager_id)
        .join(RoleTemplateVersion, RoleTemplateVersion.id == Plan.template_version_id)
        .join(RoleTemplate, RoleTemplate.id == RoleTemplateVersion.template_id)
        .where(Plan.id.in_(visible_plans_stmt(user).with_only_columns(Plan.id)))
    )
    if not filters.include_finished:
        stmt = stmt.where(Plan.is_active.is_(True))
    if filters.role:
        stmt = stmt.where(RoleTemplate.slug == filters.role)
    if filters.manager == "none":
        stmt = stmt.where(Plan.manager_id.is_(None))
    elif filters.manager.isdigit() and int(filters.manager) < 2**31:
        stmt = stmt.where(Plan.manager_id == int(filters.manager))
    bounds = _month_bounds(filters.month) if filters.month else None
    if bounds:
        stmt = stmt.where(Plan.start_on >= bounds[0], Plan.start_on < bounds[1])
    if filters.check_in == "overdue":
        late = overdue_check_ins_stmt(today).subquery()
        stmt = stmt.where(Plan.id.in_(select(late.c.plan_id)))
    return stmt.order_by(func.lower(User.name), Plan.id)


def overdue_check_ins_stmt(today: date):
    """(plan id, phase key, phase end) of each active plan's dated phase that ended before `today`
    with no check-in recorded. A phase ends on its latest leaf item's due date, as progress counts it."""
    ends = (
        select(PlanItem.plan_id, PlanItem.phase_key, func.max(PlanItem.due_on).label("due_on"))
        .where(PlanItem.due_on.is_not(None), leaf_items_condition())
        .group_by(PlanItem.plan_id, PlanItem.phase_key)
        .having(func.max(PlanItem.due_on) < today)
        .subquery()
    )
    recorded = exists().where(CheckIn.plan_id == ends.c.plan_id, CheckIn.phase_key == ends.c.phase_key,
                              CheckIn.recorded_at.is_not(None))
    return (select(ends.c.plan_id, ends.c.phase_key, ends.c.due_on)
            .join(Plan, Plan.id == ends.c.plan_id)
            .where(Plan.is_active.is_(True), ~recorded))


def _admin_rows(rows) -> list[AdminPlanRow]:
    return [AdminPlanRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]


def admin_plan_rows(user: User, filters: PlanFilters, today: date, *, page: int, per_page: int
                    ) -> tuple[list[AdminPlanRow], int]:
    """One page of the plans an admin may see, filtered; returns (rows, total matching)."""
    stmt = _admin_plans_stmt(user, filters, today)
    page = max(1, page)
    if filters.status in STATUSES:
        # Status is computed, not stored: compute it for every matching plan (one query per 900).
        rows = _admin_rows(db.session.execute(stmt).all())
        progress = progress_for_plans([r.plan_id for r in rows], today)
        for row in rows:
            row.progress = progress[row.plan_id]
        rows = [r for r in rows if r.status == filters.status]
        return rows[(page - 1) * per_page: page * per_page], len(rows)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = _admin_rows(db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all())
    progress = progress_for_plans([r.plan_id for r in rows], today)
    for row in rows:
        row.progress = progress[row.plan_id]
    return rows, int(total or 0)


def admin_plan_export(user: User, filters: PlanFilters, today: date) -> list[AdminPlanRow]:
    """Every plan the filters match (no pages), with progress and status, in two queries."""
    stmt = _admin_plans_stmt(user, filters, today)
    rows = _admin_rows(db.session.execute(stmt).all())
    progress = progress_for_selected(stmt.order_by(None).with_only_columns(Plan.id), today)
    for row in rows:
        row.progress = progress.get(row.plan_id) or PlanProgress(row.plan_id)
    if filters.status in STATUSES:
        rows = [r for r in rows if r.status == filters.status]
    return rows


#: the All plans download's columns
PLAN_CSV_COLUMNS = ["Hire", "Email", "Role", "Manager", "Start date", "Status", "Items", "Done", "Progress %",
                    "Waiting for sign-off", "Overdue items", "Active"]


def plan_csv_row(row: AdminPlanRow) -> list:
    """One plan of All plans as a CSV row."""
    p = row.progress
    return [row.hire_name, row.hire_email, row.role_title, row.manager_name or "", row.start_on, row.status, p.total,
            p.done, p.percent, p.waiting, p.overdue, row.is_active]


def team_csv(reports: list[ReportRow]) -> tuple[list[str], list[list]]:
    """The team dashboard as CSV: the header and a row per report, a done/total column pair per phase."""
    keys = phase_columns(reports)
    header = ["Name", "Email", "Role", "Start date", "Day"]
    for key in keys:
        header += [f"{phase_name(key)} done", f"{phase_name(key)} items"]
    header += ["Status", "Waiting for sign-off", "Next check-in", "Next check-in due"]
    rows = []
    for r in reports:
        row = [r.hire_name, r.hire_email, r.role_title, r.start_on, r.day]
        for key in keys:
            phase = r.progress.phases.get(key)
            row += [phase.done, phase.total] if phase else [None, None]
        check_in = r.next_check_in
        row += [r.status, r.waiting, phase_name(check_in[0]) if check_in else None, check_in[1] if check_in else None]
        rows.append(row)
    return header, rows
