"""Check-ins at the end of each phase, the hire's self-assessment, and comments on a plan."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.checks import clean_text
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.checks import MAX_COMMENT, MAX_NOTE, begin_change
from onboarding.plans.due_dates import dated_phases
from onboarding.plans.models import CHECKIN_STATUSES, CheckIn, Comment, Plan, PlanItem


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
    begin_change(plan)
    text = clean_text(text, "self-assessment", MAX_NOTE)
    row = _check_in_row(plan, phase_key)
    if row.recorded_at is not None:
        raise ServiceError("the manager has already recorded this check-in")
    old = {"self_assessment": row.self_assessment}
    row.self_assessment, row.self_assessed_at = text, now
    db.session.flush()
    record_event(plan, EventType.CHECKIN_SELF_ASSESSED, hire, now, old=old, new={"phase": phase_key, "self_assessment": text})
    return row


def record_check_in(plan: Plan, phase_key: str, manager: User, status: str, notes: str, now: datetime) -> CheckIn:
    """The manager's check-in at a phase end: on track, at risk or off track, with notes, signed."""
    begin_change(plan)
    if status not in CHECKIN_STATUSES:
        raise ServiceError(f"the check-in status must be one of {', '.join(CHECKIN_STATUSES)}")
    notes = clean_text(notes, "notes", MAX_NOTE, required=False)
    row = _check_in_row(plan, phase_key)
    old = {"status": row.status, "notes": row.notes}
    row.status, row.notes = status, notes
    row.recorded_by_id, row.recorded_at = manager.id if manager else None, now
    db.session.flush()
    record_event(plan, EventType.CHECKIN_RECORDED, manager, now, old=old, new={"phase": phase_key, "status": status, "notes": notes})
    return row


def check_comment_rate(author: User, now: datetime) -> None:
    """At most COMMENT_MAX_PER_WINDOW comments per person per COMMENT_WINDOW_SECONDS (config)."""
    config = current_app.config
    limit, window = int(config.get("COMMENT_MAX_PER_WINDOW", 20)), int(config.get("COMMENT_WINDOW_SECONDS", 600))
    recent = db.session.scalar(select(func.count()).select_from(Comment).where(
        Comment.author_id == author.id, Comment.created_at >= now - timedelta(seconds=window))) or 0
    if recent >= limit:
        raise ServiceError(f"you have written {limit} comments in the last {window // 60} minutes: "
                           "wait a few minutes before the next one")


def add_comment(plan: Plan, author: User, body: str, now: datetime, item: PlanItem | None = None) -> Comment:
    """A comment on a plan or one of its items (hire, manager, buddy or admin)."""
    body = clean_text(body, "comment", MAX_COMMENT)
    if item is not None and item.plan_id != plan.id:
        raise ServiceError("that item is not on this plan")
    if author is not None:
        check_comment_rate(author, now)
    comment = Comment(plan_id=plan.id, item_id=item.id if item else None, author_id=author.id if author else None,
                      body=body, created_at=now)
    db.session.add(comment)
    db.session.flush()
    record_event(plan, EventType.COMMENT_ADDED, author, now, item=item, new={"comment_id": comment.id, "body": body})
    return comment
