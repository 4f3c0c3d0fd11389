"""Real-browser fixtures: the app served on loopback, one headless Chromium per session.

The server is a second app built from the test's `app_config` (so it shares the test's database,
which the `app` fixture has created or emptied) with CSRF switched on: the browser submits the
real forms. Tests arrange data through the factories in the test thread and drive everything else
through the browser, finding controls by their accessible names.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import dataclass

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from onboarding import create_app
from onboarding.extensions import db
from tests.conftest import NOW

PASSWORD = "correct horse battery"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def find_chromium() -> str | None:
    """Debian's chromium, or another binary named by ONBOARDING_CHROMIUM."""
    explicit = os.environ.get("ONBOARDING_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


class _QuietHandler(WSGIRequestHandler):
    """Keep werkzeug's per-request log lines out of the test output; errors still show."""

    def log_request(self, code="-", size="-"):
        pass


@dataclass
class LiveServer:
    url: str
    app: object


@pytest.fixture
def live_server(app, app_config):
    """Serve the app on 127.0.0.1 (a free port) in a background thread, with CSRF on."""
    # FIXED_NOW: the pages stand on the same day as the factories (tests.conftest.NOW), so due dates,
    # "day N" and ramp status are the same whatever day the suite runs.
    config = dict(app_config, TESTING=True, WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=False,
                  REMEMBER_COOKIE_SECURE=False, FIXED_NOW=NOW)
    server_app = create_app(config)
    server = make_server("127.0.0.1", 0, server_app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server",
                              daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=server_app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with server_app.app_context():
            db.engine.dispose()
        # The test goes on reading the database: drop what its session saw before the browser acted.
        db.session.rollback()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    executable = find_chromium()
    if executable is None:
        pytest.fail(
            "Chromium not found: the browser tests need Debian's `chromium` package "
            "(`bash scripts/setup.sh --test` installs it), or ONBOARDING_CHROMIUM=/path/to/chromium.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        pytest.fail(f"Chromium at {executable} did not start: {exc}", pytrace=False)
    yield browser
    browser.close()
    playwright.stop()


def _new_page(browser, live_server, *, javascript: bool = True):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript,
                                  viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    context.set_default_navigation_timeout(15_000)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) and page per test, JavaScript on."""
    context, page = _new_page(browser, live_server)
    yield page
    context.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open more pages, each in its own context (a second person, or JavaScript off)."""
    contexts = []

    def make(*, javascript: bool = True):
        context, page = _new_page(browser, live_server, javascript=javascript)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, finding the fields by their labels."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"sign-in as {email} failed: {page.locator('main').inner_text()}"


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


SERIOUS = ("serious", "critical")


def assert_accessible(axe, page, what: str) -> None:
    """axe-core on the current page: no serious or critical violations (all are printed)."""
    results = axe.run(page)
    violations = results.response.get("violations", [])
    if violations:
        print(f"\naxe on {what} ({page.url}):")
        for v in violations:
            targets = [", ".join(n["target"]) for n in v["nodes"]][:5]
            print(f"  [{v['impact']}] {v['id']}: {v['help']} -> {json.dumps(targets)}")
    serious = [v for v in violations if v["impact"] in SERIOUS]
    assert not serious, f"{what}: " + "; ".join(
        f"[{v['impact']}] {v['id']} ({v['help']}) at "
        + " | ".join(", ".join(n["target"]) + ": " + (n.get("failureSummary") or "").replace("\n", " ")
                     for n in v["nodes"][:3])
        for v in serious
    )
