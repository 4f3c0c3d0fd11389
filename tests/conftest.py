"""Shared fixtures: an app per test on each database backend, clients, runners and factories.

Every test that uses `app` runs twice: on a fresh SQLite file and on a real PostgreSQL server
started for the session (tests/pg.py). ONBOARDING_TEST_BACKENDS=sqlite narrows it for quick local
runs; CI runs both.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from onboarding import create_app
from onboarding.core.db import Base
from onboarding.extensions import db
from tests.pg import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = [b.strip() for b in os.environ.get("ONBOARDING_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]
FIXTURES = ROOT / "tests" / "fixtures"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
TODAY = date(2026, 3, 2)


def run_benchmark(name: str, *args: str) -> tuple[dict, str]:
    """`python benchmarks/run.py NAME ARGS...` on the seed roles: its one JSON line (asserted to be
    the only line it prints) and what it wrote to stderr. Fails with its stderr when it fails."""
    done = subprocess.run([sys.executable, "benchmarks/run.py", name, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "ONBOARDING_SEEDS_DIR": str(seeds_dir())})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    return json.loads(lines[0]), done.stderr


def seeds_dir() -> Path:
    """Real blueprint documents, outside the project (one setting, so others can point at theirs)."""
    return Path(os.environ.get("ONBOARDING_SEEDS_DIR", ROOT.parent / "shared" / "seeds")).resolve()


@pytest.fixture(scope="session")
def postgres():
    # Its own folder, not pytest's tmp tree: another pytest run may reset that tree to 0700, and the
    # server (run as the postgres user when we are root) must be able to reach its data folder.
    root = Path(tempfile.mkdtemp(prefix="onboarding-pg-"))
    server = PostgresServer(root / "cluster")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_test_url(postgres):
    """One database for the session: schema made once, tables emptied after each test."""
    url = postgres.create_database("onboarding_test")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        Base.metadata.create_all(db.engine)
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An SQLite file holding the empty schema, made once; each test gets a copy (cheaper than create_all)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        Base.metadata.create_all(db.engine)
        with db.engine.begin() as conn:  # fold the WAL into the file, so copying the file is enough
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        target = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_test_url")
    raise ValueError(f"unknown test backend {request.param}")


@pytest.fixture
def app_config(database_url) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "BASE_URL": "http://onboarding.test",
        "SMTP_HOST": None,
        "SERVER_NAME": None,
        # scrypt costs ~100 ms a hash; production keeps it, the tests need hundreds of accounts
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Without this, requests reuse the test's app context: `g` (and Flask-Login's cached user) and
    the database session would leak from one request, or one client, to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # The test's own session may hold objects and a snapshot from before the request.
        if not (db.session.new or db.session.dirty or db.session.deleted):
            db.session.rollback()
        return response


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            _empty_tables()
        yield app
        db.session.remove()
        if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            _empty_tables()
        db.engine.dispose()


def _empty_tables() -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a person; returns a callable taking overrides."""
    from onboarding.people.operations import create_user

    counter = iter(range(1, 10_000))

    def make(**overrides):
        n = next(counter)
        values = {"email": f"person{n}@example.com", "name": f"Person {n}", "role": "hire",
                  "password": "correct horse battery"}
        values.update(overrides)
        user = create_user(**values)
        db.session.commit()
        return user

    return make


def sample_role(title: str = "Support Engineer", **changes) -> dict:
    """A small role in the reader's preview shape, written for the tests."""
    role = {
        "title": title,
        "level": "",
        "source": "sample.txt",
        "format": "text",
        "summary": f"The {title} keeps customers productive.",
        "phases": [
            {"key": "day-30", "heading": "30-day goals (learn the product)", "theme": "learn the product",
             "due": {"days": 30}, "milestones": [
                 {"text": "Learn the ticket queue and its tools:", "children": [
                     {"text": "The help desk", "children": []}, {"text": "The status page", "children": []}]},
                 {"text": "Answer ten customer tickets with a reviewer.", "children": []}]},
            {"key": "day-60", "heading": "60-day goals (work alone)", "theme": "work alone", "due": {"days": 60},
             "milestones": [{"text": "Own the morning queue for a week.", "children": []}]},
            {"key": "day-90", "heading": "90-day goals (improve the system)", "theme": "improve the system",
             "due": {"days": 90}, "milestones": [{"text": "Write two help articles.", "children": []}]},
            {"key": "month-6", "heading": "6-month milestones (trusted)", "theme": "trusted", "due": {"months": 6},
             "milestones": [{"text": "Lead an incident review.", "children": []}]},
            {"key": "month-12", "heading": "12-month objectives (leader)", "theme": "leader", "due": {"months": 12},
             "milestones": [{"text": "Mentor a new colleague.", "children": []}]},
            {"key": "long-term", "heading": "Long-term impact goals (beyond a year)", "theme": "beyond a year",
             "due": None, "milestones": [{"text": "Make support a reason customers stay.", "children": []}]},
        ],
        "guidance": {"success": "Customers get correct answers fast.",
                     "high_performance": ["Spots patterns across tickets.", "Writes clearly."]},
        "kpis": [{"name": "First reply time", "measures": "Minutes to first answer", "why": "Customers wait less",
                  "target": "Under 60 minutes", "frequency": "Weekly"}],
        "warnings": [],
    }
    role.update(changes)
    return role


@pytest.fixture
def make_role(app):
    """Import a sample role template; returns a callable taking a title and content overrides."""
    from onboarding.roles.operations import import_role

    def make(title: str = "Support Engineer", **changes):
        result = import_role(sample_role(title, **changes), now=NOW)
        db.session.commit()
        return result.template

    return make


def login(client, email: str, password: str = "correct horse battery"):
    return client.post("/login", data={"email": email, "password": password}, follow_redirects=False)


@pytest.fixture
def make_plan(app, make_user, make_role):
    """Create a hire's plan from a role template; returns a callable.

    make_plan(hire=None, manager=None, buddy=None, start_on=TODAY, role=None) -> Plan
    A missing hire or manager is made on the fly (pass manager=False for a plan without one);
    `role` is a RoleTemplate (its newest version is used) or a RoleTemplateVersion, made from
    sample_role() when omitted.
    """
    from onboarding.plans.creation import create_plan
    from onboarding.roles.models import RoleTemplateVersion
    from onboarding.roles.operations import latest_version

    def make(hire=None, manager=None, buddy=None, start_on=TODAY, role=None):
        if manager is None:
            manager = make_user(role="manager")
        elif manager is False:
            manager = None
        if hire is None:
            hire = make_user(role="hire", manager_email=manager.email if manager else None)
        if role is None:
            from onboarding.roles.operations import get_template_by_slug

            role = get_template_by_slug("support-engineer") or make_role()
        version = role if isinstance(role, RoleTemplateVersion) else latest_version(role)
        plan = create_plan(hire=hire, template_version=version, start_on=start_on,
                           manager=manager, buddy=buddy, actor=None, now=NOW)
        db.session.commit()
        return plan

    return make


@pytest.fixture
def count_queries(app):
    """`with count_queries() as statements:` records every SQL statement the block runs."""
    from onboarding.core.db import recorded_statements

    return lambda: recorded_statements(db.engine)


#: the people the test OpenID provider knows (login name -> claims in its ID tokens)
OIDC_ACCOUNTS = {
    "ada": {"email": "Ada@Example.com", "email_verified": True, "name": "Ada Lovelace"},
    "unverified": {"email": "ada@example.com", "email_verified": False, "name": "Not Ada"},
    "stranger": {"email": "stranger@example.com", "email_verified": True, "name": "Sam Stranger"},
}


@pytest.fixture(scope="session")
def oidc_provider():
    """A real OpenID Connect provider (node oidc-provider) on loopback, for the session; it sends
    people back to the test apps' BASE_URL (http://onboarding.test)."""
    from tests.oidc.provider import OidcProvider
    from tests.reminders.helpers import free_port

    provider = OidcProvider(free_port(), ["http://onboarding.test/auth/oidc/callback"], OIDC_ACCOUNTS)
    provider.start()
    yield provider
    provider.stop()
