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
from sqlalchemy import text

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
        api = client.get("/api/v1/plans", headers={"Authorization": "Bearer not-checked-the-database-is-down"})
        assert (api.status_code, api.mimetype, api.headers["Retry-After"]) == (503, "application/problem+json", "30")
        assert api.get_json()["status"] == 503 and "nothing was changed" in api.get_json()["detail"]
        documented = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/plans"]["get"]["responses"]
        assert "503" in documented  # a client generated from the document expects it

        own_postgres.resume()
        assert client.get("/admin/").status_code == 200  # the next request recovers, still signed in
        assert database_status().is_ok
        db.engine.dispose()


def test_a_connection_cut_after_the_page_is_built_still_answers_the_page(own_postgres):
    """PostgreSQL restarting between a page's last query and the end of its request: the session's
    closing ROLLBACK fails on the dead connection. The page was built; it is served (not gunicorn's
    bare 500), and the next request gets a fresh connection."""

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


def _signed_in_app(server: PostgresServer, name: str):
    """An app on `server` with Ada, an admin, and a client signed in as her; errors are answered
    as in production (not raised into the test)."""
    app = create_app(_config(server.create_database(name)))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.test_client_class = IsolatedClient
    return app


def _sign_in_ada(app):
    Base.metadata.create_all(db.engine)
    create_user(email="ada@example.com", name="Ada", role="admin", password="correct horse battery")
    db.session.commit()
    client = app.test_client()
    assert login(client, "ada@example.com").status_code == 302
    return client


def _rename_ada(name: str) -> None:
    from flask_login import current_user

    current_user.name = name
    db.session.commit()  # saved; every loaded row is now expired, Ada's included


def test_a_database_gone_just_after_a_change_is_saved_still_answers_the_change(own_postgres):
    """The change is committed, then the database stops before the answer goes out. The redirect is
    still the answer: no response hook may ask the database whether someone is signed in (that was
    a query on the expired account, and its failure reached the person as a bare 500)."""
    from flask import redirect

    app = _signed_in_app(own_postgres, "saved-then-gone")

    @app.post("/_test/save-then-stop")
    def save_then_stop():
        _rename_ada("Ada L.")
        own_postgres.stop("fast")
        return redirect("/admin/")

    with app.app_context():
        client = _sign_in_ada(app)
        answer = client.post("/_test/save-then-stop")
        assert answer.status_code == 302 and answer.headers["Cache-Control"] == "no-store"
        own_postgres.resume()
        assert db.session.execute(text("SELECT name FROM users")).scalar() == "Ada L."
        db.session.remove()
        db.engine.dispose()


def test_a_database_gone_after_the_save_says_the_change_was_kept(own_postgres):
    """The database stops between the commit and the page that reads the saved rows again: a 503,
    which says the change was saved (a tick kept, not lost) instead of "nothing was changed"."""
    from flask import request
    from flask_login import current_user

    app = _signed_in_app(own_postgres, "saved-then-read")

    @app.post("/_test/save-stop-read")
    def save_stop_read():
        _rename_ada("Ada L.")
        own_postgres.stop("fast")
        return f"Renamed to {current_user.name}"  # a reload of the expired row, from a stopped server

    @app.post("/_test/stop-then-save")
    def stop_then_save():
        own_postgres.stop("fast")
        _rename_ada("Ada K.")
        return "not reached"

    @app.post("/_test/save-stop-answer")
    def save_stop_answer():
        _rename_ada("Ada M.")
        own_postgres.stop("fast")
        return "renamed"

    @app.post("/api/_test/save-stop-answer")
    def api_save_stop_answer():
        _rename_ada("Ada N.")
        own_postgres.stop("fast")
        return {"renamed": True}

    @app.after_request
    def read_in_a_hook(response):  # a response hook is outside the view's error handlers
        if request.path.endswith("/_test/save-stop-answer"):
            response.headers["X-Name"] = current_user.name
        return response

    with app.app_context():
        client = _sign_in_ada(app)
        for path in ("/_test/save-stop-read", "/_test/save-stop-answer"):
            kept = client.post(path)
            assert kept.status_code == 503, path
            assert "Your change was saved" in kept.get_data(as_text=True), path
            own_postgres.resume()
            assert client.get("/admin/").status_code == 200
        api = client.post("/api/_test/save-stop-answer")  # the API's answer says the same, as problem+json
        assert (api.status_code, api.mimetype) == (503, "application/problem+json")
        assert api.get_json()["detail"].startswith("The change was saved")
        own_postgres.resume()

        lost = client.post("/_test/stop-then-save")
        assert lost.status_code == 503
        body = lost.get_data(as_text=True)
        assert "nothing was changed" in body and "Your change was saved" not in body
        own_postgres.resume()
        assert db.session.execute(text("SELECT name FROM users")).scalar() == "Ada N."
        db.session.remove()
        db.engine.dispose()


def test_a_failed_statement_gives_our_500_page_not_the_servers(own_postgres):
    """A statement that fails for a reason other than an outage (here, a missing table) leaves the
    transaction aborted. The 500 page must not ask that transaction for the signed-in person's
    name: the error would be raised inside the error handler and escape the app."""
    app = _signed_in_app(own_postgres, "failed-statement")

    @app.get("/_test/bad-statement")
    def bad_statement():
        db.session.expire_all()  # as after a commit: the person's row must be read again
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "not reached"

    with app.app_context():
        client = _sign_in_ada(app)
        answer = client.get("/_test/bad-statement")
        assert answer.status_code == 500
        body = answer.get_data(as_text=True)
        assert "Something went wrong" in body and "· Onboarding</title>" in body
        assert client.get("/admin/").status_code == 200  # still signed in, on a fresh session
        db.engine.dispose()


def test_what_counts_as_a_saved_change_for_the_503_page(app, make_user):
    """Only a commit of the outermost transaction that wrote something is "saved": not a read
    committed, not a savepoint released inside a transaction that has yet to commit, and a change
    whose savepoint rolled back does not undo the outer change already made."""
    from onboarding.core.pages import _saved_this_request

    ada = make_user(email="ada@example.com")
    db.session.commit()
    cases = []
    with app.test_request_context():
        db.session.execute(text("SELECT 1"))
        db.session.commit()
        cases.append(("a read, committed", _saved_this_request()))
    with app.test_request_context():
        ada = db.session.merge(ada)
        ada.name = "Ada L."
        with db.session.begin_nested():
            db.session.execute(text("SELECT 1"))
        cases.append(("a savepoint released, before the commit", _saved_this_request()))
        db.session.rollback()
        cases.append(("the change rolled back", _saved_this_request()))
    with app.test_request_context():
        ada = db.session.merge(ada)
        ada.name = "Ada M."
        db.session.flush()
        try:
            with db.session.begin_nested():
                db.session.execute(text("SELECT no_such_column FROM users"))
        except Exception:  # noqa: BLE001 -- the savepoint's statement fails on purpose
            pass
        db.session.commit()
        cases.append(("a change committed after a failed savepoint", _saved_this_request()))
    assert cases == [("a read, committed", False), ("a savepoint released, before the commit", False),
                     ("the change rolled back", False), ("a change committed after a failed savepoint", True)]
