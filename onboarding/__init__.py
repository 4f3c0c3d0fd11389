"""Onboarding: a 30/60/90-day plan tracker. `create_app()` is the only place an app is built."""
from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from onboarding.config import check_production, load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: every concept's models, imported by create_app so the metadata (and Alembic) knows every table
MODEL_MODULES = (
    "onboarding.people.models", "onboarding.roles.models", "onboarding.plans.models", "onboarding.audit.models",
    "onboarding.org.models", "onboarding.outbox.models", "onboarding.reminders.models",
    "onboarding.webhooks.models", "onboarding.api.models", "onboarding.insights.models",
)


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
    check_production(app.config, app.config["SECRET_KEY_FROM_ENV"] or bool(config and config.get("SECRET_KEY")))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    for module in MODEL_MODULES:
        importlib.import_module(module)
    from onboarding.core.phases import PhaseConverter
    from onboarding.extensions import csrf, db, login_manager, migrate

    app.url_map.converters["phase"] = PhaseConverter
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    from onboarding import ops
    from onboarding.core import pages, security

    ops.init_app(app)
    security.init_app(app)
    pages.init_app(app)
    _register_blueprints(app)
    _register_filters(app)

    from onboarding import api

    api.init_app(app)

    from onboarding.cli import register_commands

    register_commands(app)

    return app


def _register_blueprints(app: Flask) -> None:
    """Each concept's pages. Admin pages of every concept register on the one `admin` blueprint, so
    their modules are imported before it is registered."""
    from onboarding.admin import views as _dashboard  # noqa: F401
    from onboarding.admin.blueprint import bp as admin_bp
    from onboarding.api import pages as tokens
    from onboarding.insights import views as insights
    from onboarding.org import views as _holidays  # noqa: F401
    from onboarding.outbox import views as outbox
    from onboarding.people import auth, oidc
    from onboarding.people import views as _people  # noqa: F401
    from onboarding.plans.views import admin as _plans_admin  # noqa: F401
    from onboarding.plans.views import hire, manager, shared
    from onboarding.plans.views import hires_import as _hires_import  # noqa: F401
    from onboarding.reminders import views as reminders
    from onboarding.roles import views as _roles  # noqa: F401
    from onboarding.webhooks import views as _webhooks  # noqa: F401

    oidc.init_app(app)
    for bp in (auth.bp, oidc.bp, admin_bp, hire.bp, manager.bp, shared.bp, reminders.bp, outbox.bp, insights.bp,
               tokens.bp):
        app.register_blueprint(bp)


def _register_filters(app: Flask) -> None:
    """Every Jinja filter, in one place."""
    from onboarding.audit.wording import event_changes, event_words
    from onboarding.core.formatting import due_label, nice_date, nice_datetime
    from onboarding.core.phases import phase_name

    app.add_template_filter(nice_date, "nice_date")
    app.add_template_filter(nice_datetime, "nice_datetime")
    app.add_template_filter(due_label, "due_label")
    app.add_template_filter(phase_name, "phase_name")
    app.add_template_filter(event_words, "event_words")
    app.add_template_filter(lambda event: event_changes(event.old_value, event.new_value), "event_changes")


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
