"""Onboarding: a 30/60/90-day plan tracker. `create_app()` is the only place an app is built."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from onboarding.config import load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the web application; `config` overrides the environment (tests pass their database)."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from onboarding.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    from onboarding import security
    from onboarding.views import register_views

    security.init_app(app)
    register_views(app)

    from onboarding.cli import register_commands

    register_commands(app)

    if not app.testing:
        # Quiet by default so command output stays readable; ONBOARDING_LOG_LEVEL=INFO shows state changes.
        level = os.environ.get("ONBOARDING_LOG_LEVEL", "WARNING").upper()
        logging.basicConfig(level=getattr(logging, level, logging.WARNING),
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, use WAL so readers don't block the writer, wait on locks."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
