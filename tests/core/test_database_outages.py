"""The database goes away, restarts, or turns read-only: our own 503 page, sign-in that still
answers, a clear line in the log, and recovery on the next request.

Before: a PostgreSQL restart gave 500s and bare pages (the error page itself failed with
PendingRollbackError while loading the signed-in person for the navigation), and every sign-in on a
read-only SQLite file was a 500, right password or wrong.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

import pytest

from onboarding import create_app
from onboarding.core.db import Base
from onboarding.core.health import database_status
from onboarding.extensions import db
from onboarding.people.operations import create_user
from tests.conftest import IsolatedClient, login
from tests.pg import PostgresServer


def test_database_status_ok(app):
    status = database_status()
    assert (status.state, status.detail, status.is_ok) == ("ok", "", True)


def _config(url: str) -> dict:
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k", "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SMTP_HOST": None}


@pytest.fixture
def read_only_app(tmp_path, make_plan):
    """The test's database (with a hire and a plan), opened again read-only as a second app."""
    path = Path(db.engine.url.database)
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    app = create_app(_config(url))
    app.test_client_class = IsolatedClient
    plan = make_plan()
    return app, plan.hire.email


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_read_only_sqlite_sign_in_answers_and_says_why(read_only_app, caplog):
    app, email = read_only_app
    caplog.set_level(logging.ERROR)
    with app.app_context():
        status = database_status()
        assert status.state == "read-only" and "readonly database" in status.detail
        client = app.test_client()
        wrong = login(client, email, "not the password")
        assert wrong.status_code == 401
        assert "do not match" in wrong.get_data(as_text=True)
        right = login(client, email)
        assert right.status_code == 302
        page = client.get("/plan")  # reads are served
        assert page.status_code == 200 and "Answer ten customer tickets" in page.get_data(as_text=True)
        tick = client.post("/plan/items/1", data={"done": "y", "version": 1})  # a write is refused, politely
        assert tick.status_code == 503 and tick.headers["Retry-After"] == "30"
        assert "Briefly unavailable" in tick.get_data(as_text=True)
        db.engine.dispose()
    logged = [r.getMessage() for r in caplog.records]
    assert any("not recorded" in m and "readonly database" in m for m in logged), logged
    assert any("database is read-only" in m for m in logged), logged


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of this test's own, so that it can be stopped and started again."""
    root = Path(tempfile.mkdtemp(prefix="onboarding-pg-restart-"))
    server = PostgresServer(root / "cluster")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_postgresql_restart_is_a_503_then_recovers(own_postgres):
    app = create_app(_config(own_postgres.create_database("restart")))
    app.test_client_class = IsolatedClient
    with app.app_context():
        Base.metadata.create_all(db.engine)
        create_user(email="ada@example.com", name="Ada", role="admin", password="correct horse battery")
        db.session.commit()
        client = app.test_client()
        assert login(client, "ada@example.com").status_code == 302
        assert client.get("/admin/").status_code == 200  # the pool now holds a connection

        own_postgres.stop("fast")  # as a restart does: sessions are cut, committed data kept
        assert database_status().state == "down"
        for _ in range(2):  # the dead pooled connection, then a refused new one
            down = client.get("/admin/")
            assert down.status_code == 503
            assert down.headers["Retry-After"] == "30"
            body = down.get_data(as_text=True)
            assert "Briefly unavailable" in body and "· Onboarding</title>" in body  # our layout, not a bare page

        own_postgres.resume()
        assert client.get("/admin/").status_code == 200  # the next request recovers, still signed in
        assert database_status().is_ok
        db.engine.dispose()


def test_a_connection_cut_after_the_page_is_built_still_answers_the_page(own_postgres):
    """PostgreSQL restarting between a page's last query and the end of its request: the session's
    closing ROLLBACK fails on the dead connection. The page was built; it is served (not gunicorn's
    bare 500), and the next request gets a fresh connection."""
    from sqlalchemy import text

    app = create_app(_config(own_postgres.create_database("cut")))

    @app.get("/_test/cut-after-query")
    def cut_after_query():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()  # the request's transaction begins
        with db.engine.connect() as other:  # as a restart does: the server ends the request's backend
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return "built"

    with app.app_context():
        client = app.test_client()
        answer = client.get("/_test/cut-after-query")
        assert answer.status_code == 200 and answer.get_data(as_text=True) == "built"
        assert client.get("/healthz").status_code == 200  # a fresh connection, not the dead one
        db.engine.dispose()
