"""Migrations are code: `upgrade` on an empty database gives exactly the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from onboarding import create_app
from onboarding.core.db import Base
from tests.core.migrating import app_at, insert_ada, insert_template_version


def _upgrade_and_compare(url: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    return app, diff, tables


def test_upgrade_matches_models_on_sqlite(tmp_path):
    app, diff, tables = _upgrade_and_compare(f"sqlite:///{tmp_path}/migrated.db")
    assert diff == []
    assert set(Base.metadata.tables) <= tables
    with app.app_context():
        downgrade(revision="base")


def test_upgrade_matches_models_on_postgresql(postgres):
    url = postgres.create_database("migration_check")
    app, diff, tables = _upgrade_and_compare(url)
    assert diff == []
    assert set(Base.metadata.tables) <= tables
    with app.app_context():
        downgrade(revision="base")
        from onboarding.extensions import db
        db.engine.dispose()


def _rows_from_0001(conn) -> None:
    """A database as revision 0001 left it: one plan with an "item.done" event and an "at_risk" check-in."""
    from sqlalchemy import text

    stamp = "2026-01-05 09:00:00"
    insert_ada(conn, stamp)
    insert_template_version(conn, stamp)
    conn.execute(text("INSERT INTO plans (id, hire_id, template_version_id, start_on, is_active, created_at)"
                      " VALUES (1, 1, 1, '2026-01-05', true, :at)"), {"at": stamp})
    conn.execute(text("INSERT INTO events (id, plan_id, kind, created_at) VALUES (1, 1, 'item.done', :at),"
                      " (2, 1, 'item.signed_off', :at)"), {"at": stamp})
    conn.execute(text("INSERT INTO check_ins (id, plan_id, phase_key, status, notes, self_assessment)"
                      " VALUES (1, 1, 'day-30', 'at_risk', '', '')"))


def _stored(url: str) -> tuple[list[str], list[str]]:
    from sqlalchemy import text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            kinds = list(conn.scalars(text("SELECT kind FROM events ORDER BY id")))
            ratings = list(conn.scalars(text("SELECT status FROM check_ins ORDER BY id")))
    finally:
        engine.dispose()
    return kinds, ratings


def _upgrade_with_data(url: str) -> None:
    app = app_at(url, "0001", _rows_from_0001)
    with app.app_context():
        upgrade()
    assert _stored(url) == (["item.completed", "item.signed_off"], ["at risk"])
    with app.app_context():
        downgrade(revision="0001")
    assert _stored(url) == (["item.done", "item.signed_off"], ["at_risk"])
    with app.app_context():
        from onboarding.extensions import db
        db.engine.dispose()


def test_0002_renames_stored_events_and_ratings_on_sqlite(tmp_path):
    _upgrade_with_data(f"sqlite:///{tmp_path}/with-data.db")


def test_0002_renames_stored_events_and_ratings_on_postgresql(postgres):
    _upgrade_with_data(postgres.create_database("migration_data"))
