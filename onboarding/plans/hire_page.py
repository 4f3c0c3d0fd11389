"""The hire's "My plan" page as rows, built in Python once per request (no template logic per item).

The page has three stages: before day one (a welcome, the plan to read, nothing to tick), running
(what needs the hire first, then the current phase open, the others folded), and finished (every
dated item signed off or waived, or the plan closed: a summary of the journey).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import BindParameter, Select, bindparam, select

from onboarding.core.db import table_of
from onboarding.core.formatting import nice_date
from onboarding.core.phases import CHECKIN_LABELS, ItemState, RampStatus
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.models import CheckIn, Plan, PlanItem
from onboarding.plans.queries import PhaseView, PlanOverview, overview_of
from onboarding.plans.status import PhaseProgress
from onboarding.roles.models import RoleTemplateVersion

PRESTART, RUNNING, FINISHED = "prestart", "running", "finished"


@dataclass
class ItemRow:
    """One item as the hire's page shows it; every string and flag the template needs is set here."""

    id: int
    text: str
    version: int
    state: str
    depth: int
    is_leaf: bool
    due_on: date | None
    due_text: str
    #: the due date for a <time datetime>: ISO, or empty
    due_iso: str
    #: (label, css class) of the state badge, or None
    badge: tuple[str, str] | None
    note: str
    evidence_url: str
    review_comment: str
    waived_reason: str
    #: the hire may tick or untick it (and add a note): an open or done leaf of a running plan
    is_tickable: bool
    #: sits in "Needs you first" above; in its phase it is only a pointer there
    is_above: bool = False
    #: how many nested lists close after this row (the template renders the tree from a flat list)
    closes: int = 0
    #: the parent's text, for a row shown out of its tree ("Needs you first")
    context: str = ""
    #: where its form posts (built once per page, not a url_for per item)
    action: str = ""

    @property
    def is_done(self) -> bool:
        return self.state == ItemState.DONE

    @property
    def is_sent_back(self) -> bool:
        return self.state == ItemState.OPEN and bool(self.review_comment)

    @property
    def evidence_is_link(self) -> bool:
        return self.evidence_url.lower().startswith(("https://", "http://"))


@dataclass
class PhaseSection:
    view: PhaseView
    rows: list[ItemRow]
    #: "current", "earlier" or "later"
    when: str
    is_open: bool
    #: the self-assessment form is offered (current phase, or an earlier one not yet checked in)
    wants_self_assessment: bool

    @property
    def key(self) -> str:
        return self.view.key

    @property
    def progress(self) -> PhaseProgress:
        return self.view.progress

    @property
    def due_text(self) -> str:
        return f"due {nice_date(self.view.due_on)}" if self.view.due_on else "no due date"

    @property
    def summary(self) -> str:
        """Dates and counts for a folded phase: "due 1 Apr 2026 · 2 of 5 done (1 signed off, 1 waiting ...)"."""
        p = self.progress
        return f"{self.due_text} · {count_text(p)}" if p.total or p.waived else self.due_text


@dataclass
class CheckInLine:
    phase_name: str
    label: str
    css: str


@dataclass
class HirePage:
    ov: PlanOverview
    stage: str
    sections: list[PhaseSection]
    above: list[ItemRow]
    check_ins: list[CheckInLine] = field(default_factory=list)
    #: the day the plan's last item was signed off or waived (finished plans)
    finished_on: date | None = None

    @property
    def plan(self):
        return self.ov.plan

    @property
    def hire(self):
        """The hire, manager and buddy as the page shows them (id, name, email), or None."""
        return self.ov.people.get(self.plan.hire_id)

    @property
    def manager(self):
        return self.ov.people.get(self.plan.manager_id)

    @property
    def buddy(self):
        return self.ov.people.get(self.plan.buddy_id)

    @property
    def can_tick(self) -> bool:
        return self.stage == RUNNING

    @property
    def status_label(self) -> tuple[str, str]:
        """The page's status badge: the ramp status, except that a plan nobody can sign off is not "on track"."""
        status = self.ov.status
        if self.plan.manager_id is None and status == RampStatus.ON_TRACK:
            return "No manager yet", "status-no-manager"
        return status.capitalize(), "status-" + status.replace(" ", "-")

    def row(self, item_id: int) -> ItemRow | None:
        for row in self.above:
            if row.id == item_id:
                return row
        for section in self.sections:
            for row in section.rows:
                if row.id == item_id and not row.is_above:
                    return row
        return None


def count_text(p: PhaseProgress) -> str:
    """"3 of 10 done (2 signed off, 1 waiting for sign-off), 1 waived": the figures in words."""
    text = f"{p.done} of {p.total} done"
    if p.done:
        text += f" ({p.signed_off} signed off, {p.waiting} waiting for sign-off)"
    if p.waived:
        text += f", {p.waived} waived"
    return text


class PersonFields(NamedTuple):
    """The hire, manager or buddy as the hire's page shows them."""

    id: int
    name: str
    email: str


class ItemFields(NamedTuple):
    """A plan item as the hire's page reads it: the columns it shows, nothing the page does not."""

    id: int
    parent_id: int | None
    position: int
    phase_key: str
    text: str
    due_on: date | None
    state: str
    note: str
    evidence_url: str
    review_comment: str
    waived_reason: str
    version: int
    signed_off_at: datetime | None


class CheckInFields(NamedTuple):
    """A phase's check-in as the hire's page shows it."""

    phase_key: str
    status: str
    notes: str
    self_assessment: str
    recorded_at: datetime | None


@cache
def _hire_statements() -> tuple[Select, Select, Select, Select]:
    """The four reads of the hire's page, built once: plain Core selects of the columns the page
    shows (built per request, and read into ORM objects, they cost more than running them)."""
    users, items, versions, check_ins = (table_of(m) for m in (User, PlanItem, RoleTemplateVersion, CheckIn))
    plan_id: BindParameter[int] = bindparam("plan_id")
    return (
        select(*(users.c[name] for name in PersonFields._fields))
        .where(users.c.id.in_([bindparam("hire_id"), bindparam("manager_id"), bindparam("buddy_id")])),
        select(*(items.c[name] for name in ItemFields._fields))
        .where(items.c.plan_id == plan_id).order_by(items.c.position),
        select(versions.c.content).where(versions.c.id == bindparam("version_id")),
        select(*(check_ins.c[name] for name in CheckInFields._fields)).where(check_ins.c.plan_id == plan_id),
    )


def hire_overview(plan: Plan, today: date) -> PlanOverview:
    """plan_overview for the hire's own page, read as plain rows (people, items, template content,
    check-ins) of the fields above: the page only reads them, and they cost a fraction of ORM
    objects. Each row becomes a named tuple: the page reads an item's fields some thirty times,
    and a SQLAlchemy Row answers an attribute some twenty times slower than a tuple does. The
    hire, manager and buddy are in `people`, not behind plan.hire and the like."""
    people_stmt, items_stmt, content_stmt, check_ins_stmt = _hire_statements()
    # On the session's connection, in its transaction: Session.execute costs more per statement (the
    # ORM's execution path, even for Core selects), so the flush it would do comes first, once.
    db.session.flush()
    execute = db.session.connection().execute
    people = {row[0]: PersonFields(*row) for row in execute(people_stmt, {
        "hire_id": plan.hire_id, "manager_id": plan.manager_id, "buddy_id": plan.buddy_id})}
    items = [ItemFields(*row) for row in execute(items_stmt, {"plan_id": plan.id})]
    content = execute(content_stmt, {"version_id": plan.template_version_id}).scalar() or {}
    check_ins = {row[0]: CheckInFields(*row) for row in execute(check_ins_stmt, {"plan_id": plan.id})}
    return overview_of(plan, today, people=people, items=items, content=content, check_ins=check_ins)


def _badge(item: PlanItem, is_leaf: bool, today: date) -> tuple[str, str] | None:
    state = item.state
    if state == ItemState.OPEN and item.due_on is not None and item.due_on < today:
        return "Overdue", "status-overdue"
    if state == ItemState.OPEN and item.review_comment:
        return "Sent back", "status-overdue"
    if state == ItemState.DONE:
        return ("Done, waiting for sign-off" if is_leaf else "Done"), "state-waiting"
    if state == ItemState.SIGNED_OFF:
        return "Signed off", "status-complete"
    if state == ItemState.WAIVED:
        return "Waived", "state-waived"
    return None


def _rows(ov: PlanOverview, roots: list[PlanItem], stage: str, above_ids: set[int], tick_url: str) -> list[ItemRow]:
    """The phase's tree in reading order, each row with its depth and how many lists close after it."""
    today, kids = ov.today, ov.kids
    rows: list[ItemRow] = []
    stack: list[tuple[PlanItem, int]] = [(item, 0) for item in reversed(roots)]
    while stack:
        item, depth = stack.pop()
        below = kids.get(item.id) or []
        leaf = not below
        rows.append(ItemRow(
            id=item.id, text=item.text, version=item.version, state=item.state, depth=depth, is_leaf=leaf,
            due_on=item.due_on, due_text=nice_date(item.due_on) if item.due_on else "no due date",
            due_iso=item.due_on.isoformat() if item.due_on else "",
            badge=_badge(item, leaf, today), note=item.note or "", evidence_url=item.evidence_url or "",
            review_comment=item.review_comment or "", waived_reason=item.waived_reason or "",
            is_tickable=stage == RUNNING and leaf and item.state in (ItemState.OPEN, ItemState.DONE),
            is_above=item.id in above_ids, action=f"{tick_url}{item.id}",
        ))
        stack.extend((child, depth + 1) for child in reversed(below))
    for row, following in zip(rows, rows[1:] + [None]):
        if row.is_leaf:
            row.closes = row.depth - (following.depth if following else 0)
    return rows


def _current_index(phases: list[PhaseView], today: date) -> int:
    """The phase whose period holds today: the first not yet due (the last one once all are)."""
    for index, phase in enumerate(phases):
        if phase.due_on is None or phase.due_on >= today:
            return index
    return len(phases) - 1


def hire_page(ov: PlanOverview, tick_url: str) -> HirePage:
    """Everything "My plan" shows, in the order it shows it; `tick_url` + an item id is where a tick posts."""
    today, plan = ov.today, ov.plan
    if today < plan.start_on:
        stage = PRESTART
    elif not plan.is_active or ov.status == RampStatus.COMPLETE:
        stage = FINISHED
    else:
        stage = RUNNING
    by_id = {i.id: i for i in ov.items}
    above: list[ItemRow] = []
    above_ids: set[int] = set()
    if stage == RUNNING:
        leaves = [i for i in ov.items if not ov.kids.get(i.id) and i.state == ItemState.OPEN]
        wanted = [i for i in leaves if i.review_comment or (i.due_on is not None and i.due_on < today)]
        wanted.sort(key=lambda i: (not i.review_comment, i.due_on or date.max, i.position))
        above_ids = {i.id for i in wanted}
        for item in wanted:
            row = _rows(ov, [item], stage, set(), tick_url)[0]
            parent = by_id.get(item.parent_id) if item.parent_id is not None else None
            row.context = parent.text if parent is not None else ""
            above.append(row)

    current = _current_index(ov.phases, today) if ov.phases else -1
    sections = []
    for index, phase in enumerate(ov.phases):
        rows = _rows(ov, phase.roots, stage, above_ids, tick_url)
        when = "current" if index == current else ("earlier" if index < current else "later")
        if stage == PRESTART:
            is_open = index == 0
        elif stage == FINISHED:
            is_open = False
        elif when == "current":
            is_open = True
        else:
            # An earlier phase stays open while it holds an open item not already shown above.
            is_open = when == "earlier" and any(r.is_tickable and not r.is_done and not r.is_above for r in rows)
        sections.append(PhaseSection(
            view=phase, rows=rows, when=when, is_open=is_open,
            wants_self_assessment=stage == RUNNING and when != "later" and not phase.is_checked_in,
        ))
    # The current phase first, then earlier ones still open, then later ones, then the finished ones.
    order = {"current": 0, "earlier": 1, "later": 2}
    if stage == RUNNING:
        sections.sort(key=lambda s: (order[s.when] if s.is_open or s.when != "earlier" else 3,
                                     ov.phases.index(s.view)))
    page = HirePage(ov=ov, stage=stage, sections=sections, above=above)
    page.check_ins = [
        CheckInLine(phase.name, CHECKIN_LABELS.get(phase.check_in.status, phase.check_in.status),
                    "status-" + phase.check_in.status.replace(" ", "-"))
        for phase in ov.phases if phase.is_checked_in and phase.check_in is not None
    ]
    if stage == FINISHED:
        ends = [d.date() for i in ov.items for d in (i.signed_off_at,) if d is not None]
        page.finished_on = plan.finished_at.date() if plan.finished_at else (max(ends) if ends else None)
    return page
