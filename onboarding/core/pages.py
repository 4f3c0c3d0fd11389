"""What every page shares: the home redirect, the top navigation and the error pages."""
from __future__ import annotations

import logging

from flask import Flask, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import DBAPIError

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


def _error_page(error):
    if request.path.startswith("/api/"):  # an API client reads problem+json, not a page
        from onboarding.api.errors import problem_for_exception

        return problem_for_exception(error)
    code = getattr(error, "code", 500) or 500
    return render_template("errors/error.html", error=error, code=code), code


def _database_unavailable(error):
    """The database is down, restarting, read-only or locked: 503 with Retry-After and our own page.

    The request's session is the thing that failed (a PendingRollbackError waits in it), so it is
    thrown away before the page is drawn, and the page is drawn for an anonymous visitor: loading
    the signed-in person for the navigation would ask the failed database again. The next request
    gets a fresh session, and the pool's pre-ping replaces dead connections.
    """
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 -- the connection may be gone; remove() below discards it either way
        pass
    db.session.remove()
    g._login_user = login_manager.anonymous_user()
    if is_read_only_error(error):
        logger.error("database is read-only, a change was refused: %s", describe(error))
    else:
        logger.error("database unavailable: %s", describe(error))
    response = make_response(render_template("errors/error.html", error=None, code=503), 503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response

