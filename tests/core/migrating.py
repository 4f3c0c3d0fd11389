"""What the migration data tests share: a database at an earlier revision holding rows written as that
revision's schema has them (raw SQL: today's models may not fit it), then upgraded."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from onboarding import create_app

USER_ROW = ("INSERT INTO users (id, email, name, role, password_hash, timezone, digest_cadence, digest_hour,"
            " session_token, unsubscribe_version, calendar_token, is_active_account, created_at)"
            " VALUES (1, 'ada@example.com', 'Ada', 'hire', '', 'UTC', 'weekly', 9, 't', 0, 'c', true, :at)")


def insert_ada(conn: Connection, at: str) -> None:
    """Person 1, ada@example.com, a hire: the users row every revision since 0001 takes."""
    conn.execute(text(USER_ROW), {"at": at})


def insert_template_version(conn: Connection, at: str) -> None:
    """Role template 1 with its version 1 (empty content): what every plan row needs, since 0001."""
    conn.execute(text("INSERT INTO role_templates (id, slug, title, level, latest_number, created_at)"
                      " VALUES (1, 'r', 'R', '', 1, :at)"), {"at": at})
    conn.execute(text("INSERT INTO role_template_versions (id, template_id, number, content, content_hash, source,"
                      " source_format, warnings, change_summary, created_at)"
                      " VALUES (1, 1, 1, '{}', 'h', 's', 'text', '[]', '', :at)"), {"at": at})


def app_at(url: str, revision: str, fill: Callable[[Connection], None]) -> Flask:
    """An app on `url`, its database upgraded to `revision` and filled by `fill` in one transaction."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade(revision=revision)
    engine = create_engine(url)
    with engine.begin() as conn:
        fill(conn)
    engine.dispose()
    return app


def query_plan(conn: Connection, sql: str) -> str:
    """The database's plan for `sql`, as text. On PostgreSQL sequential scans are off first: a test's
    few rows would otherwise be read whole, which says nothing about a large table's plan."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET enable_seqscan = off"))
        return "\n".join(conn.scalars(text(f"EXPLAIN {sql}")))
    return "\n".join(row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


def dispose(app: Flask, engine) -> None:
    """Close the test's own engine and the app's."""
    engine.dispose()
    with app.app_context():
        from onboarding.extensions import db
        db.engine.dispose()
