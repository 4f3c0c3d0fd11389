"""A person's private calendar feed (ICS): due dates and check-ins as all-day events.

A hire gets one event per due date of their plan (the milestones due that day in the description)
and one per phase check-in; a manager gets their reports' check-ins. Events have stable UIDs so
a calendar client updates them in place when a start date moves.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from onboarding.core.phases import DONE_STATES, phase_label
from onboarding.extensions import db
from onboarding.outbox.channels.email import sender_domain
from onboarding.people.models import User
from onboarding.plans.models import CheckIn, Plan, PlanItem
from onboarding.plans.status import leaf_items_condition
from onboarding.reminders.compose import Links, item_label


def build_calendar(user: User, now: datetime) -> bytes:
    """The ICS document of one person's feed (a handful of queries, whatever the team size)."""
    links = Links(current_app)
    domain = sender_domain(current_app)
    cal = Calendar()
    cal.add("prodid", "-//Onboarding//30-60-90 plan tracker//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Onboarding: {user.name}")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")

    hire, manager, parent = aliased(User), aliased(User), aliased(PlanItem)
    plans = db.session.execute(
        select(Plan.id, Plan.hire_id, hire.name, manager.name)
        .join(hire, hire.id == Plan.hire_id)
        .outerjoin(manager, manager.id == Plan.manager_id)
        .where(Plan.is_active.is_(True), or_(Plan.hire_id == user.id, Plan.manager_id == user.id))
    ).all()
    if plans:
        plan_ids = [row[0] for row in plans]
        own = {row[0] for row in plans if row[1] == user.id}
        items = db.session.execute(
            select(PlanItem.plan_id, PlanItem.phase_key, PlanItem.due_on, PlanItem.state, PlanItem.text, parent.text)
            .outerjoin(parent, parent.id == PlanItem.parent_id)
            .where(PlanItem.plan_id.in_(plan_ids), PlanItem.due_on.is_not(None), leaf_items_condition())
            .order_by(PlanItem.plan_id, PlanItem.due_on, PlanItem.position)
        ).all()
        recorded = {(plan_id, key): status for plan_id, key, status in db.session.execute(
            select(CheckIn.plan_id, CheckIn.phase_key, CheckIn.status)
            .where(CheckIn.plan_id.in_(plan_ids), CheckIn.recorded_at.is_not(None))
        )}
        by_day: dict[tuple[int, str, date], list[tuple[str, str, str | None]]] = defaultdict(list)
        phase_end: dict[tuple[int, str], date] = {}
        for plan_id, key, due_on, state, text, parent_text in items:
            assert due_on is not None  # the query reads dated items only
            if plan_id in own:
                by_day[(plan_id, key, due_on)].append((state, text, parent_text))
            if (plan_id, key) not in phase_end or due_on > phase_end[(plan_id, key)]:
                phase_end[(plan_id, key)] = due_on
        names = {row[0]: (row[2], row[3]) for row in plans}
        plan_url = links.url("hire.my_plan")
        team_url = links.url("manager.dashboard")
        for (plan_id, key, due_on), entries in sorted(by_day.items(), key=lambda kv: kv[0][2]):
            done = sum(1 for state, *_ in entries if state in DONE_STATES)
            lines = [("[x] " if state in DONE_STATES else "[ ] ") + item_label(_Line(text, parent_text or ""))
                     for state, text, parent_text in entries]
            summary = f"Onboarding: {phase_label(key)} milestones due"
            if done == len(entries):
                summary += " (all done)"
            else:
                summary += f" ({done} of {len(entries)} done)"
            cal.add_component(_all_day(
                f"due-{plan_id}-{key}-{due_on.isoformat()}@{domain}", due_on, summary,
                "\n".join(lines) + f"\n\n{plan_url}", now, plan_url,
            ))
        for (plan_id, key), end in sorted(phase_end.items(), key=lambda kv: kv[1]):
            hire_name, manager_name = names[plan_id]
            status = recorded.get((plan_id, key))
            if plan_id in own:
                summary = f"Onboarding: {phase_label(key)} check-in" + (f" with {manager_name}" if manager_name else "")
                url = plan_url
            else:
                summary = f"Check-in: {hire_name}, {phase_label(key)}"
                url = team_url
            if status:
                summary += f" (recorded: {status.replace('_', ' ')})"
            cal.add_component(_all_day(f"checkin-{plan_id}-{key}@{domain}", end, summary, url, now, url))
    return cal.to_ical()


class _Line:
    def __init__(self, text: str, parent_text: str):
        self.text, self.parent_text = text, parent_text


def _all_day(uid: str, day, summary: str, description: str, now: datetime, url: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event
