"""A manager's nudge: a short reminder email to one hire about their plan, at most once a day per hire.

"Once a day" is the hire's own calendar day. The claim is a row of the digest claims table keyed by
(hire, "nudge", local date): its unique key makes a second nudge that day, even one sent at the same
moment from another browser, insert nothing, so it is refused and no second mail is queued. The
mail goes through the outbox in the same transaction; the nudge is an event in the plan's history.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from onboarding.audit.models import Event
from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.db import bulk_insert, table_of
from onboarding.core.errors import ServiceError
from onboarding.core.formatting import nice_date
from onboarding.extensions import db
from onboarding.people.mail import link_url, queue_account_mail
from onboarding.people.models import User
from onboarding.plans.checks import check_active
from onboarding.plans.models import Plan
from onboarding.reminders.compose import item_label
from onboarding.reminders.content import DUE_SOON_DAYS, DigestContent, ItemLine, Recipient
from onboarding.reminders.models import Digest
from onboarding.reminders.schedule import zone
from onboarding.reminders.sections import fill_person_sections

logger = logging.getLogger(__name__)

#: the digest-claims kind of a nudge
NUDGE = "nudge"
#: how many items of each kind the mail lists
NUDGE_LIST_LIMIT = 5


@dataclass
class Nudged:
    """A nudge already sent: when (UTC) and by whom."""

    at: datetime | None
    by: str


def nudged_today(plan_ids: Iterable[int], now: datetime) -> dict[int, datetime]:
    """plan id -> when its hire was nudged on the hire's own today, for those that were (one query)."""
    ids = list(plan_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Plan.id, Digest.period, Digest.created_at, User.timezone)
        .join(Digest, Digest.user_id == Plan.hire_id)
        .join(User, User.id == Plan.hire_id)
        .where(Plan.id.in_(ids), Digest.kind == NUDGE, Digest.created_at >= now - timedelta(days=2)))
    return {plan_id: at for plan_id, period, at, timezone in rows
            if period == now.astimezone(zone(timezone)).date().isoformat()}


def _already_nudged(hire: User, period: str) -> Nudged:
    """Today's nudge of this hire: when (the claim) and by whom (the latest nudge event about them)."""
    at = db.session.scalar(select(Digest.created_at).where(
        Digest.user_id == hire.id, Digest.kind == NUDGE, Digest.period == period))
    by = db.session.scalar(
        select(User.name).join(Event, Event.actor_id == User.id)
        .where(Event.person_id == hire.id, Event.kind == EventType.PLAN_NUDGED)
        .order_by(Event.created_at.desc(), Event.id.desc()).limit(1))
    return Nudged(at=at, by=by or "someone")


def refusal(hire: User, nudged: Nudged) -> str:
    when = f"at {nudged.at:%H:%M} UTC" if nudged.at else "earlier"
    return (f"Not sent: {hire.name} was already nudged today, {when} by {nudged.by}. One reminder a day "
            f"is the most a hire gets; you can nudge {hire.name} again tomorrow")


def nudge_hire(plan: Plan, actor: User, now: datetime) -> int:
    """Queue a short reminder to the plan's hire, unless they were nudged today; returns the message id.

    Refused (ServiceError) for a finished plan, a deactivated hire, or a second nudge on the hire's day."""
    check_active(plan)
    hire = plan.hire
    if not hire.is_active_account:
        raise ServiceError(f"{hire.name}'s account is deactivated: they would not get the reminder")
    today = now.astimezone(zone(hire.timezone)).date()
    period = today.isoformat()
    digests = table_of(Digest)
    claimed = bulk_insert(db.session, digests, [{"user_id": hire.id, "kind": NUDGE, "period": period, "created_at": now}],
                          ["id"], conflict_columns=["user_id", "kind", "period"])
    if not claimed:  # another nudge today made the claim first
        raise ServiceError(refusal(hire, _already_nudged(hire, period)))
    overdue, sent_back, due_soon = _what_is_waiting(hire, today)
    message = queue_account_mail(
        hire, "nudge", f"A reminder from {actor.name} about your onboarding plan", now,
        sender=actor.name, url=link_url("hire.my_plan"),
        overdue=overdue[:NUDGE_LIST_LIMIT], overdue_total=len(overdue),
        sent_back=sent_back[:NUDGE_LIST_LIMIT], sent_back_total=len(sent_back),
        due_soon=due_soon[:NUDGE_LIST_LIMIT], due_soon_total=len(due_soon), due_soon_days=DUE_SOON_DAYS,
    )
    db.session.flush()
    db.session.execute(digests.update().where(digests.c.id == claimed[0][0]).values(message_id=message.id))
    record_event(plan, EventType.PLAN_NUDGED, actor, now, person=hire,
                 new={"to": hire.email, "overdue": len(overdue), "sent_back": len(sent_back)})
    logger.info("nudge: %s reminded %s (plan %s)", actor.email, hire.email, plan.id)
    return message.id


def _what_is_waiting(hire: User, today: date) -> tuple[list[str], list[str], list[str]]:
    """The hire's overdue, sent-back and soon-due items, each as one line of text: the hire section of
    their digest (the same queries and the same rules), as of today."""
    content = DigestContent(Recipient(hire.id, hire.email, hire.name, hire.role, hire.timezone, hire.digest_cadence,
                                      hire.digest_hour, hire.unsubscribe_version), kind=NUDGE, period="", today=today)
    fill_person_sections([content])

    def line(item: ItemLine) -> str:
        label = item_label(item)
        return f"{label} (due {nice_date(item.due_on)})" if item.due_on else label

    return ([line(i) for i in content.overdue], [f"{line(i)}: “{i.comment}”" for i in content.sent_back],
            [line(i) for i in content.due_soon])
