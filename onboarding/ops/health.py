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

from flask import Blueprint, Flask, jsonify

from onboarding.core.health import OK, READ_ONLY, database_status
from onboarding.core.web import current_app_object

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
                outcome["state"], outcome["error"] = status.state, status.detail
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
    ok, reason = database_answers(current_app_object())
    if ok:
        return jsonify(status="ok", database="ok"), 200
    logger.warning("healthz: database not usable: %s", reason)
    # a read-only database answers but refuses every change: say so, for the admin reading it
    state = READ_ONLY if reason.startswith(READ_ONLY_PREFIX) else "unavailable"
    response = jsonify(status="unavailable", database=state)
    response.headers["Cache-Control"] = "no-store"
    return response, 503


def init_app(app: Flask) -> None:
    """The health route. A page whose database went away answers 503 through core/pages.py, the
    one handler for that (it draws our layout for an anonymous visitor, asking nothing of the database)."""
    app.register_blueprint(bp)
