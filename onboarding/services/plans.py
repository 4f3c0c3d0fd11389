"""Per-hire plans: made from a template version, dated, ticked off, signed off, moved and upgraded.

Plain functions that take `now` / `today`; they add and flush, never commit (the caller commits once).
Every change writes an `Event` (who, what, when, old and new value) in the same transaction.

Item states: open -> done (the hire) -> signed_off (the manager), or done -> open again when the
manager sends it back with a comment; any item not yet signed off can be waived with a reason.
An item with sub-items is never ticked directly: its state is derived from its children.
"""
from __future__ import annotations

import calendar
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from onboarding.extensions import db
from onboarding.models import (
    CheckIn, Comment, Event, Holiday, OrgSettings, Plan, PlanItem, RoleTemplateVersion, User,
)
from onboarding.models.plans import CHECKIN_STATUSES
from onboarding.services import ServiceError
from onboarding.services.people import check_name, check_timezone, create_user, get_user_by_email, normalise_email
from onboarding.services.roles import PHASE_ORDER
from onboarding.services.status import progress_for_plans

logger = logging.getLogger(__name__)

#: the due of each dated phase, as DESIGN.md fixes it (a template's own `due` takes precedence)
STANDARD_DUE = {
    "day-30": {"days": 30}, "day-60": {"days": 60}, "day-90": {"days": 90},
    "month-6": {"months": 6}, "month-12": {"months": 12},
}
MAX_ITEM_TEXT = 2000
MAX_NOTE = 5000
MAX_COMMENT = 5000
MAX_REASON = 1000
MAX_URL = 2000
MAX_HOLIDAY_NAME = 200
#: gap between neighbouring positions, so that an added item slots in without renumbering the plan
POSITION_STEP = 1024
CONFLICT_MESSAGE = "someone else changed this item while you were looking at it; reload the page and try again"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ConflictError(ServiceError):
    """Two people changed the same item: the later change is refused, never silently lost."""

    def __init__(self, message: str = CONFLICT_MESSAGE):
        super().__init__(message)


class ActivePlanExists(ServiceError):
    """The hire already has an active plan (a second one is never made: imports skip the row)."""


@contextmanager
def stale_as_conflict() -> Iterator[None]:
    """Turn the optimistic lock's StaleDataError (raised at flush or commit) into a ConflictError.

    Usage in a view or command: `with stale_as_conflict(): complete_item(...); db.session.commit()`.
    The session is rolled back, so the caller can show the message and carry on.
    """
    try:
        yield
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError() from exc


# --- due dates -----------------------------------------------------------------------------------


def add_months(d: date, n: int) -> date:
    """`d` plus `n` calendar months, clipped to the month's last day (Jan 31 + 1 = Feb 28/29)."""
    month_index = d.month - 1 + n
    year, month = d.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def next_working_day(d: date, holidays: set[date] | frozenset[date]) -> date:
    """`d` itself if it is a working day, else the first working day after it."""
    while d.weekday() >= 5 or d in holidays:
        d += timedelta(days=1)
    return d


def due_date(start_on: date, due: dict | None, *, working_days: bool, holidays: set[date]) -> date | None:
    """The due date of a phase offset (`{"days": N}` or `{"months": N}`) from a start date; None for no due."""
    if not due:
        return None
    if due.get("months") is not None:
        result = add_months(start_on, int(due["months"]))
    elif due.get("days") is not None:
        result = start_on + timedelta(days=int(due["days"]))
    else:
        return None
    return next_working_day(result, holidays) if working_days else result


@dataclass(frozen=True)
class WorkCalendar:
    """The organisation's working-day rule, loaded once per operation (not once per item)."""

    working_days: bool = False
    holidays: frozenset[date] = frozenset()

    def due(self, start_on: date, offset_days: int | None, offset_months: int | None) -> date | None:
        if offset_months is not None:
            return due_date(start_on, {"months": offset_months}, working_days=self.working_days, holidays=self.holidays)
        if offset_days is not None:
            return due_date(start_on, {"days": offset_days}, working_days=self.working_days, holidays=self.holidays)
        return None


def load_calendar() -> WorkCalendar:
    """Org settings and holidays, in two queries."""
    settings = db.session.get(OrgSettings, 1)
    if settings is None or not settings.is_working_days_only:
        return WorkCalendar()
    return WorkCalendar(True, frozenset(db.session.scalars(select(Holiday.on))))


def _offsets(due: dict | None) -> tuple[int | None, int | None]:
    if not due:
        return None, None
    if due.get("months") is not None:
        return None, int(due["months"])
    if due.get("days") is not None:
        return int(due["days"]), None
    return None, None


def phase_due(version: RoleTemplateVersion, phase_key: str) -> dict | None:
    """A phase's due offset in a template version, or the standard one for its key."""
    for phase in version.phases:
        if phase.get("key") == phase_key:
            return phase.get("due")
    return STANDARD_DUE.get(phase_key)


def dated_phases(version: RoleTemplateVersion) -> list[dict]:
    """The template's phases that become checklist items, in phase order (long-term is guidance)."""
    phases = [p for p in version.phases if p.get("due")]
    return sorted(phases, key=lambda p: PHASE_ORDER.index(p["key"]) if p.get("key") in PHASE_ORDER else 99)


# --- input checks --------------------------------------------------------------------------------


def clean_text(value, what: str, limit: int, *, required: bool = True) -> str:
    """Text from a person: must be a string, stripped of control characters, within `limit`."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ServiceError(f"the {what} must be text")
    value = _CONTROL_CHARS.sub("", value).strip()
    if required and not value:
        raise ServiceError(f"the {what} is required")
    if len(value) > limit:
        raise ServiceError(f"the {what} is longer than {limit} characters")
    return value


def check_evidence_url(value) -> str:
    """An evidence link: empty, or an absolute http(s) URL (never javascript:, data: or the like)."""
    url = clean_text(value, "evidence link", MAX_URL, required=False)
    if not url:
        return ""
    if any(ch.isspace() for ch in url):
        raise ServiceError("the evidence link must not contain spaces")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise ServiceError("the evidence link is not a valid address") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise ServiceError("the evidence link must start with http:// or https://")
    return url


def _check_date(value, what: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ServiceError(f"the {what} must be a date (YYYY-MM-DD)")
    return value


def parse_date(text: str, what: str = "start date") -> date:
    """A YYYY-MM-DD date from a person, with a clear error."""
    try:
        return date.fromisoformat((text or "").strip())
    except (TypeError, ValueError):
        raise ServiceError(f"the {what} '{str(text)[:40]}' is not a date: use YYYY-MM-DD") from None


def _check_version(item: PlanItem, expected_version) -> None:
    if expected_version is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError, OverflowError):
        raise ConflictError() from None
    if expected != item.version:
        raise ConflictError()


def _check_active(plan: Plan) -> None:
    if not plan.is_active:
        raise ServiceError("this plan is finished and can no longer be changed")


def _event(plan: Plan | None, kind: str, actor: User | None, now: datetime, *, item: PlanItem | None = None,
           old: dict | None = None, new: dict | None = None) -> Event:
    event = Event(plan_id=plan.id if plan is not None else None, item_id=item.id if item is not None else None,
                  actor_id=actor.id if actor is not None else None, kind=kind, old_value=old, new_value=new,
                  created_at=now)
    db.session.add(event)
    return event


# --- creating plans ------------------------------------------------------------------------------


def active_plan_for(hire: User) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.hire_id == hire.id, Plan.is_active.is_(True)))


def create_plan(*, hire: User, template_version: RoleTemplateVersion, start_on: date, manager: User | None,
                buddy: User | None, actor: User | None, now: datetime) -> Plan:
    """Make a hire's plan: a dated snapshot of a template version's milestones (long-term is guidance only)."""
    start_on = _check_date(start_on, "start date")
    if active_plan_for(hire) is not None:
        raise ActivePlanExists(f"{hire.email} already has an active plan; finish it before making another")
    if manager is not None and manager.id == hire.id:
        raise ServiceError("a hire cannot be their own manager")
    if buddy is not None and buddy.id == hire.id:
        raise ServiceError("a hire cannot be their own buddy")
    plan = Plan(hire=hire, template_version=template_version, manager=manager, buddy=buddy, start_on=start_on,
                is_active=True, created_at=now)
    db.session.add(plan)
    cal = load_calendar()
    position = 0
    for phase in dated_phases(template_version):
        offset_days, offset_months = _offsets(phase["due"])
        due_on = cal.due(start_on, offset_days, offset_months)

        def add(milestones: list[dict], parent: PlanItem | None) -> None:
            nonlocal position
            for milestone in milestones:
                position += POSITION_STEP
                item = PlanItem(plan=plan, parent=parent, position=position, phase_key=phase["key"],
                                text=milestone["text"], offset_days=offset_days, offset_months=offset_months,
                                due_on=due_on, state="open")
                db.session.add(item)
                add(milestone.get("children") or [], item)

        add(phase.get("milestones") or [], None)
    db.session.flush()
    _event(plan, "plan.created", actor, now, new={
        "template": template_version.template.slug if template_version.template else None,
        "template_version": template_version.number, "start_on": start_on.isoformat(),
        "manager": manager.email if manager else None, "buddy": buddy.email if buddy else None,
        "items": len(plan.items),
    })
    logger.info("plan %s made for %s from version %s", plan.id, hire.email, template_version.id)
    return plan


def _person_by_email(email: str | None, what: str) -> User | None:
    if email is None or not str(email).strip():
        return None
    email = normalise_email(email)
    person = get_user_by_email(email)
    if person is None:
        raise ServiceError(f"no person with the email {email} (the {what}): add them first with `onboarding users add`")
    return person


@dataclass
class HireResult:
    plan: Plan
    hire: User
    #: a new account was made (False: an existing person got the plan and kept their account)
    is_new_person: bool
    warnings: list[str] = field(default_factory=list)


def hire_person_with_plan(*, email: str, name: str, template_version: RoleTemplateVersion, start_on: date,
                          manager_email: str | None, buddy_email: str | None = None, timezone_name: str = "UTC",
                          actor: User | None, now: datetime) -> HireResult:
    """Add a hire and their plan; a person who already exists keeps their account and gets the plan."""
    email = normalise_email(email)
    manager = _person_by_email(manager_email, "manager")
    buddy = _person_by_email(buddy_email, "buddy")
    hire = get_user_by_email(email)
    is_new = hire is None
    if is_new:
        hire = create_user(email=email, name=check_name(name), role="hire", timezone=check_timezone(timezone_name))
        hire.manager = manager
    else:
        if manager is None:
            manager = hire.manager
        elif hire.manager_id is None:
            hire.manager = manager
    plan = create_plan(hire=hire, template_version=template_version, start_on=start_on, manager=manager,
                       buddy=buddy, actor=actor, now=now)
    warnings = [] if manager else [f"{hire.email} has no manager yet: the plan is on the admin dashboard's list"]
    return HireResult(plan, hire, is_new, warnings)


# --- reading a plan ------------------------------------------------------------------------------


def children_map(items: Iterable[PlanItem]) -> dict[int | None, list[PlanItem]]:
    """Items by parent id (None: top level), each list in position order; no query per item."""
    result: dict[int | None, list[PlanItem]] = defaultdict(list)
    for item in sorted(items, key=lambda i: i.position):
        result[item.parent_id].append(item)
    return result


def plan_phase_keys(plan: Plan) -> list[str]:
    """The plan's dated phases in order: the template's, plus any that still hold items."""
    keys = {p["key"] for p in dated_phases(plan.template_version)} | {i.phase_key for i in plan.items}
    return sorted(keys, key=lambda k: PHASE_ORDER.index(k) if k in PHASE_ORDER else 99)


def plan_as_json(plan: Plan, *, today: date | None = None) -> dict:
    """The `onboarding plans show EMAIL --json` document (a contract: keep the keys as DESIGN.md has them)."""
    today = today or datetime.now(timezone.utc).date()
    status = progress_for_plans([plan.id], today)[plan.id].status
    cal = load_calendar()
    kids = children_map(plan.items)

    def node(item: PlanItem) -> dict:
        return {"id": item.id, "text": item.text, "due_on": item.due_on.isoformat() if item.due_on else None,
                "state": item.state, "children": [node(child) for child in kids.get(item.id, [])]}

    phases = []
    for key in plan_phase_keys(plan):
        offset_days, offset_months = _offsets(phase_due(plan.template_version, key))
        due_on = cal.due(plan.start_on, offset_days, offset_months)
        phases.append({"key": key, "due_on": due_on.isoformat() if due_on else None,
                       "items": [node(item) for item in kids.get(None, []) if item.phase_key == key]})
    version = plan.template_version
    return {
        "hire": {"email": plan.hire.email, "name": plan.hire.name,
                 "manager": plan.manager.email if plan.manager else None},
        "role": version.content.get("title") or version.template.title,
        "template_version": version.number,
        "start_on": plan.start_on.isoformat(),
        "status": status,
        "phases": phases,
    }


def plan_for_email(email: str) -> Plan:
    """A person's active plan, or their most recent one; ServiceError when they have none."""
    person = get_user_by_email(email)
    if person is None:
        raise ServiceError(f"no person with the email {str(email).strip().lower()[:254]}")
    plan = db.session.scalar(
        select(Plan).where(Plan.hire_id == person.id).order_by(Plan.is_active.desc(), Plan.created_at.desc(),
                                                               Plan.id.desc()).limit(1))
    if plan is None:
        raise ServiceError(f"{person.email} has no plan")
    return plan


# --- the item state machine ----------------------------------------------------------------------


def _has_children(item: PlanItem) -> bool:
    return any(other.parent_id == item.id for other in item.plan.items)


def derived_state(states: list[str]) -> str:
    """A parent's state from its children's: open while any is open; waived when all are; signed off
    when all are signed off or waived; done otherwise."""
    if not states or "open" in states:
        return "open"
    if all(s == "waived" for s in states):
        return "waived"
    if all(s in ("signed_off", "waived") for s in states):
        return "signed_off"
    return "done"


def _refresh_parents(plan: Plan, start: PlanItem | Iterable[PlanItem], actor: User | None, now: datetime) -> None:
    """Re-derive the state of every ancestor of the changed items, deepest first, with an event per change."""
    items = plan.items
    by_id = {i.id: i for i in items if i.id is not None}
    kids = children_map(items)

    def depth(item: PlanItem) -> int:
        n = 0
        while item.parent_id is not None and item.parent_id in by_id:
            item, n = by_id[item.parent_id], n + 1
        return n

    ancestors: dict[int, PlanItem] = {}
    for item in [start] if isinstance(start, PlanItem) else start:
        while item.parent_id is not None and item.parent_id in by_id:
            item = by_id[item.parent_id]
            ancestors[item.id] = item
    for parent in sorted(ancestors.values(), key=depth, reverse=True):
        new_state = derived_state([c.state for c in kids.get(parent.id, [])])
        if new_state == parent.state:
            continue
        old_state = parent.state
        parent.state = new_state
        if new_state == "done":
            parent.done_at, parent.done_by_id = now, actor.id if actor else None
            parent.review_comment = ""
        elif new_state == "signed_off":
            parent.signed_off_at, parent.signed_off_by_id = now, actor.id if actor else None
        elif new_state == "open":
            parent.done_at = parent.done_by_id = parent.signed_off_at = parent.signed_off_by_id = None
        _event(plan, "item.derived", actor, now, item=parent, old={"state": old_state}, new={"state": new_state})


def _leaf_descendants(item: PlanItem) -> list[PlanItem]:
    kids = children_map(item.plan.items)
    result, stack = [], list(reversed(kids.get(item.id, [])))
    while stack:
        node = stack.pop()
        below = kids.get(node.id, [])
        if below:
            stack.extend(reversed(below))
        else:
            result.append(node)
    return result


def complete_item(item: PlanItem, actor: User, *, note: str = "", evidence_url: str = "", now: datetime,
                  expected_version=None) -> PlanItem:
    """The hire ticks an open item, optionally with a note and an evidence link (http/https)."""
    _check_active(item.plan)
    _check_version(item, expected_version)
    note = clean_text(note, "note", MAX_NOTE, required=False)
    evidence_url = check_evidence_url(evidence_url)
    if _has_children(item):
        raise ServiceError("this item has sub-items: tick those, and it is done when they all are")
    if item.state != "open":
        raise ServiceError(f"only an open item can be ticked; this one is {item.state.replace('_', ' ')}")
    old = {"state": item.state, "note": item.note, "evidence_url": item.evidence_url}
    item.state, item.note, item.evidence_url = "done", note, evidence_url
    item.done_at, item.done_by_id = now, actor.id if actor else None
    item.review_comment = ""
    _event(item.plan, "item.done", actor, now, item=item, old=old,
           new={"state": "done", "note": note, "evidence_url": evidence_url})
    _refresh_parents(item.plan, item, actor, now)
    db.session.flush()
    return item


def reopen_item(item: PlanItem, actor: User, *, now: datetime, expected_version=None) -> PlanItem:
    """Untick a done item (before it is signed off)."""
    _check_active(item.plan)
    _check_version(item, expected_version)
    if _has_children(item):
        raise ServiceError("this item has sub-items: reopen one of those instead")
    if item.state != "done":
        raise ServiceError(f"only a done item can be reopened; this one is {item.state.replace('_', ' ')}")
    item.state, item.done_at, item.done_by_id = "open", None, None
    _event(item.plan, "item.reopened", actor, now, item=item, old={"state": "done"}, new={"state": "open"})
    _refresh_parents(item.plan, item, actor, now)
    db.session.flush()
    return item


def _sign_off_leaf(item: PlanItem, manager: User, now: datetime) -> None:
    item.state, item.signed_off_at, item.signed_off_by_id = "signed_off", now, manager.id if manager else None
    _event(item.plan, "item.signed_off", manager, now, item=item, old={"state": "done"}, new={"state": "signed_off"})


def sign_off_item(item: PlanItem, manager: User, now: datetime, *, expected_version=None) -> int:
    """The manager accepts a done item; on an item with sub-items, every done sub-item. Returns how many."""
    _check_active(item.plan)
    _check_version(item, expected_version)
    leaves = _leaf_descendants(item) if _has_children(item) else [item]
    done = [leaf for leaf in leaves if leaf.state == "done"]
    if not done:
        raise ServiceError(f"only a done item can be signed off; this one is {item.state.replace('_', ' ')}")
    for leaf in done:
        _sign_off_leaf(leaf, manager, now)
    _refresh_parents(item.plan, done, manager, now)
    db.session.flush()
    return len(done)


def send_back_item(item: PlanItem, manager: User, comment: str, now: datetime, *, expected_version=None) -> int:
    """The manager asks for changes: a done item goes back to open with a comment (required)."""
    _check_active(item.plan)
    _check_version(item, expected_version)
    comment = clean_text(comment, "comment", MAX_COMMENT)
    leaves = _leaf_descendants(item) if _has_children(item) else [item]
    done = [leaf for leaf in leaves if leaf.state == "done"]
    if not done:
        raise ServiceError(f"only a done item can be sent back; this one is {item.state.replace('_', ' ')}")
    for leaf in done:
        leaf.state, leaf.review_comment, leaf.sent_back_at = "open", comment, now
        leaf.done_at = leaf.done_by_id = None
        _event(item.plan, "item.sent_back", manager, now, item=leaf, old={"state": "done"},
               new={"state": "open", "review_comment": comment})
    if item not in done:  # a parent: its comment shows on it as well
        item.review_comment, item.sent_back_at = comment, now
    _refresh_parents(item.plan, done, manager, now)
    db.session.flush()
    return len(done)


def sign_off_phase(plan: Plan, phase_key: str, manager: User, now: datetime) -> int:
    """Sign off every done item of one phase at once; returns how many were signed off."""
    _check_active(plan)
    kids = children_map(plan.items)
    done = [i for i in plan.items if i.phase_key == phase_key and i.state == "done" and not kids.get(i.id)]
    for item in done:
        _sign_off_leaf(item, manager, now)
    _refresh_parents(plan, done, manager, now)
    db.session.flush()
    return len(done)


def waive_item(item: PlanItem, actor: User, reason: str, now: datetime, *, expected_version=None) -> int:
    """Mark an item not needed for this hire (a reason is required); on a parent, its open sub-items too."""
    _check_active(item.plan)
    _check_version(item, expected_version)
    reason = clean_text(reason, "reason", MAX_REASON)
    if _has_children(item):
        targets = [leaf for leaf in _leaf_descendants(item) if leaf.state in ("open", "done")]
        item.waived_reason = reason
    else:
        targets = [item] if item.state in ("open", "done") else []
    if not targets:
        raise ServiceError(f"only an open or done item can be waived; this one is {item.state.replace('_', ' ')}")
    for leaf in targets:
        old = {"state": leaf.state}
        leaf.state, leaf.waived_reason = "waived", reason
        _event(item.plan, "item.waived", actor, now, item=leaf, old=old, new={"state": "waived", "reason": reason})
    _refresh_parents(item.plan, targets, actor, now)
    db.session.flush()
    return len(targets)


# --- per-plan edits ------------------------------------------------------------------------------


def _position_after(plan: Plan, phase_key: str, parent: PlanItem | None) -> int:
    """A free position at the end of a phase (or of a parent's sub-items); renumbers only when full."""
    items = sorted(plan.items, key=lambda i: i.position)
    if parent is not None:
        block = [parent] + _descendants(parent, children_map(items))
    else:
        rank = PHASE_ORDER.index(phase_key) if phase_key in PHASE_ORDER else 99
        block = [i for i in items if (PHASE_ORDER.index(i.phase_key) if i.phase_key in PHASE_ORDER else 99) <= rank]
    low = max((i.position for i in block), default=0)
    higher = [i.position for i in items if i.position > low]
    high = min(higher) if higher else low + 2 * POSITION_STEP
    if high - low >= 2:
        return (low + high) // 2
    _renumber(plan)
    return _position_after(plan, phase_key, parent)


def _descendants(item: PlanItem, kids: dict[int | None, list[PlanItem]]) -> list[PlanItem]:
    result = []
    for child in kids.get(item.id, []):
        result.append(child)
        result.extend(_descendants(child, kids))
    return result


def _renumber(plan: Plan) -> None:
    for n, item in enumerate(sorted(plan.items, key=lambda i: i.position), start=1):
        if item.position != n * POSITION_STEP:
            item.position = n * POSITION_STEP


def add_item(plan: Plan, phase_key: str, text: str, actor: User, now: datetime,
             parent: PlanItem | None = None) -> PlanItem:
    """Add an item to this plan only (never the template), due at its phase's date."""
    _check_active(plan)
    text = clean_text(text, "item text", MAX_ITEM_TEXT)
    if phase_key not in plan_phase_keys(plan):
        raise ServiceError(f"the plan has no dated phase '{str(phase_key)[:20]}'")
    if parent is not None:
        if parent.plan_id != plan.id or parent.phase_key != phase_key:
            raise ServiceError("a sub-item belongs under an item of the same plan and phase")
        if not _has_children(parent) and parent.state != "open":
            raise ServiceError("reopen that item before adding sub-items to it")
    offset_days, offset_months = _offsets(phase_due(plan.template_version, phase_key))
    due_on = load_calendar().due(plan.start_on, offset_days, offset_months)
    item = PlanItem(plan=plan, parent=parent, position=_position_after(plan, phase_key, parent), phase_key=phase_key,
                    text=text, offset_days=offset_days, offset_months=offset_months, due_on=due_on, state="open",
                    is_custom=True)
    db.session.add(item)
    db.session.flush()
    _event(plan, "item.added", actor, now, item=item,
           new={"text": text, "phase": phase_key, "parent_id": parent.id if parent else None})
    _refresh_parents(plan, item, actor, now)
    db.session.flush()
    return item


def edit_item_text(item: PlanItem, text: str, actor: User, now: datetime, *, expected_version=None) -> PlanItem:
    """Reword an item for this plan only. The item becomes the plan's own (an upgrade keeps it as written)."""
    _check_active(item.plan)
    _check_version(item, expected_version)
    text = clean_text(text, "item text", MAX_ITEM_TEXT)
    if text == item.text:
        return item
    _event(item.plan, "item.edited", actor, now, item=item, old={"text": item.text}, new={"text": text})
    item.text, item.is_custom = text, True
    db.session.flush()
    return item


def move_start_date(plan: Plan, new_start: date, actor: User | None, now: datetime) -> int:
    """Move a plan's start date: open items get new due dates from their kept offsets; returns how many moved."""
    _check_active(plan)
    new_start = _check_date(new_start, "start date")
    old_start = plan.start_on
    if new_start == old_start:
        return 0
    cal = load_calendar()
    moved = 0
    for item in plan.items:
        if item.state != "open" or (item.offset_days is None and item.offset_months is None):
            continue
        due_on = cal.due(new_start, item.offset_days, item.offset_months)
        if due_on != item.due_on:
            item.due_on = due_on
            moved += 1
    plan.start_on = new_start
    _event(plan, "plan.start_moved", actor, now, old={"start_on": old_start.isoformat()},
           new={"start_on": new_start.isoformat(), "items_moved": moved})
    db.session.flush()
    return moved


# --- moving a plan to a newer template version ---------------------------------------------------


@dataclass
class UpgradePreview:
    """What `upgrade_plan` does, for an admin to read before confirming.

    kept: plan items whose text is unchanged in the new version, matched within the same phase;
      they keep their state, note, evidence, comments and history (they may move to a new parent).
    added: new template milestones, as (phase key, text); they arrive open.
    removed: template items the new version no longer has and that are still open; they are deleted
      (comments on them move to the plan).
    retained: template items the new version no longer has but that are done, signed off or waived;
      they stay as the plan's own items, so that no finished work disappears from a hire's record.
    custom: items added or reworded for this plan; they stay where they were.
    """

    plan: Plan
    old_version: RoleTemplateVersion
    new_version: RoleTemplateVersion
    kept: list[PlanItem] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[PlanItem] = field(default_factory=list)
    retained: list[PlanItem] = field(default_factory=list)
    custom: list[PlanItem] = field(default_factory=list)
    #: the plan item matched by each new template milestone, keyed by (phase key, index path)
    matches: dict[tuple, PlanItem] = field(default_factory=dict, repr=False)

    @property
    def has_changes(self) -> bool:
        """Whether any item is added, removed or retained (otherwise only the version number moves)."""
        return bool(self.added or self.removed or self.retained)

    def as_dict(self) -> dict:
        return {
            "from_version": self.old_version.number, "to_version": self.new_version.number,
            "kept": [i.text for i in self.kept], "added": [{"phase": k, "text": t} for k, t in self.added],
            "removed": [i.text for i in self.removed], "retained": [i.text for i in self.retained],
            "custom": [i.text for i in self.custom],
        }


def _walk_nodes(milestones: list[dict], path: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    for n, milestone in enumerate(milestones):
        yield path + (n,), milestone
        yield from _walk_nodes(milestone.get("children") or [], path + (n,))


def preview_upgrade(plan: Plan, new_version: RoleTemplateVersion) -> UpgradePreview:
    """Match the plan's template items to a newer version by exact text within the same phase; writes nothing."""
    old_version = plan.template_version
    if new_version.template_id != old_version.template_id:
        raise ServiceError("a plan can only move to a version of its own role template")
    if new_version.number <= old_version.number:
        raise ServiceError(f"version {new_version.number} is not newer than the plan's version {old_version.number}")
    preview = UpgradePreview(plan, old_version, new_version)
    candidates: dict[tuple[str, str], list[PlanItem]] = defaultdict(list)
    for item in sorted(plan.items, key=lambda i: i.position):
        if item.is_custom:
            preview.custom.append(item)
        else:
            candidates[(item.phase_key, item.text)].append(item)
    for phase in dated_phases(new_version):
        for path, node in _walk_nodes(phase.get("milestones") or []):
            pool = candidates.get((phase["key"], node["text"]))
            if pool:
                item = pool.pop(0)
                preview.matches[(phase["key"], path)] = item
                preview.kept.append(item)
            else:
                preview.added.append((phase["key"], node["text"]))
    for pool in candidates.values():
        for item in pool:
            (preview.removed if item.state == "open" else preview.retained).append(item)
    preview.removed.sort(key=lambda i: i.position)
    preview.retained.sort(key=lambda i: i.position)
    return preview


def upgrade_plan(plan: Plan, new_version: RoleTemplateVersion, actor: User | None, now: datetime) -> UpgradePreview:
    """Move a plan to a newer template version (UpgradePreview says what happens to each item)."""
    _check_active(plan)
    preview = preview_upgrade(plan, new_version)
    cal = load_calendar()
    loose = {i.id for i in preview.retained + preview.custom}  # stay, but are not in the new template
    old_kids = children_map(plan.items)
    order: list[PlanItem] = []  # the new order: phases in order, parents before children
    placed: set[int] = set()

    def place(item: PlanItem, parent: PlanItem | None) -> None:
        if item.parent is not parent:
            item.parent = parent
        order.append(item)
        if item.id is not None:
            placed.add(item.id)

    def place_loose_under(old_parent_id: int | None, new_parent: PlanItem | None, phase_key: str) -> None:
        """Loose items keep hanging under the item they hung under (or at the top of their phase)."""
        for item in old_kids.get(old_parent_id, []):
            if item.id in loose and item.id not in placed and item.phase_key == phase_key:
                place(item, new_parent)
                place_loose_under(item.id, item, phase_key)

    for phase in dated_phases(new_version):
        key = phase["key"]
        offset_days, offset_months = _offsets(phase["due"])

        def build(milestones: list[dict], parent: PlanItem | None, path: tuple) -> None:
            for n, node in enumerate(milestones):
                item = preview.matches.get((key, path + (n,)))
                if item is None:
                    item = PlanItem(plan=plan, phase_key=key, text=node["text"], offset_days=offset_days,
                                    offset_months=offset_months, state="open", position=0,
                                    due_on=cal.due(plan.start_on, offset_days, offset_months))
                    db.session.add(item)
                elif item.state == "open" and (item.offset_days, item.offset_months) != (offset_days, offset_months):
                    item.offset_days, item.offset_months = offset_days, offset_months
                    item.due_on = cal.due(plan.start_on, offset_days, offset_months)
                place(item, parent)
                build(node.get("children") or [], item, path + (n,))
                if item.id is not None:
                    place_loose_under(item.id, item, key)

        build(phase.get("milestones") or [], None, ())
        place_loose_under(None, None, key)
    # Loose items whose parent is removed, or whose phase the new version dropped: top of their phase.
    for item in sorted(plan.items, key=lambda i: i.position):
        if item.id in loose and item.id not in placed:
            place(item, None)
            place_loose_under(item.id, item, item.phase_key)
    if preview.removed:
        removed_ids = [i.id for i in preview.removed]
        # Comments on a removed item stay on the plan rather than disappearing with it.
        db.session.execute(update(Comment).where(Comment.item_id.in_(removed_ids)).values(item_id=None))
        for item in preview.removed:
            item.parent = None
            db.session.delete(item)
    for item in preview.retained:
        item.is_custom = True
    for n, item in enumerate(_phase_sorted(order), start=1):
        if item.position != n * POSITION_STEP:
            item.position = n * POSITION_STEP
    db.session.flush()
    db.session.expire(plan, ["items"])
    old_number = plan.template_version.number
    plan.template_version = new_version
    _rederive_all(plan, actor, now)
    summary = preview.as_dict()
    _event(plan, "plan.upgraded", actor, now, old={"template_version": old_number},
           new={"template_version": new_version.number, "added": summary["added"], "removed": summary["removed"],
                "retained": summary["retained"]})
    db.session.flush()
    logger.info("plan %s moved from version %s to %s", plan.id, old_number, new_version.number)
    return preview


def _phase_sorted(order: list[PlanItem]) -> list[PlanItem]:
    """Stable sort of a parent-before-children order by phase, keeping each subtree with its root."""
    rank = {key: n for n, key in enumerate(PHASE_ORDER)}
    return sorted(order, key=lambda i: rank.get(i.phase_key, 99))


def _rederive_all(plan: Plan, actor: User | None, now: datetime) -> None:
    kids = children_map(plan.items)
    leaves = [i for i in plan.items if not kids.get(i.id)]
    _refresh_parents(plan, leaves, actor, now)


# --- check-ins and comments ----------------------------------------------------------------------


def _check_in_row(plan: Plan, phase_key: str) -> CheckIn:
    if phase_key not in {p["key"] for p in dated_phases(plan.template_version)}:
        raise ServiceError(f"check-ins are held at the end of a dated phase, not '{str(phase_key)[:20]}'")
    row = db.session.scalar(select(CheckIn).where(CheckIn.plan_id == plan.id, CheckIn.phase_key == phase_key))
    if row is None:
        row = CheckIn(plan_id=plan.id, phase_key=phase_key, status="", notes="", self_assessment="")
        db.session.add(row)
    return row


def record_self_assessment(plan: Plan, phase_key: str, hire: User, text: str, now: datetime) -> CheckIn:
    """The hire's own view of a phase, written before the manager's check-in."""
    _check_active(plan)
    text = clean_text(text, "self-assessment", MAX_NOTE)
    row = _check_in_row(plan, phase_key)
    if row.recorded_at is not None:
        raise ServiceError("the manager has already recorded this check-in")
    old = {"self_assessment": row.self_assessment}
    row.self_assessment, row.self_assessed_at = text, now
    db.session.flush()
    _event(plan, "checkin.self_assessed", hire, now, old=old, new={"phase": phase_key, "self_assessment": text})
    return row


def record_check_in(plan: Plan, phase_key: str, manager: User, status: str, notes: str, now: datetime) -> CheckIn:
    """The manager's check-in at a phase end: on_track, at_risk or off_track, with notes, signed."""
    _check_active(plan)
    if status not in CHECKIN_STATUSES:
        raise ServiceError(f"the check-in status must be one of {', '.join(CHECKIN_STATUSES)}")
    notes = clean_text(notes, "notes", MAX_NOTE, required=False)
    row = _check_in_row(plan, phase_key)
    old = {"status": row.status, "notes": row.notes}
    row.status, row.notes = status, notes
    row.recorded_by_id, row.recorded_at = manager.id if manager else None, now
    db.session.flush()
    _event(plan, "checkin.recorded", manager, now, old=old, new={"phase": phase_key, "status": status, "notes": notes})
    return row


def add_comment(plan: Plan, author: User, body: str, now: datetime, item: PlanItem | None = None) -> Comment:
    """A comment on a plan or one of its items (hire, manager, buddy or admin)."""
    body = clean_text(body, "comment", MAX_COMMENT)
    if item is not None and item.plan_id != plan.id:
        raise ServiceError("that item is not on this plan")
    comment = Comment(plan_id=plan.id, item_id=item.id if item else None, author_id=author.id if author else None,
                      body=body, created_at=now)
    db.session.add(comment)
    db.session.flush()
    _event(plan, "comment.added", author, now, item=item, new={"comment_id": comment.id, "body": body})
    return comment


# --- the working-day rule ------------------------------------------------------------------------


def org_settings() -> OrgSettings:
    settings = db.session.get(OrgSettings, 1)
    if settings is None:
        settings = OrgSettings(id=1, is_working_days_only=False)
        db.session.add(settings)
        db.session.flush()
    return settings


def set_working_days_only(flag: bool, actor: User | None, now: datetime) -> OrgSettings:
    """Turn the working-day rule on or off; it applies to plans made or moved from now on."""
    if not isinstance(flag, bool):
        raise ServiceError("the working-day setting must be on or off")
    settings = org_settings()
    if settings.is_working_days_only != flag:
        _event(None, "settings.working_days", actor, now, old={"is_working_days_only": settings.is_working_days_only},
               new={"is_working_days_only": flag})
        settings.is_working_days_only = flag
        db.session.flush()
    return settings


def list_holidays() -> list[Holiday]:
    return list(db.session.scalars(select(Holiday).order_by(Holiday.on)))


def add_holiday(on: date, name: str, *, actor: User | None = None, now: datetime | None = None) -> Holiday:
    """Add a day off to the organisation's holiday list (unique per date)."""
    on = _check_date(on, "holiday date")
    name = clean_text(name, "holiday name", MAX_HOLIDAY_NAME)
    if db.session.scalar(select(func.count()).select_from(Holiday).where(Holiday.on == on)):
        raise ServiceError(f"{on.isoformat()} is already a holiday")
    holiday = Holiday(on=on, name=name)
    db.session.add(holiday)
    db.session.flush()
    _event(None, "holiday.added", actor, now or datetime.now(timezone.utc), new={"on": on.isoformat(), "name": name})
    return holiday


def remove_holiday(holiday_id: int, *, actor: User | None = None, now: datetime | None = None) -> None:
    """Take a day off the holiday list."""
    try:
        holiday = db.session.get(Holiday, int(holiday_id)) if 0 < int(holiday_id) < 2**31 else None
    except (TypeError, ValueError, OverflowError):
        holiday = None
    if holiday is None:
        raise ServiceError("no such holiday")
    _event(None, "holiday.removed", actor, now or datetime.now(timezone.utc),
           old={"on": holiday.on.isoformat(), "name": holiday.name})
    db.session.delete(holiday)
    db.session.flush()


__all__ = [
    "ActivePlanExists", "ConflictError", "HireResult", "UpgradePreview", "WorkCalendar", "add_comment", "add_holiday",
    "add_item", "add_months", "children_map", "complete_item", "create_plan", "due_date", "edit_item_text",
    "hire_person_with_plan", "load_calendar", "move_start_date", "plan_as_json", "plan_for_email",
    "preview_upgrade", "record_check_in", "record_self_assessment", "remove_holiday", "reopen_item",
    "send_back_item", "set_working_days_only", "sign_off_item", "sign_off_phase", "stale_as_conflict",
    "upgrade_plan", "waive_item",
]


# --- added for the admin plan page (views/admin_plans.py) ----------------------------------------


def assign_plan_people(plan: Plan, *, manager: User | None, buddy: User | None, actor: User | None,
                       now: datetime) -> bool:
    """Set or clear a plan's manager and buddy (an event records it); returns whether anything changed.

    A hire without a line manager gets this one too, as `hire_person_with_plan` does.
    """
    _check_active(plan)
    if manager is not None and manager.id == plan.hire_id:
        raise ServiceError("a hire cannot be their own manager")
    if buddy is not None and buddy.id == plan.hire_id:
        raise ServiceError("a hire cannot be their own buddy")
    old = {"manager": plan.manager.email if plan.manager else None, "buddy": plan.buddy.email if plan.buddy else None}
    new = {"manager": manager.email if manager else None, "buddy": buddy.email if buddy else None}
    if old == new:
        return False
    plan.manager, plan.buddy = manager, buddy
    if manager is not None and plan.hire.manager_id is None:
        plan.hire.manager = manager
    _event(plan, "plan.people_changed", actor, now, old=old, new=new)
    db.session.flush()
    return True
