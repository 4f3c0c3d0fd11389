"""Fixtures for the plan pages: a small organisation with two hires, their managers and a buddy.

The pages read "today" from the app's clock; FIXED_NOW stands every test on tests.conftest.NOW.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from onboarding.audit.models import Event
from onboarding.extensions import db
from onboarding.org.models import Holiday, OrgSettings
from onboarding.outbox.models import OutboxMessage
from onboarding.people.models import ApiToken, User
from onboarding.plans.models import CheckIn, Comment, Plan, PlanItem
from onboarding.roles.models import RoleTemplateVersion
from onboarding.webhooks.models import WebhookEndpoint
from tests.conftest import NOW


@pytest.fixture(autouse=True)
def fixed_clock(app):
    app.config["FIXED_NOW"] = NOW


@dataclass
class Org:
    admin: User
    hire_a: User
    hire_b: User
    manager_a: User
    manager_b: User
    buddy: User
    plan_a: Plan
    plan_b: Plan

    def person(self, who: str) -> User | None:
        return None if who == "anon" else getattr(self, who)


@pytest.fixture
def org(make_user, make_plan) -> Org:
    admin = make_user(email="admin@example.com", name="Ada Admin", role="admin")
    manager_a = make_user(email="mara@example.com", name="Mara Manager", role="manager")
    manager_b = make_user(email="mbob@example.com", name="Bob Manager", role="manager")
    buddy = make_user(email="buddy@example.com", name="Bea Buddy", role="hire")
    hire_a = make_user(email="hana@example.com", name="Hana Hire", role="hire", manager_email=manager_a.email)
    hire_b = make_user(email="hugo@example.com", name="Hugo Hire", role="hire", manager_email=manager_b.email)
    plan_a = make_plan(hire=hire_a, manager=manager_a, buddy=buddy)
    plan_b = make_plan(hire=hire_b, manager=manager_b)
    return Org(admin, hire_a, hire_b, manager_a, manager_b, buddy, plan_a, plan_b)


def sign_in(client, user: User | None) -> None:
    """Sign a test client in as `user` (None: stay anonymous) without the cost of a password check."""
    if user is None:
        return
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.fixture
def client_as(app):
    """client_as(user) -> a test client signed in as that person (None: anonymous)."""

    def make(user: User | None):
        client = app.test_client()
        sign_in(client, user)
        return client

    return make


def item_by_text(plan: Plan, text: str) -> PlanItem:
    db.session.rollback()
    return db.session.scalar(select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.text == text))


def snapshot() -> dict:
    """Everything a page could change, read fresh from the database."""
    db.session.rollback()

    def rows(stmt):
        return [tuple(r) for r in db.session.execute(stmt).all()]

    return {
        "items": rows(select(PlanItem.id, PlanItem.plan_id, PlanItem.parent_id, PlanItem.state, PlanItem.version,
                             PlanItem.text, PlanItem.due_on, PlanItem.note, PlanItem.evidence_url,
                             PlanItem.review_comment, PlanItem.waived_reason).order_by(PlanItem.id)),
        "plans": rows(select(Plan.id, Plan.start_on, Plan.manager_id, Plan.buddy_id, Plan.template_version_id,
                             Plan.is_active).order_by(Plan.id)),
        "check_ins": rows(select(CheckIn.id, CheckIn.phase_key, CheckIn.status, CheckIn.notes,
                                 CheckIn.self_assessment).order_by(CheckIn.id)),
        "comments": rows(select(Comment.id, Comment.body).order_by(Comment.id)),
        "events": db.session.scalar(select(func.count()).select_from(Event)),
        "users": rows(select(User.id, User.email, User.role, User.manager_id, User.password_hash, User.session_token,
                             User.timezone, User.digest_cadence, User.digest_hour, User.digest_channels,
                             User.calendar_token).order_by(User.id)),
        "holidays": rows(select(Holiday.id, Holiday.on, Holiday.name).order_by(Holiday.id)),
        "settings": rows(select(OrgSettings.id, OrgSettings.is_working_days_only)),
        "tokens": rows(select(ApiToken.id, ApiToken.user_id, ApiToken.revoked_at).order_by(ApiToken.id)),
        "webhooks": rows(select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.is_active)
                         .order_by(WebhookEndpoint.id)),
        "outbox": rows(select(OutboxMessage.id, OutboxMessage.status).order_by(OutboxMessage.id)),
        "role_versions": db.session.scalar(select(func.count()).select_from(RoleTemplateVersion)),
    }


LEAF = "Answer ten customer tickets with a reviewer."
GROUP = "Learn the ticket queue and its tools:"
CHILD_1 = "The help desk"
CHILD_2 = "The status page"
DAY_60 = "Own the morning queue for a week."
DAY_90 = "Write two help articles."
MONTH_6 = "Lead an incident review."
