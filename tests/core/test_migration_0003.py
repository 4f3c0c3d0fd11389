"""Migration 0003 (API and integrations) on a database with data: people, mail and digest claims survive,
existing mail becomes the email channel and everyone's digests keep going by email; and back."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from tests.core.migrating import app_at, insert_ada

STAMP = "2026-01-05 09:00:00"


def _rows_from_0002(conn) -> None:
    insert_ada(conn, STAMP)
    conn.execute(text("INSERT INTO outbox_messages (id, user_id, to_addr, subject, text_body, html_body, headers,"
                      " status, attempts, next_attempt_at, last_error, created_at)"
                      " VALUES (1, 1, 'ada@example.com', 'Hi', 't', 'h', '{}', 'queued', 0, :at, '', :at)"),
                 {"at": STAMP})
    conn.execute(text("INSERT INTO digests (id, user_id, kind, period, message_id, created_at)"
                      " VALUES (1, 1, 'person', '2026-W02', 1, :at)"), {"at": STAMP})
    conn.execute(text("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at)"
                      " VALUES (1, 1, 'old', 'abc', :at)"), {"at": STAMP})


def _read(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _migrate_with_data(url: str) -> None:
    app = app_at(url, "0002", _rows_from_0002)
    with app.app_context():
        upgrade()
    assert _read(url, "SELECT email, digest_channels, teams_webhook_url FROM users") == [("ada@example.com", "email", "")]
    assert _read(url, "SELECT id, channel, to_addr, status FROM outbox_messages") == [(1, "email", "ada@example.com",
                                                                                       "queued")]
    assert _read(url, "SELECT message_id FROM digests") == [(1,)]
    assert _read(url, "SELECT name, prefix, expires_at FROM api_tokens") == [("old", "", None)]
    with app.app_context():
        downgrade(revision="0002")
    assert _read(url, "SELECT message_id FROM digests") == [(1,)]
    assert _read(url, "SELECT id, to_addr FROM outbox_messages") == [(1, "ada@example.com")]
    with app.app_context():
        from onboarding.extensions import db
        db.engine.dispose()


def test_0003_keeps_mail_claims_and_people_on_sqlite(tmp_path):
    _migrate_with_data(f"sqlite:///{tmp_path}/with-data.db")


def test_0003_keeps_mail_claims_and_people_on_postgresql(postgres):
    _migrate_with_data(postgres.create_database("migration_0003"))
