"""Migration 0009 gives a person's active buddy plans their own index and keeps every plan."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from tests.core.migrating import USER_ROW, app_at, dispose, insert_ada, insert_template_version, query_plan

BUDDY_PLANS = ("SELECT plans.id FROM plans JOIN users ON users.id = plans.hire_id"
               " WHERE plans.buddy_id = 2 AND plans.is_active = true ORDER BY lower(users.name), plans.id")


def _plans_with_a_buddy(conn) -> None:
    stamp = "2026-01-05 09:00:00"
    insert_ada(conn, stamp)
    conn.execute(text(USER_ROW.replace("(1, 'ada@example.com', 'Ada'", "(2, 'bo@example.com', 'Bo'")
                      .replace("'t', 0, 'c'", "'t2', 0, 'c2'")),
                 {"at": stamp})
    insert_template_version(conn, stamp)
    for plan_id, buddy_id, active in ((1, 2, False), (2, 2, True), (3, None, True)):
        conn.execute(text("INSERT INTO plans (id, hire_id, template_version_id, buddy_id, start_on, is_active,"
                          " created_at, revision) VALUES (:id, 1, 1, :buddy, '2026-01-05', :active, :at, 0)"),
                     {"id": plan_id, "buddy": buddy_id, "active": active, "at": stamp})


def _plan_indexes(conn) -> set[str]:
    return {index["name"] for index in inspect(conn).get_indexes("plans")}


def _check(url: str) -> None:
    app = app_at(url, "0008", _plans_with_a_buddy)
    engine = create_engine(url)
    with app.app_context():
        upgrade(revision="0009")
    with engine.connect() as conn:
        plans = conn.execute(text("SELECT id, buddy_id, is_active FROM plans ORDER BY id")).all()
        indexes = _plan_indexes(conn)
        plan = query_plan(conn, BUDDY_PLANS)
        buddied = list(conn.scalars(text(BUDDY_PLANS)))
    assert [tuple(p) for p in plans] == [(1, 2, False), (2, 2, True), (3, None, True)]
    assert "ix_plans_buddy_id_is_active" in indexes and "ix_plans_buddy_id" not in indexes
    assert "ix_plans_buddy_id_is_active" in plan
    assert buddied == [2]
    with app.app_context():
        downgrade(revision="0008")
    with engine.connect() as conn:
        indexes = _plan_indexes(conn)
        assert "ix_plans_buddy_id" in indexes and "ix_plans_buddy_id_is_active" not in indexes
        assert conn.scalar(text("SELECT count(*) FROM plans")) == 3
    dispose(app, engine)


def test_0009_keeps_plans_and_serves_buddy_plans_on_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path}/buddy.db")


def test_0009_keeps_plans_and_serves_buddy_plans_on_postgresql(postgres):
    _check(postgres.create_database("migration_buddy"))
