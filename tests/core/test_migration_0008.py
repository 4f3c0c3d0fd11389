"""Migration 0008 drops the indexes no query needs and keeps every message and claim."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from tests.core.migrating import app_at, dispose, insert_ada, query_plan

DUE = ("SELECT id FROM outbox_messages WHERE status = 'queued' AND channel = 'email'"
       " AND next_attempt_at <= '2026-01-06 09:00:00' ORDER BY next_attempt_at, id LIMIT 10")


def _messages_and_claims(conn) -> None:
    stamp = "2026-01-05 09:00:00"
    insert_ada(conn, stamp)
    for message_id, channel, status in ((1, "email", "queued"), (2, "slack", "sent"), (3, "email", "failed")):
        conn.execute(text("INSERT INTO outbox_messages (id, user_id, channel, to_addr, subject, text_body, html_body,"
                          " headers, status, attempts, next_attempt_at, last_error, created_at)"
                          " VALUES (:id, 1, :channel, 'ada@example.com', 'Digest', 'text', '<p>html</p>', '{}',"
                          " :status, 0, :at, '', :at)"),
                     {"id": message_id, "channel": channel, "status": status, "at": stamp})
    conn.execute(text("INSERT INTO digests (id, user_id, kind, period, message_id, created_at)"
                      " VALUES (1, 1, 'person', '2026-W02', 1, :at)"), {"at": stamp})


def _indexes(conn, table: str) -> set[str]:
    """The plain indexes (PostgreSQL also lists the unique constraints' own indexes)."""
    return {index["name"] for index in inspect(conn).get_indexes(table) if index["name"].startswith("ix_")}


def _check(url: str) -> None:
    app = app_at(url, "0007", _messages_and_claims)
    engine = create_engine(url)
    with app.app_context():
        upgrade(revision="0008")
    with engine.connect() as conn:
        messages = conn.execute(text("SELECT id, channel, status FROM outbox_messages ORDER BY id")).all()
        claims = conn.execute(text("SELECT user_id, kind, period, message_id FROM digests")).all()
        outbox_indexes, digest_indexes = _indexes(conn, "outbox_messages"), _indexes(conn, "digests")
        plan = query_plan(conn, DUE)
        due = list(conn.scalars(text(DUE)))
    assert [tuple(m) for m in messages] == [(1, "email", "queued"), (2, "slack", "sent"), (3, "email", "failed")]
    assert [tuple(c) for c in claims] == [(1, "person", "2026-W02", 1)]
    assert outbox_indexes == {"ix_outbox_messages_user_id", "ix_outbox_messages_due"}
    assert "ix_digests_user_id" not in digest_indexes
    assert "ix_outbox_messages_due" in plan
    assert due == [1]
    with app.app_context():
        downgrade(revision="0007")
    with engine.connect() as conn:
        assert {"ix_outbox_messages_status", "ix_outbox_messages_channel", "ix_outbox_messages_next_attempt_at",
                "ix_outbox_messages_endpoint_id", "ix_outbox_messages_user_id"} <= _indexes(conn, "outbox_messages")
        assert "ix_outbox_messages_due" not in _indexes(conn, "outbox_messages")
        assert "ix_digests_user_id" in _indexes(conn, "digests")
        assert conn.scalar(text("SELECT count(*) FROM outbox_messages")) == 3
    dispose(app, engine)


def test_0008_keeps_messages_and_serves_delivery_on_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path}/indexes.db")


def test_0008_keeps_messages_and_serves_delivery_on_postgresql(postgres):
    _check(postgres.create_database("migration_indexes"))
