"""Migration 0010 gives plans' sub-items an index of their own, compresses mail with lz4 where PostgreSQL
can, and keeps every item and message."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from tests.core.migrating import app_at, dispose, insert_ada, insert_template_version, query_plan

#: what a digest batch asks: the parents among its plans' items
BATCH_PARENTS = "SELECT parent_id FROM plan_items WHERE plan_id IN (1, 2) AND parent_id IS NOT NULL"


def _a_plan_with_sub_items(conn) -> None:
    stamp = "2026-01-05 09:00:00"
    insert_ada(conn, stamp)
    insert_template_version(conn, stamp)
    conn.execute(text("INSERT INTO plans (id, hire_id, template_version_id, start_on, is_active, created_at, revision)"
                      " VALUES (1, 1, 1, '2026-01-05', true, :at, 0)"), {"at": stamp})
    # a group (1) with two sub-items (2, 3), and an item on its own (4)
    for item_id, parent_id, position in ((1, None, 0), (2, 1, 1), (3, 1, 2), (4, None, 3)):
        conn.execute(text("INSERT INTO plan_items (id, plan_id, parent_id, position, phase_key, text, due_on, state,"
                          " note, evidence_url, review_comment, waived_reason, is_custom, version)"
                          " VALUES (:id, 1, :parent, :position, 'day_30', :text, '2026-02-04', 'open', '', '', '', '',"
                          " false, 1)"),
                     {"id": item_id, "parent": parent_id, "position": position, "text": f"Item {item_id}"})


def _body_compression(conn) -> dict[str, str]:
    """PostgreSQL: each mail body column's compression method ('l' lz4, 'p' pglz, '' the default)."""
    rows = conn.execute(text("SELECT attname, attcompression FROM pg_attribute"
                             " WHERE attrelid = 'outbox_messages'::regclass AND attname IN ('text_body', 'html_body')"))
    return {name: method for name, method in rows}


def _lz4_available(conn) -> bool:
    methods = conn.scalar(text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"))
    return "lz4" in methods


def _item_indexes(conn) -> set[str]:
    return {index["name"] for index in inspect(conn).get_indexes("plan_items")}


def _check(url: str) -> None:
    app = app_at(url, "0009", _a_plan_with_sub_items)
    engine = create_engine(url)
    with app.app_context():
        upgrade(revision="0010")
    with engine.connect() as conn:
        items = conn.execute(text("SELECT id, parent_id, text FROM plan_items ORDER BY id")).all()
        indexes = _item_indexes(conn)
        plan = query_plan(conn, BATCH_PARENTS)
        parents = list(conn.scalars(text(BATCH_PARENTS)))
        if conn.dialect.name == "postgresql":
            compression, lz4 = _body_compression(conn), _lz4_available(conn)
            # a mail written after the upgrade reads back whole
            conn.execute(text("INSERT INTO outbox_messages (channel, to_addr, subject, text_body, html_body, headers,"
                              " status, attempts, next_attempt_at, last_error, created_at)"
                              " VALUES ('email', 'ada@example.com', 's', :body, :html, '{}', 'queued', 0, :at, '', :at)"),
                         {"body": "line\n" * 2000, "html": "<p>x</p>" * 2000, "at": "2026-01-05 09:00:00+00"})
            stored = conn.execute(text("SELECT text_body, html_body FROM outbox_messages")).one()
            conn.commit()
            assert tuple(stored) == ("line\n" * 2000, "<p>x</p>" * 2000)
            assert compression == ({"text_body": "l", "html_body": "l"} if lz4 else {"text_body": "", "html_body": ""})
    assert [tuple(i) for i in items] == [(1, None, "Item 1"), (2, 1, "Item 2"), (3, 1, "Item 3"), (4, None, "Item 4")]
    assert "ix_plan_items_sub_items" in indexes and "ix_plan_items_parent_id" in indexes
    assert "ix_plan_items_sub_items" in plan
    assert sorted(parents) == [1, 1]
    with app.app_context():
        downgrade(revision="0009")
    with engine.connect() as conn:
        assert "ix_plan_items_sub_items" not in _item_indexes(conn)
        if conn.dialect.name == "postgresql":
            assert _body_compression(conn) == {"text_body": "", "html_body": ""}
            assert conn.scalar(text("SELECT length(html_body) FROM outbox_messages")) == len("<p>x</p>") * 2000
        assert conn.scalar(text("SELECT count(*) FROM plan_items")) == 4
    dispose(app, engine)


def test_0010_keeps_items_and_serves_a_batch_parents_on_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path}/sub_items.db")


def test_0010_keeps_items_and_serves_a_batch_parents_on_postgresql(postgres):
    _check(postgres.create_database("migration_sub_items"))
