"""GET /healthz: does this worker answer, and does its database?

The database is asked `SELECT 1` on a connection of the app's pool (pre-ping replaces one that a
database restart closed) in a helper thread, and the answer waits at most HEALTH_TIMEOUT seconds:
a database that hangs (a stopped server, a dropped network) gives 503 in time instead of holding
the worker until the load balancer gives up. No traceback and no error text reach the client; the
reason goes to the log.
"""
from __future__ import annotations

import logging
import threading

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy.exc import InterfaceError, OperationalError, PendingRollbackError

from onboarding.core.health import OK, READ_ONLY, database_status
from onboarding.extensions import db

logger = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)

#: how a read-only reason starts
READ_ONLY_PREFIX = "read-only: "
#: seconds the database may take to answer before the check says it does not
HEALTH_TIMEOUT = 2.0


def database_answers(app: Flask, timeout: float = HEALTH_TIMEOUT) -> tuple[bool, str]:
    """(True, "") when the database answers and takes writes within `timeout` seconds, else (False, why)."""
    outcome: dict[str, object] = {}

    def ask() -> None:
        try:
            with app.app_context():
                status = database_status()  # answers at all, and would it take a write?
            if status.state == OK:
                outcome["ok"] = True
            else:
                outcome["state"], outcome["error"] = status.state, status.reason
        except Exception as exc:  # any failure to answer is "not ok"; the reason is logged
            outcome["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"

    worker = threading.Thread(target=ask, name="healthz", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        return False, f"no answer within {timeout:g} s"
    if outcome.get("ok"):
        return True, ""
    if outcome.get("state") == READ_ONLY:
        return False, f"{READ_ONLY_PREFIX}{outcome.get('error', '')}"
    return False, str(outcome.get("error", "unknown error"))


@bp.get("/healthz")
def healthz():
    """200 when this worker and its database answer, 503 (within 2 s) when the database does not."""
    ok, reason = database_answers(current_app._get_current_object())
    if ok:
        return jsonify(status="ok", database="ok"), 200
    logger.warning("healthz: database not usable: %s", reason)
    # a read-only database answers but refuses every change: say so, for the admin reading it
    state = READ_ONLY if reason.startswith(READ_ONLY_PREFIX) else "unavailable"
    response = jsonify(status="unavailable", database=state)
    response.headers["Cache-Control"] = "no-store"
    return response, 503


#: what a database that went away raises: no connection, a connection cut mid-statement, or a
#: session whose connection was invalidated earlier in the same request
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, PendingRollbackError)


def database_unavailable(error: Exception):
    """A page whose database went away mid-request (a restart, a failover, a lock held too long):
    503 with Retry-After, as the load balancer and the person should read it, not a 500 "bug"."""
    cause = getattr(error, "orig", None) or error
    logger.error("database unavailable: %s: %s", type(cause).__name__, (str(cause).splitlines() or [""])[0])
    try:
        db.session.rollback()
    except UNAVAILABLE_ERRORS:
        pass
    # A page that needs nothing from the database: the usual layout asks it who is signed in.
    return UNAVAILABLE_PAGE, 503, {"Retry-After": "5", "Content-Type": "text/html; charset=utf-8"}


UNAVAILABLE_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>503 Service unavailable</title>'
    '<link rel="stylesheet" href="/static/app.css"></head><body><main><h1>Something went wrong</h1>'
    "<p>Please try again in a moment.</p></main></body></html>"
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    for error in UNAVAILABLE_ERRORS:
        app.register_error_handler(error, database_unavailable)
