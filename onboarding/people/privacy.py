"""Privacy of HR data: export everything stored about a person, and erase a person who has left.

What a buddy sees is decided in plans (queries/views): the items and comments, never the manager's
check-in ratings and notes nor the hire's self-assessment.

Erasing keeps the rows that plan statistics count (the plan, its items' states and dates, the
check-in ratings, the audit events) and removes or replaces everything that says who the person is
or what was written about them: name and email become "Erased person N" / erased-N@erased.invalid,
free text (notes, evidence links, comments, check-in notes, self-assessments, review comments) is
emptied, their mail, API tokens and sign-in attempts are deleted, and their email and name are
replaced in the audit log's recorded values. That rewrite of old events is the one exception to
the log being append-only, made with a Core UPDATE on purpose; the erasure itself is an event.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.orm import aliased

from onboarding.audit.models import Event
from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.db import table_of
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.people.models import ApiToken, LoginFailure, User, new_token
from onboarding.plans.models import CheckIn, Comment, Plan, PlanItem
from onboarding.reminders.models import Digest

logger = logging.getLogger(__name__)

ERASED_TEXT = "[removed]"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def person_history(user: User, limit: int = 50) -> list[tuple[Event, str | None]]:
    """The newest changes to a person (people.* events), with who made them (one query)."""
    Actor = aliased(User)
    return [(row[0], row[1]) for row in db.session.execute(
        select(Event, Actor.name).outerjoin(Actor, Actor.id == Event.actor_id).where(Event.person_id == user.id)
        .order_by(Event.created_at.desc(), Event.id.desc()).limit(limit))]


def export_person(user: User, *, actor: User | None, now: datetime) -> dict:
    """Everything stored about a person, as one JSON-ready document (recorded in the audit log)."""
    plans = db.session.scalars(select(Plan).where(Plan.hire_id == user.id).order_by(Plan.id)).all()
    plan_ids = [p.id for p in plans]
    items = db.session.scalars(select(PlanItem).where(PlanItem.plan_id.in_(plan_ids))
                               .order_by(PlanItem.plan_id, PlanItem.position)).all() if plan_ids else []
    check_ins = db.session.scalars(select(CheckIn).where(CheckIn.plan_id.in_(plan_ids))
                                   .order_by(CheckIn.plan_id, CheckIn.id)).all() if plan_ids else []
    comments = db.session.scalars(select(Comment).where(or_(Comment.author_id == user.id, Comment.plan_id.in_(plan_ids)))
                                  .order_by(Comment.id)).all()
    events = db.session.scalars(select(Event).where(or_(Event.person_id == user.id, Event.actor_id == user.id,
                                                        Event.plan_id.in_(plan_ids))).order_by(Event.id)).all()
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)
                                  .order_by(OutboxMessage.id)).all()
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)).all()
    document = {
        "person": {
            "id": user.id, "email": user.email, "name": user.name, "role": user.role, "status": user.status,
            "manager": user.manager.email if user.manager else None, "timezone": user.timezone,
            "digest_cadence": user.digest_cadence, "digest_hour": user.digest_hour,
            "has_password": bool(user.password_hash), "created_at": _iso(user.created_at),
            "invited_at": _iso(user.invited_at), "last_signed_in_at": _iso(user.last_signed_in_at),
        },
        "plans": [{
            "id": p.id, "role": p.template_version.template.title if p.template_version.template else None,
            "start_on": _iso(p.start_on), "is_active": p.is_active, "finished_at": _iso(p.finished_at),
            "manager": p.manager.email if p.manager else None, "buddy": p.buddy.email if p.buddy else None,
            "items": [{"id": i.id, "phase": i.phase_key, "text": i.text, "due_on": _iso(i.due_on), "state": i.state,
                       "note": i.note, "evidence_url": i.evidence_url, "done_at": _iso(i.done_at),
                       "review_comment": i.review_comment, "waived_reason": i.waived_reason}
                      for i in items if i.plan_id == p.id],
            "check_ins": [{"phase": c.phase_key, "status": c.status, "notes": c.notes,
                           "self_assessment": c.self_assessment, "recorded_at": _iso(c.recorded_at)}
                          for c in check_ins if c.plan_id == p.id],
        } for p in plans],
        "comments": [{"id": c.id, "plan_id": c.plan_id, "item_id": c.item_id,
                      "author": c.author.email if c.author else None, "body": c.body, "created_at": _iso(c.created_at)}
                     for c in comments],
        "events": [{"id": e.id, "type": e.kind, "at": _iso(e.created_at), "plan_id": e.plan_id, "item_id": e.item_id,
                    "actor": e.actor.email if e.actor else None, "old": e.old_value, "new": e.new_value}
                   for e in events],
        "mail": [{"id": m.id, "subject": m.subject, "status": m.status, "created_at": _iso(m.created_at),
                  "sent_at": _iso(m.sent_at)} for m in messages],
        "api_tokens": [{"name": t.name, "created_at": _iso(t.created_at), "revoked_at": _iso(t.revoked_at)}
                       for t in tokens],
        "exported_at": _iso(now),
    }
    record_event(None, EventType.PERSON_EXPORTED, actor, now, person=user)
    logger.info("exported the data of %s", user.email)
    return document


def erase_person(user: User, *, actor: User | None, now: datetime) -> None:
    """Remove a person's personal data; their plan's figures stay, anonymous. Only for someone deactivated."""
    if actor is not None and actor.id == user.id:
        raise ServiceError("you cannot erase yourself")
    if user.erased_at is not None:
        raise ServiceError("this person was already erased")
    if user.is_active_account:
        raise ServiceError(f"{user.email} is still active: deactivate them first (erasing is for people who left)")
    old_email, old_name = user.email, user.name
    plan_ids = select(Plan.id).where(Plan.hire_id == user.id).scalar_subquery()
    db.session.execute(update(PlanItem).where(PlanItem.plan_id.in_(plan_ids)).values(
        note="", evidence_url="", review_comment="", waived_reason=""))
    db.session.execute(update(CheckIn).where(CheckIn.plan_id.in_(plan_ids)).values(notes="", self_assessment=""))
    db.session.execute(update(Comment).where(or_(Comment.author_id == user.id, Comment.plan_id.in_(plan_ids)))
                       .values(body=ERASED_TEXT))
    db.session.execute(delete(Digest).where(Digest.user_id == user.id))
    db.session.execute(update(Digest).where(Digest.message_id.in_(
        select(OutboxMessage.id).where(OutboxMessage.user_id == user.id))).values(message_id=None))
    db.session.execute(delete(OutboxMessage).where(or_(OutboxMessage.user_id == user.id,
                                                       OutboxMessage.to_addr == old_email)))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == old_email))
    _scrub_events(old_email, old_name, user.id)
    user.name = f"Erased person {user.id}"
    user.email = f"erased-{user.id}@erased.invalid"
    user.password_hash = None
    user.session_token = new_token()
    user.calendar_token = new_token()
    user.unsubscribe_version += 1
    user.digest_cadence = "off"
    user.invited_at = user.last_signed_in_at = None
    user.erased_at = now
    record_event(None, EventType.PERSON_ERASED, actor, now, person=user)
    db.session.flush()
    logger.info("erased person %s", user.id)


#: keys of recorded event values that hold free text someone wrote (comments, notes, assessments)
FREE_TEXT_KEYS = frozenset({"body", "note", "notes", "self_assessment", "comment", "reason", "evidence_url"})


def _scrub(value, words: dict[str, str], *, free_text: bool):
    """A recorded value with the person's email and name replaced (and, on their plan, free text removed)."""
    if isinstance(value, dict):
        return {k: (ERASED_TEXT if free_text and k in FREE_TEXT_KEYS and v else _scrub(v, words, free_text=free_text))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, words, free_text=free_text) for v in value]
    if isinstance(value, str):
        lowered = value.lower()
        for word, replacement in words.items():
            if word and word.lower() in lowered:
                return replacement if lowered == word.lower() else ERASED_TEXT
    return value


def _scrub_events(email: str, name: str, user_id: int) -> None:
    """Replace the person's email and name in recorded event values; on their plans, and in what they
    wrote elsewhere, free text is removed too. Batched by id; only events that can name them are read."""
    words = {email: f"erased-{user_id}@erased.invalid", name: f"Erased person {user_id}"}
    table = table_of(Event)
    their_plans = select(Plan.id).where(Plan.hire_id == user_id).scalar_subquery()
    about_them = or_(table.c.person_id == user_id, table.c.actor_id == user_id, table.c.plan_id.in_(their_plans))
    # Names are only recorded in events about the person (person.*); emails anywhere (plan.created ...).
    pattern = f"%{email.replace('%', '')}%"  # '_' matches itself as a wildcard too
    naming = or_(about_them, cast(table.c.old_value, String).like(pattern),
                 cast(table.c.new_value, String).like(pattern))
    last_id = 0
    while True:
        rows = db.session.execute(
            select(table.c.id, table.c.old_value, table.c.new_value, about_them.label("is_theirs"))
            .where(naming, table.c.id > last_id).order_by(table.c.id).limit(500)).all()
        if not rows:
            return
        for event_id, old, new, is_theirs in rows:
            db.session.execute(update(table).where(table.c.id == event_id).values(
                old_value=_scrub(old, words, free_text=bool(is_theirs)),
                new_value=_scrub(new, words, free_text=bool(is_theirs))))
        last_id = rows[-1].id
