"""Object-level permission, walked route by route: every page of the hire, manager, shared-plan and
admin-plan blueprints, GET and POST, as hire A, hire B, manager A, manager B, A's buddy, an admin
and an anonymous visitor.

Someone else's plan or item answers 404 (it does not exist for them); a page for another audience
answers 403 (admin pages, the team dashboard for a hire); an anonymous visitor is sent to sign in.
A refused write changes nothing at all; an allowed write changes something.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select, update

from onboarding.extensions import db
from onboarding.org.models import Holiday
from onboarding.outbox.models import OutboxMessage
from onboarding.people.models import ApiToken, User
from onboarding.people.operations import create_user, deactivate_person
from onboarding.people.tokens import create_token
from onboarding.plans.states import complete_item
from onboarding.roles.operations import import_role
from onboarding.webhooks.models import WebhookEndpoint
from onboarding.webhooks.operations import add_endpoint
from tests.conftest import NOW, sample_role
from tests.plans.views.conftest import (
    CHILD_1,
    CHILD_2,
    DAY_60,
    DAY_90,
    LEAF,
    MONTH_6,
    item_by_text,
    sign_in,
    snapshot,
)

ACTORS = ("anon", "hire_a", "hire_b", "manager_a", "manager_b", "buddy", "admin")
#: the modules whose routes this matrix must cover, every one of them
MODULES = {"onboarding.plans.views.hire", "onboarding.plans.views.manager", "onboarding.plans.views.shared",
           "onboarding.plans.views.admin", "onboarding.people.views", "onboarding.org.views",
           "onboarding.insights.views", "onboarding.webhooks.views", "onboarding.api.pages",
           "onboarding.plans.views.hires_import"}


@dataclass
class Route:
    endpoint: str
    method: str
    url: callable
    #: expected status per actor ("*" for everyone else signed in); anonymous is always sent to sign in
    expect: dict
    data: callable = field(default=lambda ctx: {})

    def status_for(self, actor: str) -> int:
        return self.expect.get(actor, self.expect["*"])


def _ok(method: str) -> int:
    return 200 if method == "GET" else 302


def readers_a(method):  # plan A: its hire, manager, buddy and any admin
    return {"hire_a": _ok(method), "manager_a": _ok(method), "buddy": _ok(method), "admin": _ok(method), "*": 404}


def reviewers_a(method):  # plan A's manager and admins
    return {"manager_a": _ok(method), "admin": _ok(method), "*": 404}


def admins(method):
    return {"admin": _ok(method), "*": 403}


ROUTES = [
    # --- reads ---
    Route("hire.my_plan", "GET", lambda c: "/plan", {"*": 200}),
    Route("plans.view", "GET", lambda c: f"/plans/{c.plan_a.id}", readers_a("GET")),
    Route("plans.view", "GET", lambda c: f"/plans/{c.plan_b.id}",
          {"hire_b": 200, "manager_b": 200, "admin": 200, "*": 404}),
    Route("plans.history", "GET", lambda c: f"/plans/{c.plan_a.id}/history", readers_a("GET")),
    Route("manager.dashboard", "GET", lambda c: "/team", {"manager_a": 200, "manager_b": 200, "admin": 200, "*": 403}),
    Route("manager.dashboard_csv", "GET", lambda c: "/team/dashboard.csv",
          {"manager_a": 200, "manager_b": 200, "admin": 200, "*": 403}),
    # insights: managers (their reports) and admins; for anyone else the page does not exist
    Route("insights.index", "GET", lambda c: "/insights", {"manager_a": 200, "manager_b": 200, "admin": 200, "*": 404}),
    Route("insights.table_csv", "GET", lambda c: "/insights/phases.csv",
          {"manager_a": 200, "manager_b": 200, "admin": 200, "*": 404}),
    Route("manager.plan", "GET", lambda c: f"/team/plans/{c.plan_a.id}", reviewers_a("GET")),
    Route("manager.plan", "GET", lambda c: f"/team/plans/{c.plan_b.id}", {"manager_b": 200, "admin": 200, "*": 404}),
    Route("admin.plans", "GET", lambda c: "/admin/plans?manager=none", admins("GET")),
    Route("admin.plans_csv", "GET", lambda c: "/admin/plans.csv", admins("GET")),
    Route("admin.hire_new", "GET", lambda c: "/admin/plans/new", admins("GET")),
    Route("admin.plan", "GET", lambda c: f"/admin/plans/{c.plan_a.id}", admins("GET")),
    Route("admin.plan_upgrade", "GET", lambda c: f"/admin/plans/{c.plan_a.id}/upgrade", admins("GET")),
    Route("admin.people", "GET", lambda c: "/admin/people", admins("GET")),
    Route("admin.holidays", "GET", lambda c: "/admin/holidays", admins("GET")),
    # --- the hire's writes ---
    Route("hire.tick", "POST", lambda c: f"/plan/items/{c.items[LEAF].id}", {"hire_a": 302, "*": 404},
          lambda c: {"done": "y", "note": "Done with Sam.", "version": c.items[LEAF].version}),
    Route("hire.tick", "POST", lambda c: f"/plan/items/{c.items[DAY_60].id}", {"hire_a": 302, "*": 404},
          lambda c: {"version": c.items[DAY_60].version}),  # unticked: reopen
    Route("hire.tick", "POST", lambda c: f"/plan/items/{c.b_leaf.id}", {"hire_b": 302, "*": 404},
          lambda c: {"done": "y", "version": c.b_leaf.version}),
    Route("hire.self_assess", "POST", lambda c: f"/plan/{c.plan_a.id}/phases/day-30/self-assessment",
          {"hire_a": 302, "*": 404}, lambda c: {"day-30-text": "The first month went well."}),
    # --- comments: anyone who may read ---
    Route("plans.comment", "POST", lambda c: f"/plans/{c.plan_a.id}/comments", readers_a("POST"),
          lambda c: {"body": "Nice progress!"}),
    # --- the manager's writes ---
    Route("manager.sign_off", "POST", lambda c: f"/team/items/{c.items[CHILD_1].id}/sign-off", reviewers_a("POST"),
          lambda c: {"version": c.items[CHILD_1].version}),
    Route("manager.send_back", "POST", lambda c: f"/team/items/{c.items[CHILD_2].id}/send-back", reviewers_a("POST"),
          lambda c: {"version": c.items[CHILD_2].version, "comment": "Add the link, please."}),
    Route("manager.sign_off_all", "POST", lambda c: f"/team/plans/{c.plan_a.id}/phases/day-60/sign-off",
          reviewers_a("POST")),
    Route("manager.check_in", "POST", lambda c: f"/team/plans/{c.plan_a.id}/phases/day-30/check-in",
          reviewers_a("POST"), lambda c: {"day-30-status": "on track", "day-30-notes": "Good start."}),
    Route("manager.nudge", "POST", lambda c: f"/team/plans/{c.plan_a.id}/nudge", reviewers_a("POST")),
    # --- the admin's writes ---
    Route("admin.hire_new", "POST", lambda c: "/admin/plans/new", admins("POST"),
          lambda c: {"email": "new@example.com", "name": "New Person", "role": "support-engineer",
                     "start_on": "2026-04-01", "manager_email": "mara@example.com", "timezone": "UTC"}),
    Route("admin.plan_start", "POST", lambda c: f"/admin/plans/{c.plan_a.id}/start", admins("POST"),
          lambda c: {"start_on": "2026-03-09"}),
    Route("admin.item_add", "POST", lambda c: f"/admin/plans/{c.plan_a.id}/items", admins("POST"),
          lambda c: {"phase": "day-90", "parent": "", "text": "Shadow the on-call engineer."}),
    Route("admin.item_edit", "POST", lambda c: f"/admin/items/{c.items[DAY_90].id}/edit", admins("POST"),
          lambda c: {"text": "Write three help articles.", "version": c.items[DAY_90].version}),
    Route("admin.item_waive", "POST", lambda c: f"/admin/items/{c.items[MONTH_6].id}/waive", admins("POST"),
          lambda c: {"reason": "No incidents this year.", "version": c.items[MONTH_6].version}),
    Route("admin.people", "POST", lambda c: "/admin/people", admins("POST"),
          lambda c: {"email": "pat@example.com", "name": "Pat Person", "role": "hire", "timezone": "UTC"}),
    Route("admin.holidays", "POST", lambda c: "/admin/holidays", admins("POST"),
          lambda c: {"on": "2026-12-25", "name": "Christmas Day"}),
    Route("admin.working_days", "POST", lambda c: "/admin/holidays/working-days", admins("POST"),
          lambda c: {"is_working_days_only": "y"}),
    Route("admin.holiday_delete", "POST", lambda c: f"/admin/holidays/{c.holiday.id}/delete", admins("POST")),
    Route("admin.plan_people", "POST", lambda c: f"/admin/plans/{c.plan_a.id}/people", admins("POST"),
          lambda c: {"manager_email": "mara@example.com", "buddy_email": ""}),
    Route("admin.plan_upgrade", "POST", lambda c: f"/admin/plans/{c.plan_a.id}/upgrade", admins("POST"),
          lambda c: {"version": 2}),
    # --- integrations: webhooks (admins), API tokens (one's own; admins: everyone's) ---
    Route("admin.webhooks", "GET", lambda c: "/admin/webhooks", admins("GET")),
    Route("admin.webhooks", "POST", lambda c: "/admin/webhooks", {"admin": 200, "*": 403},
          lambda c: {"url": "http://127.0.0.1:9/hook", "events": ["item.completed"]}),
    Route("admin.webhook_active", "POST", lambda c: f"/admin/webhooks/{c.endpoint_id}/active", admins("POST")),
    Route("admin.webhook_retry", "POST", lambda c: f"/admin/webhooks/deliveries/{c.failed_delivery_id}/retry",
          admins("POST")),
    Route("tokens.create_own", "POST", lambda c: "/preferences/tokens", {"*": 200}, lambda c: {"name": "Script"}),
    Route("tokens.revoke_own", "POST", lambda c: f"/preferences/tokens/{c.token_id}/revoke", {"hire_a": 302, "*": 404}),
    Route("admin.tokens", "GET", lambda c: "/admin/tokens", admins("GET")),
    Route("admin.tokens", "POST", lambda c: "/admin/tokens", {"admin": 200, "*": 403},
          lambda c: {"email": "mara@example.com", "name": "HRIS"}),
    Route("admin.token_revoke", "POST", lambda c: f"/admin/tokens/{c.token_id}/revoke", admins("POST")),
    # --- the people pages (admins) ---
    Route("admin.person", "GET", lambda c: f"/admin/people/{c.org.hire_b.id}", admins("GET")),
    Route("admin.person", "POST", lambda c: f"/admin/people/{c.org.hire_b.id}", admins("POST"),
          lambda c: {"name": "Hugo Hire-Smith", "email": "hugo@example.com", "role": "hire",
                     "manager_email": "mbob@example.com", "timezone": "Europe/Paris"}),
    Route("admin.person_export", "GET", lambda c: f"/admin/people/{c.org.hire_b.id}/export", admins("GET")),
    Route("admin.person_invite", "POST", lambda c: f"/admin/people/{c.newbie.id}/invite", admins("POST")),
    Route("admin.person_deactivate", "POST", lambda c: f"/admin/people/{c.newbie.id}/deactivate", admins("POST")),
    Route("admin.person_erase", "GET", lambda c: f"/admin/people/{c.newbie.id}/erase", admins("GET")),
    Route("admin.person_erase", "POST", lambda c: f"/admin/people/{c.newbie.id}/erase", admins("POST"),
          lambda c: {"confirm_email": "newbie@example.com"}),
    Route("admin.person_reactivate", "POST", lambda c: f"/admin/people/{c.leaver.id}/reactivate", admins("POST")),
    Route("admin.hires_import", "GET", lambda c: "/admin/hires/import", admins("GET")),
    Route("admin.hires_import", "POST", lambda c: "/admin/hires/import", admins("POST"),
          lambda c: {"save": "y", "invite": "y", "content": base64.b64encode(
              b"name,email,role,start date,manager email\nIda Import,ida@example.com,support-engineer,2026-04-06,"
              b"mara@example.com\n").decode()}),
]


class Context:
    """The organisation plus the items each write aims at, re-read before every request."""

    def __init__(self, org):
        self.org = org
        self.plan_a, self.plan_b = org.plan_a, org.plan_b
        self.holiday = db.session.scalars(select(Holiday)).first()
        self.endpoint_id = db.session.scalar(select(WebhookEndpoint.id))
        self.failed_delivery_id = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == "failed"))
        self.token_id = db.session.scalar(select(ApiToken.id))
        self.newbie = db.session.scalar(select(User).where(User.email == "newbie@example.com"))
        self.leaver = db.session.scalar(select(User).where(User.email == "leaver@example.com"))

    @property
    def items(self):
        return {text: item_by_text(self.plan_a, text) for text in (LEAF, CHILD_1, CHILD_2, DAY_60, DAY_90, MONTH_6)}

    @property
    def b_leaf(self):
        return item_by_text(self.plan_b, LEAF)


@pytest.fixture
def matrix_org(org):
    """Plan A with done items to sign off, send back and reopen; a newer template version; a holiday."""
    for text in (CHILD_1, CHILD_2, DAY_60):
        complete_item(item_by_text(org.plan_a, text), org.hire_a, now=NOW)
        db.session.commit()
    changed = sample_role()
    changed["phases"][2]["milestones"].append({"text": "Run a customer webinar.", "children": []})
    import_role(changed, now=NOW)
    db.session.add(Holiday(on=NOW.date().replace(month=5, day=1), name="Labour Day"))
    create_user(email="newbie@example.com", name="Nia Newbie", role="hire")  # no password: can be invited
    create_user(email="leaver@example.com", name="Leo Leaver", role="hire", password="correct horse battery")
    deactivate_person(db.session.scalar(select(User).where(User.email == "leaver@example.com")), actor=None, now=NOW)
    db.session.commit()
    create_token(org.hire_a, "hire A's script", actor=None, now=NOW)
    endpoint_id = add_endpoint("http://127.0.0.1:9/hook", ["item.completed"], actor=None, now=NOW).id
    db.session.commit()
    complete_item(item_by_text(org.plan_a, DAY_90), org.hire_a, now=NOW)
    db.session.commit()
    db.session.execute(update(OutboxMessage).where(OutboxMessage.endpoint_id == endpoint_id)
                       .values(status="failed", last_error="HTTP 410 Gone"))
    db.session.commit()
    return org


def test_the_matrix_covers_every_route_and_method(app):
    covered = {(r.endpoint, r.method) for r in ROUTES}
    wanted = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if view.__module__ in MODULES:
            wanted |= {(rule.endpoint, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert wanted, "no routes found"
    assert wanted - covered == set(), "routes missing from the permission matrix"
    assert covered - wanted == set(), "the matrix names routes that do not exist"


@pytest.mark.parametrize("actor", ACTORS)
def test_every_route_as(actor, app, matrix_org):
    ctx = Context(matrix_org)
    client = app.test_client()
    sign_in(client, matrix_org.person(actor))
    mismatches = []
    for route in ROUTES:
        url, data = route.url(ctx), route.data(ctx)
        before = snapshot() if route.method == "POST" else None
        response = client.open(url, method=route.method, data=data)
        expected = 302 if actor == "anon" else route.status_for(actor)
        problem = None
        if response.status_code != expected:
            problem = f"got {response.status_code}, expected {expected}"
        elif actor == "anon" and "/login" not in response.headers.get("Location", ""):
            problem = f"anonymous was not sent to sign in but to {response.headers.get('Location')}"
        elif route.method == "POST":
            refused = actor == "anon" or expected in (403, 404)
            after = snapshot()
            if refused and after != before:
                problem = "a refused write changed the database: " + ", ".join(
                    k for k in before if before[k] != after[k])
            if not refused and after == before:
                problem = "an allowed write changed nothing"
        if problem:
            mismatches.append(f"{route.method} {url} ({route.endpoint}) as {actor}: {problem}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("url", ["/plans/0", "/plans/99999999999999999999", "/team/plans/-1", "/plans/abc",
                                 "/team/plans/2147483648", "/plan/items/0"])
def test_nonsense_ids_are_not_found(url, org, client_as):
    client = client_as(org.admin)
    method = "POST" if url.startswith("/plan/items") else "GET"
    assert client.open(url, method=method).status_code == 404


def test_index_sends_each_person_to_their_page(org, client_as):
    assert client_as(org.hire_a).get("/").headers["Location"].endswith("/plan")
    assert client_as(org.manager_a).get("/").headers["Location"].endswith("/team")
    assert client_as(org.admin).get("/").headers["Location"].endswith("/admin/")
    assert "/login" in client_as(None).get("/").headers["Location"]
