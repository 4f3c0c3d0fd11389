"""Migrations are code: `upgrade` on an empty database gives exactly the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from onboarding import create_app
from onboarding.core.db import Base


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
