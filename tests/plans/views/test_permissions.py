"""Object-level permission, walked route by route: every endpoint of the app (its url_map), GET and
POST, as hire A, hire B, manager A, manager B, A's buddy, an admin and an anonymous visitor. An
endpoint without a declared expectation fails the matrix.

Someone else's plan or item answers 404 (it does not exist for them); a page for another audience
answers 403 (admin pages, the team dashboard for a hire); an anonymous visitor is sent to sign in,
except on the public pages (sign-in, forgot password, a password link, unsubscribe, the calendar
feed, health, metrics, static files), whose expectation names "anon". The API answers 401 to
anyone without a token: a session cookie is not a token (tests/api covers the tokens).
A refused write changes nothing at all; an allowed write changes something.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from onboarding.core import clock
from onboarding.extensions import db
from onboarding.org.models import Holiday
from onboarding.outbox.models import OutboxMessage
from onboarding.people.invitations import send_invitation
from onboarding.people.models import ApiToken, User
from onboarding.people.operations import create_user, deactivate_person
from onboarding.people.passwords import RESET, make_link_token
from onboarding.people.tokens import create_token
from onboarding.plans.states import complete_item
from onboarding.reminders.tokens import calendar_feed_token, unsubscribe_tokens
from onboarding.roles.operations import import_role
from onboarding.roles.views import _preview_serializer
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


@dataclass
class Route:
    endpoint: str
    method: str
    url: callable
    #: expected status per actor ("*" for everyone else signed in); anonymous is sent to sign in
    #: unless "anon" names what a public page answers
    expect: dict
    data: callable = field(default=lambda ctx: {})
    #: False: a POST that, when allowed, still changes nothing (a preview, signing in)
    writes: bool = True
    #: run on a client of its own (signed in as the actor), as it signs someone in
    own_client: bool = False

    @property
    def public(self) -> bool:
        return "anon" in self.expect

    def status_for(self, actor: str) -> int:
        if actor == "anon":
            return self.expect.get("anon", 302)
        return self.expect.get(actor, self.expect["*"])


PHASE_KEYS = ("day-30", "day-60", "day-90", "month-6", "month-12", "long-term")


def _ok(method: str) -> int:
    return 200 if method == "GET" else 302


def readers_a(method):  # plan A: its hire, manager, buddy and any admin
    return {"hire_a": _ok(method), "manager_a": _ok(method), "buddy": _ok(method), "admin": _ok(method), "*": 404}


def reviewers_a(method):  # plan A's manager and admins
    return {"manager_a": _ok(method), "admin": _ok(method), "*": 404}


def admins(method):
    return {"admin": _ok(method), "*": 403}


def everyone(method):  # anyone signed in
    return {"*": _ok(method)}


def public(status: int):  # the same answer for visitors and everyone signed in
    return {"anon": status, "*": status}


NEW_PASSWORD = {"new": "a brand new passphrase", "confirm": "a brand new passphrase"}
#: every API endpoint: (endpoint, method, path); without a token each answers 401
API = [
    ("api.list_roles", "GET", lambda c: "/api/v1/roles"),
    ("api.get_role", "GET", lambda c: "/api/v1/roles/support-engineer"),
    ("api.import_document", "POST", lambda c: "/api/v1/roles"),
    ("api.list_hires", "GET", lambda c: "/api/v1/hires"),
    ("api.get_hire", "GET", lambda c: f"/api/v1/hires/{c.org.hire_a.id}"),
    ("api.create_hire", "POST", lambda c: "/api/v1/hires"),
    ("api.list_plans", "GET", lambda c: "/api/v1/plans"),
    ("api.get_plan", "GET", lambda c: f"/api/v1/plans/{c.plan_a.id}"),
    ("api.move_start", "POST", lambda c: f"/api/v1/plans/{c.plan_a.id}/start-date"),
    ("api.check_in", "POST", lambda c: f"/api/v1/plans/{c.plan_a.id}/check-ins"),
    ("api.complete", "POST", lambda c: f"/api/v1/items/{c.items[LEAF].id}/complete"),
    ("api.reopen", "POST", lambda c: f"/api/v1/items/{c.items[DAY_60].id}/reopen"),
    ("api.sign_off", "POST", lambda c: f"/api/v1/items/{c.items[CHILD_1].id}/sign-off"),
    ("api.send_back", "POST", lambda c: f"/api/v1/items/{c.items[CHILD_2].id}/send-back"),
    ("api.waive", "POST", lambda c: f"/api/v1/items/{c.items[MONTH_6].id}/waive"),
    ("api.list_events", "GET", lambda c: "/api/v1/events"),
]


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
    # --- the admin dashboard, role templates and the outbox (admins) ---
    Route("admin.dashboard", "GET", lambda c: "/admin/", admins("GET")),
    Route("admin.roles", "GET", lambda c: "/admin/roles", admins("GET")),
    Route("admin.role", "GET", lambda c: "/admin/roles/support-engineer", admins("GET")),
    Route("admin.role_history", "GET", lambda c: "/admin/roles/support-engineer/history", admins("GET")),
    Route("admin.role_export", "GET", lambda c: "/admin/roles/support-engineer/export.yaml", admins("GET")),
    Route("admin.role_edit", "GET", lambda c: "/admin/roles/support-engineer/edit", admins("GET")),
    Route("admin.role_edit", "POST", lambda c: "/admin/roles/support-engineer/edit", admins("POST"),
          lambda c: {"title": "Support Engineer", "level": "", "summary": "Keeps every customer productive.",
                     **{f"phases-{i}-key": key for i, key in enumerate(PHASE_KEYS)},
                     "phases-0-milestones": "Answer ten customer tickets with a reviewer."}),
    Route("admin.roles_import", "GET", lambda c: "/admin/roles/import", admins("GET")),
    Route("admin.roles_import", "POST", lambda c: "/admin/roles/import", {"admin": 200, "*": 403},
          lambda c: {"pasted": "# Associate QA Analyst\n\n## 30-day goals\n- Learn the test suite.\n"},
          writes=False),  # a preview: nothing is saved yet
    Route("admin.roles_import_confirm", "POST", lambda c: "/admin/roles/import/confirm", admins("POST"),
          lambda c: {"payload": c.role_preview, "chosen": ["0"]}),
    Route("outbox.index", "GET", lambda c: "/admin/outbox", admins("GET")),
    Route("outbox.retry", "POST", lambda c: f"/admin/outbox/{c.failed_mail_id}/retry", admins("POST")),
    # --- one's own account: digest preferences, channels, the calendar link ---
    Route("index", "GET", lambda c: "/", {"*": 302}),
    Route("mail.calendar_feed", "GET", lambda c: f"/calendar/{c.feed_token}.ics", public(200)),
    Route("mail.unsubscribe", "GET", lambda c: f"/unsubscribe/{c.unsubscribe_token}", public(200)),
    Route("mail.unsubscribe", "POST", lambda c: f"/unsubscribe/{c.unsubscribe_token}", public(200)),
    Route("mail.preferences", "GET", lambda c: "/preferences", everyone("GET")),
    Route("mail.preferences", "POST", lambda c: "/preferences", everyone("POST"),
          lambda c: {"timezone": "Europe/Paris", "cadence": "daily", "send_hour": "7"}),
    Route("mail.channels", "POST", lambda c: "/preferences/channels", everyone("POST"),
          lambda c: {"channels": ["email", "slack"], "teams_url": ""}),
    Route("mail.new_calendar_link", "POST", lambda c: "/preferences/calendar", everyone("POST")),
    # --- public pages: health, metrics, static files, the API's docs ---
    Route("ops.healthz", "GET", lambda c: "/healthz", public(200)),
    Route("ops.metrics", "GET", lambda c: "/metrics", public(200)),
    Route("static", "GET", lambda c: "/static/app.css", public(200)),
    Route("api.docs", "GET", lambda c: "/api/v1/docs", public(200)),
    Route("api.openapi", "GET", lambda c: "/api/v1/openapi.json", public(200)),
    *(Route(endpoint, method, url, public(401)) for endpoint, method, url in API),
    # --- single sign-on: not configured here, so its routes do not exist (tests/people/test_sso.py) ---
    Route("oidc.login", "GET", lambda c: "/auth/oidc/login", public(404)),
    Route("oidc.callback", "GET", lambda c: "/auth/oidc/callback?code=x&state=y", public(404)),
    # --- signing in: visitors sign in; a signed-in person is sent on to their page ---
    Route("auth.login", "GET", lambda c: "/login", {"anon": 200, "*": 302}),
    Route("auth.login", "POST", lambda c: "/login", {"anon": 302, "*": 302},
          lambda c: {"email": "rita@example.com", "password": "correct horse battery"}, writes=False, own_client=True),
    Route("auth.forgot_password", "GET", lambda c: "/password/forgot", public(200)),
    Route("auth.forgot_password", "POST", lambda c: "/password/forgot", public(302),
          lambda c: {"email": "rita@example.com"}),  # a reset mail to Rita, whoever asks
    # Rita's reset link: it signs in whoever opens it, unless someone else is signed in
    Route("auth.set_password", "GET", lambda c: f"/password/reset/{c.reset_token}", {"anon": 200, "*": 403}),
    Route("auth.set_password", "POST", lambda c: f"/password/reset/{c.reset_token}", {"anon": 302, "*": 403},
          lambda c: NEW_PASSWORD, own_client=True),
    # last: these two end the session the rest of the matrix runs in
    Route("auth.change_password", "GET", lambda c: "/account/password", everyone("GET")),
    Route("auth.change_password", "POST", lambda c: "/account/password", everyone("POST"),
          lambda c: {"current": "correct horse battery", **NEW_PASSWORD}),
    Route("auth.logout", "POST", lambda c: "/logout", everyone("POST")),
]


class Context:
    """The organisation plus the items each write aims at, re-read before every request."""

    def __init__(self, org):
        self.org = org
        self.plan_a, self.plan_b = org.plan_a, org.plan_b
        self.holiday = db.session.scalars(select(Holiday)).first()
        self.endpoint_id = db.session.scalar(select(WebhookEndpoint.id))
        self.failed_delivery_id = db.session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.status == "failed", OutboxMessage.channel == "webhook"))
        self.token_id = db.session.scalar(select(ApiToken.id))
        self.newbie = db.session.scalar(select(User).where(User.email == "newbie@example.com"))
        self.leaver = db.session.scalar(select(User).where(User.email == "leaver@example.com"))
        rita = db.session.scalar(select(User).where(User.email == "rita@example.com"))
        self.reset_token = make_link_token(rita, RESET, clock.now())
        self.failed_mail_id = db.session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.status == "failed", OutboxMessage.channel != "webhook"))
        self.feed_token = calendar_feed_token(org.hire_a)
        self.unsubscribe_token = unsubscribe_tokens().make(org.hire_a.id, org.hire_a.unsubscribe_version,
                                                           clock.now() - timedelta(days=1))
        self.role_preview = _preview_serializer().dumps([sample_role("QA Analyst")])

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
    create_user(email="rita@example.com", name="Rita Reset", role="hire", password="correct horse battery")
    mia = create_user(email="mia@example.com", name="Mia Mailed", role="hire")
    send_invitation(mia, actor=None, now=NOW)
    db.session.flush()
    db.session.execute(update(OutboxMessage).where(OutboxMessage.to_addr == mia.email)
                       .values(status="failed", last_error="550 mailbox unavailable"))
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


def test_the_matrix_covers_every_endpoint_and_method(app):
    covered = {(r.endpoint, r.method) for r in ROUTES}
    wanted = {(rule.endpoint, m) for rule in app.url_map.iter_rules() for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert len(wanted) > 100, "the url map looks empty"
    assert wanted - covered == set(), "endpoints without a declared expectation in the permission matrix"
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
        this_client = client
        if route.own_client:
            this_client = app.test_client()
            sign_in(this_client, matrix_org.person(actor))
        response = this_client.open(url, method=route.method, data=data)
        response.close()  # a static file's response holds the file open
        expected = route.status_for(actor)
        problem = None
        if response.status_code != expected:
            problem = f"got {response.status_code}, expected {expected}"
        elif actor == "anon" and not route.public and "/login" not in response.headers.get("Location", ""):
            problem = f"anonymous was not sent to sign in but to {response.headers.get('Location')}"
        elif route.method == "POST":
            refused = (actor == "anon" and not route.public) or expected >= 400 or not route.writes
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
