"""People and sign-in in a real browser (CSRF on), mail read from a real SMTP server (aiosmtpd):
invitation -> set password -> plan; the link fails twice; forgot -> reset -> the old password fails;
single sign-on against a real OpenID provider; editing and deactivating a person."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from onboarding import create_app
from onboarding.extensions import db
from onboarding.outbox.delivery import deliver_outbox
from tests.browser.conftest import PASSWORD, _QuietHandler, assert_accessible, sign_in
from tests.conftest import NOW, OIDC_ACCOUNTS
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.reminders.helpers import MAIL_FROM, SmtpServer, free_port

pytestmark = pytest.mark.browser


class PeopleServer:
    """The app on loopback with mail going to a real SMTP server and, optionally, SSO configured."""

    def __init__(self, app_config: dict, smtp: SmtpServer, oidc: OidcProvider | None = None):
        self.holder: dict = {}
        self.server = make_server("127.0.0.1", 0, lambda env, start: self.holder["app"](env, start), threaded=True,
                                  request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        config = dict(app_config, TESTING=True, WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=False,
                      REMEMBER_COOKIE_SECURE=False, FIXED_NOW=NOW, BASE_URL=self.url, SMTP_HOST="127.0.0.1",
                      SMTP_PORT=smtp.port, MAIL_FROM=MAIL_FROM, SMTP_TIMEOUT=5)
        if oidc is not None:
            config.update(OIDC_ISSUER=oidc.issuer, OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET)
        self.app = self.holder["app"] = create_app(config)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def deliver(self) -> int:
        """The outbox delivery step (the scheduler's job), run once."""
        with self.app.app_context():
            sent = deliver_outbox(datetime.now(timezone.utc))
            db.session.remove()
        return sent


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _serve(app_config, smtp, oidc=None):
    live = PeopleServer(app_config, smtp, oidc)
    live.thread.start()
    return live


def _stop(live: PeopleServer) -> None:
    live.server.shutdown()
    live.server.server_close()
    live.thread.join(timeout=10)
    with live.app.app_context():
        db.engine.dispose()
    db.session.rollback()


@pytest.fixture
def people_server(app, app_config, smtp):
    live = _serve(app_config, smtp)
    yield live
    _stop(live)


@pytest.fixture
def sso_server(app, app_config, smtp):
    """A provider started for this test: its one client sends people back to this server's port
    (known once the server listens; the app reads the provider's discovery document lazily)."""
    provider = OidcProvider(free_port(), [], OIDC_ACCOUNTS)
    live = _serve(app_config, smtp, oidc=provider)
    try:
        provider.redirect_uris = [live.url + "/auth/oidc/callback"]
        provider.start()
        yield live
    finally:
        provider.stop()
        _stop(live)


def _context(browser, live):
    context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    context.set_default_navigation_timeout(15_000)
    return context


@pytest.fixture
def pages(browser):
    contexts = []

    def make(live):
        context = _context(browser, live)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _link(smtp: SmtpServer, address: str, kind: str, count: int) -> str:
    smtp.wait_for(count)
    [*_, mail] = smtp.to(address)
    match = re.search(rf"http://\S+/password/{kind}/\S+", mail.text)
    assert match, mail.text
    return match.group(0)


@pytest.fixture
def org(make_user, make_role):
    admin = make_user(email="admin@example.com", name="Ada Admin", role="admin")
    manager = make_user(email="grace@example.com", name="Grace Hopper", role="manager")
    make_role()
    return {"admin": admin, "manager": manager}


def test_invitation_then_set_password_then_the_plan(people_server, smtp, pages, org, axe):
    admin = pages(people_server)
    sign_in(admin, "admin@example.com")
    admin.goto("/admin/plans/new")
    admin.get_by_label("Name", exact=True).fill("Katherine Johnson")
    admin.get_by_label("Email", exact=True).fill("katherine@example.com")
    admin.get_by_label("Role template").select_option(label="Support Engineer")
    admin.get_by_label("Start date").fill("2026-03-02")
    admin.get_by_label("Manager", exact=True).fill("grace@example.com")
    admin.get_by_label("Time zone").select_option("America/New_York")
    expect(admin.get_by_label("Send an invitation")).to_be_checked()
    admin.get_by_role("button", name="Add hire and make the plan").click()
    expect(admin.get_by_role("status")).to_contain_text("an invitation is on its way")

    assert people_server.deliver() == 1
    link = _link(smtp, "katherine@example.com", "invitation", 1)
    [mail] = smtp.to("katherine@example.com")
    assert mail.message["Subject"] == "You are invited to Onboarding"

    hire = pages(people_server)
    hire.goto(link)
    assert_accessible(axe, hire, "set your password")
    hire.get_by_label("New password", exact=True).fill("katherine's own password")
    hire.get_by_label("Confirm new password").fill("katherine's own password")
    hire.get_by_role("button", name="Set password").click()
    expect(hire.get_by_role("heading", name="My plan", level=1)).to_be_visible()
    expect(hire.get_by_role("main")).to_contain_text("Answer ten customer tickets with a reviewer.")

    again = pages(people_server)
    again.goto(link)
    expect(again.get_by_role("heading", name="This link does not work")).to_be_visible()
    expect(again.get_by_role("main")).to_contain_text("already used")
    sign_in(again, "katherine@example.com", "katherine's own password")


def test_forgot_password_reset_and_the_old_password_fails(people_server, smtp, pages, org, axe):
    page = pages(people_server)
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    assert_accessible(axe, page, "forgot password")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_contain_text("If that address belongs to an account")
    assert people_server.deliver() == 1
    link = _link(smtp, "grace@example.com", "reset", 1)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("grace's brand new password")
    page.get_by_label("Confirm new password").fill("grace's brand new password")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="My team", level=1)).to_be_visible()

    other = pages(people_server)
    other.goto("/login")
    other.get_by_label("Email").fill("grace@example.com")
    other.get_by_label("Password", exact=True).fill(PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_role("main")).to_contain_text("That email and password do not match an account.")
    sign_in(other, "grace@example.com", "grace's brand new password")


def test_sso_sign_in_against_a_real_provider(sso_server, pages, make_user, axe):
    make_user(email="ada@example.com", name="Ada Lovelace", role="admin")
    page = pages(sso_server)
    page.goto("/login")
    assert_accessible(axe, page, "sign in with SSO")
    page.get_by_role("link", name="Sign in with SSO").click()
    # the provider's own sign-in page (oidc-provider's development pages)
    page.locator("input[name=login]").fill("ada")
    page.locator("input[name=password]").fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    assert page.url.startswith(sso_server.url)


def test_an_admin_edits_and_deactivates_a_person(people_server, pages, make_user, org, axe):
    make_user(email="dorothy@example.com", name="Dorothy Vaughan", role="hire")
    admin = pages(people_server)
    sign_in(admin, "admin@example.com")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    admin.get_by_role("link", name="Dorothy Vaughan").click()
    expect(admin.get_by_role("heading", name="Dorothy Vaughan", level=1)).to_be_visible()
    assert_accessible(axe, admin, "a person")
    admin.get_by_label("Name", exact=True).fill("Dorothy J. Vaughan")
    admin.get_by_label("Manager (optional)").fill("grace@example.com")
    admin.get_by_label("Time zone").select_option("Europe/Paris")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("status")).to_contain_text("Saved Dorothy J. Vaughan.")
    expect(admin.get_by_label("Time zone")).to_have_value("Europe/Paris")

    dorothy = pages(people_server)
    sign_in(dorothy, "dorothy@example.com")
    admin.get_by_role("button", name="Deactivate").click()
    expect(admin.get_by_role("status")).to_contain_text("is deactivated")
    expect(admin.get_by_role("main")).to_contain_text("Status: Deactivated")
    dorothy.reload()
    expect(dorothy.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    dorothy.get_by_label("Email").fill("dorothy@example.com")
    dorothy.get_by_label("Password", exact=True).fill(PASSWORD)
    dorothy.get_by_role("button", name="Sign in").click()
    expect(dorothy.get_by_role("main")).to_contain_text("That email and password do not match an account.")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    row = admin.get_by_role("row").filter(has=admin.get_by_role("link", name="Dorothy J. Vaughan"))
    expect(row).to_contain_text("Deactivated")
