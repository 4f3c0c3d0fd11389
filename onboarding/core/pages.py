"""What every page shares: the home redirect, the top navigation and the error pages."""
from __future__ import annotations

import logging

from flask import Flask, g, has_request_context, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from onboarding.core.health import UNAVAILABLE_ERRORS, describe, is_read_only_error
from onboarding.extensions import db, login_manager

logger = logging.getLogger(__name__)

#: seconds a client is asked to wait when the database is unavailable
RETRY_AFTER_SECONDS = 30

#: (endpoint, label, roles that see it) for the top navigation, in order
NAV_LINKS = [
    ("hire.my_plan", "My plan", ("hire", "manager", "admin")),
    ("manager.dashboard", "My team", ("manager", "admin")),
    ("insights.index", "Insights", ("manager", "admin")),
    ("admin.dashboard", "Dashboard", ("admin",)),
    ("admin.plans", "All plans", ("admin",)),
    ("admin.roles", "Role library", ("admin",)),
    ("admin.people", "People", ("admin",)),
    ("outbox.index", "Outbox", ("admin",)),
    ("admin.webhooks", "Webhooks", ("admin",)),
    ("admin.tokens", "API tokens", ("admin",)),
    ("mail.preferences", "Preferences", ("hire", "manager", "admin")),
]


def init_app(app: Flask) -> None:
    @app.get("/")
    def index():
        """Send each person to the page they come for."""
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        if current_user.is_admin:
            return redirect(url_for("admin.dashboard"))
        if current_user.role == "manager":
            return redirect(url_for("manager.dashboard"))
        return redirect(url_for("hire.my_plan"))

    @app.context_processor
    def _navigation():
        return {"nav_links": lambda: [link for link in NAV_LINKS if link[0] in app.view_functions]}

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)
    for error_class in UNAVAILABLE_ERRORS:
        app.register_error_handler(error_class, _database_unavailable)

    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (Flask runs them in reverse).
    app.teardown_appcontext(_discard_session)


def _discard_session(_error: BaseException | None) -> None:
    """End the request's session even when its connection died after the answer was built.

    A PostgreSQL restart between a page's last query and the end of its request makes the closing
    ROLLBACK fail. The answer is already made and nothing was written (a write commits before the
    answer), so the error is logged and the session dropped: without this it would escape the app
    and the person would get the server's bare 500 for a page that was built. SQLAlchemy has
    already invalidated the dead connection, so the pool never hands it out again.
    """
    try:
        db.session.remove()
    except DBAPIError as error:
        logger.warning("database connection lost while ending a request: %s", describe(error))
        db.session.registry.clear()


def _forget_failed_session() -> None:
    """Throw away a request's session that a database error left unusable, before an error page.

    The page is then drawn for an anonymous visitor: the signed-in person's row was expired by the
    failed transaction, so showing their name in the navigation would ask the failed database
    again, and that error, raised inside an error handler, would reach the person as the server's
    bare 500. The next request gets a fresh session; the pool's pre-ping replaces dead connections.
    """
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 -- the connection may be gone; the session is discarded either way
        pass
    _discard_session(None)
    g._login_user = login_manager.anonymous_user()


def _is_api_request() -> bool:
    """An API client reads problem+json, not a page."""
    return request.path.startswith("/api/")


def _error_page(error):
    original = getattr(error, "original_exception", None)
    if isinstance(original, UNAVAILABLE_ERRORS):  # raised where our handlers do not reach (a response hook)
        return _database_unavailable(original)
    if _is_api_request():
        from onboarding.api.errors import problem_for_exception

        return problem_for_exception(error)
    code = getattr(error, "code", 500) or 500
    if code == 500 and isinstance(original, SQLAlchemyError):
        _forget_failed_session()
    return render_template("errors/error.html", error=error, code=code), code


def _database_unavailable(error):
    """The database is down, restarting, read-only or locked: 503 with Retry-After and our own page.

    The request's session is the thing that failed (a PendingRollbackError waits in it), so it is
    thrown away before the page is drawn. When the request had already saved its change (the
    database went away between the commit and the answer), the page says so instead of claiming
    that nothing was changed.
    """
    saved = _saved_this_request()
    _forget_failed_session()
    if is_read_only_error(error):
        logger.error("database is read-only, a change was refused: %s", describe(error))
    else:
        logger.error("database unavailable%s: %s", " after the change was saved" if saved else "", describe(error))
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _is_api_request():
        from onboarding.api.errors import SAVED_THEN_UNAVAILABLE, problem_response

        return problem_response(503, SAVED_THEN_UNAVAILABLE if saved else None, headers=headers)
    page = render_template("errors/error.html", error=None, code=503, saved=saved)
    return make_response(page, 503, headers)


def _saved_this_request() -> bool:
    return bool(g.get(_SAVED))


#: set on `g` when the request's session commits a change, so that a later failure can say it was kept
_SAVED = "_onboarding_saved"
#: set in a session's info while its transaction holds a change not yet committed
_CHANGED = "_onboarding_changed"


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _flush_context) -> None:
    session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _note_saved(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: nothing is saved until the outer commit
        return
    if session.info.pop(_CHANGED, False) and has_request_context():
        setattr(g, _SAVED, True)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint rolled back leaves the outer change standing
        session.info.pop(_CHANGED, None)
