"""Migration 0005 re-derives parents left wrong by simultaneous sub-item changes before the plan lock."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from tests.core.migrating import app_at, insert_ada, insert_template_version


def _plan_with_wrong_parents(conn) -> None:
    stamp = "2026-01-05 09:00:00"
    insert_ada(conn, stamp)
    insert_template_version(conn, stamp)
    conn.execute(text("INSERT INTO plans (id, hire_id, template_version_id, start_on, is_active, created_at)"
                      " VALUES (1, 1, 1, '2026-01-05', true, :at)"), {"at": stamp})
    rows = [  # id, parent, state: 10 open over done children, 20 done over signed-off ones, 30 right
        (10, None, "open"), (11, 10, "done"), (12, 10, "done"),
        (20, None, "done"), (21, 20, "signed_off"), (22, 20, "waived"),
        (30, None, "open"), (31, 30, "open"), (32, 30, "done"),
    ]
    for n, (item_id, parent_id, state) in enumerate(rows):
        conn.execute(text("INSERT INTO plan_items (id, plan_id, parent_id, position, phase_key, text, state, note,"
                          " evidence_url, review_comment, waived_reason, is_custom, version)"
                          " VALUES (:id, 1, :parent, :pos, 'day-30', :text, :state, '', '', '', '', false, 1)"),
                     {"id": item_id, "parent": parent_id, "pos": n, "text": f"item {item_id}", "state": state})


def _check(url: str) -> None:
    app = app_at(url, "0004", _plan_with_wrong_parents)
    engine = create_engine(url)
    with app.app_context():
        upgrade()
    with engine.connect() as conn:
        states = dict(conn.execute(text("SELECT id, state FROM plan_items WHERE parent_id IS NULL")).all())
        repaired = conn.execute(text("SELECT item_id, kind, actor_id FROM events WHERE item_id IS NOT NULL"
                                     " ORDER BY item_id")).all()
        revisions = list(conn.scalars(text("SELECT revision FROM plans")))
    engine.dispose()
    assert states == {10: "done", 20: "signed_off", 30: "open"}
    assert [tuple(r) for r in repaired] == [(10, "item.derived", None), (20, "item.derived", None)]
    assert revisions == [0]
    with app.app_context():
        downgrade(revision="0004")
        from onboarding.extensions import db
        db.engine.dispose()


def test_0005_repairs_parents_on_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path}/repair.db")


def test_0005_repairs_parents_on_postgresql(postgres):
    _check(postgres.create_database("migration_repair"))
