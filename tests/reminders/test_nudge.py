"""The nudge operation: at most one reminder per hire per day, even when two people nudge at the
same moment from two web workers (each with its own session), on both databases."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from onboarding.audit.models import Event
from onboarding.audit.types import EventType
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.people.models import User
from onboarding.plans.models import Plan
from onboarding.reminders.nudge import nudge_hire
from tests.conftest import NOW


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_two_nudges_at_once_send_one_reminder(app, make_user, make_plan):
    """The other worker's nudge is written but not yet committed when this one is made: this one
    waits on the claim's unique key, then finds it taken and is refused."""
    admin = make_user(role="admin", name="Ada Admin")
    plan = make_plan()
    plan_id, manager_id, admin_id = plan.id, plan.manager_id, admin.id
    written, errors = threading.Event(), []

    def other_worker():
        try:
            with app.app_context():
                nudge_hire(db.session.get(Plan, plan_id), db.session.get(User, manager_id), NOW)
                written.set()
                time.sleep(0.5)  # the claim stays uncommitted while the second nudge is made
                db.session.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            written.set()

    worker = threading.Thread(target=other_worker)
    worker.start()
    assert written.wait(20)
    with pytest.raises(ServiceError, match=r"^Not sent: .* already nudged today, at 09:30 UTC by Person \d+"):
        nudge_hire(db.session.get(Plan, plan_id), db.session.get(User, admin_id), NOW)
    db.session.rollback()
    worker.join(30)
    assert not worker.is_alive()
    if errors:
        raise errors[0]
    db.session.expire_all()
    assert _count(OutboxMessage, OutboxMessage.subject.like("A reminder from %")) == 1
    assert _count(Event, Event.kind == EventType.PLAN_NUDGED) == 1


def test_a_finished_plan_is_not_nudged(app, make_plan):
    plan = make_plan()
    plan.is_active = False
    db.session.commit()
    with pytest.raises(ServiceError):
        nudge_hire(plan, plan.manager, NOW)
    db.session.rollback()
    assert _count(OutboxMessage) == 0
