"""A ramp history at known dates for the insights tests: two managers, four plans, every kind of event.

Today is tests.conftest.TODAY (2026-03-02). The sample role's phases: day-30 has three leaf items
(two sub-items of a group, and one more), the others one each.

- plan 1 (Mara's, start 2026-01-01; day-30 due 01-31, day-60 due 03-02): the help desk done 01-20
  and signed off 01-25; the status page done 01-30, sent back 01-31, done again 02-03 (late) and
  signed off 02-05; the ticket item waived. Day-30 check-in "on track" on 02-02 (on time).
- plan 2 (Mara's, start 2025-12-01; day-30 due 12-31, day-60 01-30, day-90 03-01): all of day-30
  done 12-20 and signed off 12-22; day-60 and day-90 still open (overdue). Day-30 check-in
  "at risk" on 01-15 (15 days late); day-60's is missing.
- plan 3 (Bob's, start 2026-01-15 moved on 02-10 to 2026-02-01, so day-30 is due 03-03): the help
  desk done 02-20. Day-30 would be overdue without the move.
- plan 4 (Bob's, start 2026-02-01 on version 1, upgraded to version 2, which adds a day-90 item):
  the help desk done 02-25 and sent back 02-26; "Write two help articles." waived.
- "Data Engineer" is a role with no plans.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.check_ins import record_check_in
from onboarding.plans.edits import move_start_date
from onboarding.plans.models import Plan, PlanItem
from onboarding.plans.states import complete_item, send_back_item, sign_off_item, waive_item
from onboarding.plans.upgrade import upgrade_plan
from onboarding.roles.operations import import_role, latest_version
from tests.conftest import NOW, sample_role

HELP_DESK = "The help desk"
STATUS_PAGE = "The status page"
TICKETS = "Answer ten customer tickets with a reviewer."
DAY_60 = "Own the morning queue for a week."
DAY_90 = "Write two help articles."
WEBINAR = "Run a customer webinar."


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=timezone.utc)


def item(plan: Plan, text: str) -> PlanItem:
    return db.session.scalar(select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.text == text))


@pytest.fixture(autouse=True)
def fixed_clock(app):
    """The pages read today from the app's clock: stand on tests.conftest.NOW (2026-03-02)."""
    app.config["FIXED_NOW"] = NOW


@dataclass
class History:
    admin: User
    mara: User
    bob: User
    hire_1: User
    plans: list[Plan]


@pytest.fixture
def history(app, make_user, make_plan, make_role) -> History:
    admin = make_user(email="admin@example.com", name="Ada Admin", role="admin")
    mara = make_user(email="mara@example.com", name="Mara Manager", role="manager")
    bob = make_user(email="bob@example.com", name="Bob Manager", role="manager")
    support = make_role()
    make_role("Data Engineer")
    p1 = make_plan(manager=mara, start_on=date(2026, 1, 1), role=support)
    p2 = make_plan(manager=mara, start_on=date(2025, 12, 1), role=support)
    p3 = make_plan(manager=bob, start_on=date(2026, 1, 15), role=support)
    p4 = make_plan(manager=bob, start_on=date(2026, 2, 1), role=support)
    hire_1, hire_2, hire_3, hire_4 = (p.hire for p in (p1, p2, p3, p4))

    complete_item(item(p1, HELP_DESK), hire_1, now=at("2026-01-20"))
    sign_off_item(item(p1, HELP_DESK), mara, at("2026-01-25"))
    complete_item(item(p1, STATUS_PAGE), hire_1, now=at("2026-01-30"))
    send_back_item(item(p1, STATUS_PAGE), mara, "Add the incident link.", at("2026-01-31"))
    complete_item(item(p1, STATUS_PAGE), hire_1, now=at("2026-02-03"))
    sign_off_item(item(p1, STATUS_PAGE), mara, at("2026-02-05"))
    waive_item(item(p1, TICKETS), mara, "Joined from the support team.", at("2026-02-01"))
    record_check_in(p1, "day-30", mara, "on track", "", at("2026-02-02"))

    for text in (HELP_DESK, STATUS_PAGE, TICKETS):
        complete_item(item(p2, text), hire_2, now=at("2025-12-20"))
        sign_off_item(item(p2, text), mara, at("2025-12-22"))
    record_check_in(p2, "day-30", mara, "at risk", "", at("2026-01-15"))

    move_start_date(p3, date(2026, 2, 1), admin, at("2026-02-10"))
    complete_item(item(p3, HELP_DESK), hire_3, now=at("2026-02-20"))

    changed = sample_role()
    changed["phases"][2]["milestones"].append({"text": WEBINAR, "children": []})
    version_2 = import_role(changed, now=NOW).version
    db.session.flush()
    upgrade_plan(p4, version_2, admin, at("2026-02-05"))
    complete_item(item(p4, HELP_DESK), hire_4, now=at("2026-02-25"))
    send_back_item(item(p4, HELP_DESK), bob, "Show the macros too.", at("2026-02-26"))
    waive_item(item(p4, DAY_90), bob, "No articles this quarter.", at("2026-02-27"))
    db.session.commit()
    assert latest_version(support).number == 2
    return History(admin, mara, bob, hire_1, [p1, p2, p3, p4])
