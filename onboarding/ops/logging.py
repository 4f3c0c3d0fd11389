"""Logs: one line per request and per job round, as text or (ONBOARDING_LOG_FORMAT=json) JSON.

Each request gets an id: the proxy's X-Request-ID when it sends a sane one, else a new one. It is
in the request's log line, in every line logged while the request runs, and in the X-Request-ID
response header, so a user's report can be matched to the log. At INFO nothing personal is
logged: a user by id, a path without its query string (a search may hold a name), no form data.

The request line is the access log (gunicorn's own is off, see ops/serve.py), written by the app
so it knows the endpoint, the user id and the request id.
"""
from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid
from contextlib import contextmanager

from flask import Flask, g, has_request_context, request

access_log = logging.getLogger("onboarding.access")
jobs_log = logging.getLogger("onboarding.jobs")

#: a request id a proxy may hand us: short and plain, so it cannot forge log lines
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Stamp every record with the current request's id ('-' outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                         timestamp=False)


def configure(log_format: str | None = None, level: str | None = None) -> None:
    """Root handler on stderr: text or JSON; ONBOARDING_LOG_LEVEL (default WARNING, with the request
    and job lines at INFO so a server always writes them)."""
    log_format = (log_format or os.environ.get("ONBOARDING_LOG_FORMAT") or "text").lower()
    explicit = level or os.environ.get("ONBOARDING_LOG_LEVEL")
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(json_formatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    for old in [h for h in root.handlers if getattr(h, "_onboarding", False)]:
        root.removeHandler(old)
    handler._onboarding = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(getattr(logging, (explicit or "WARNING").upper(), logging.WARNING))
    if not explicit:
        access_log.setLevel(logging.INFO)
        jobs_log.setLevel(logging.INFO)
    # gunicorn's error log would otherwise repeat every line in its own format
    logging.getLogger("gunicorn.error").propagate = False


def init_app(app: Flask) -> None:
    if not app.testing:
        configure(app.config.get("LOG_FORMAT"))

    @app.before_request
    def _start_request():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.get("request_started")
        if started is None:  # a request that failed before our first hook
            return response
        seconds = time.perf_counter() - started
        endpoint = request.endpoint or "unmatched"
        from onboarding.ops import metrics

        metrics.observe_request(endpoint, request.method, response.status_code, seconds)
        response.headers["X-Request-ID"] = g.request_id
        user_id = _signed_in_user_id()
        access_log.info(
            "%s %s %s %.1fms", request.method, request.path, response.status_code, seconds * 1000,
            extra={"request_id": g.request_id, "method": request.method, "path": request.path, "endpoint": endpoint,
                   "status": response.status_code, "duration_ms": round(seconds * 1000, 1),
                   "user_id": user_id},
        )
        return response


def _signed_in_user_id() -> int | None:
    """The id of the person this request signed in as, if the request loaded them; never a query
    and never get_id(), which carries the session token."""
    from sqlalchemy import inspect

    from onboarding.core.security import loaded_user

    user = loaded_user()
    if user is None:
        return None
    identity = inspect(user).identity
    return identity[0] if identity else None


@contextmanager
def job_round(job: str):
    """Time a scheduler round; log one line and count it, also when it fails (then re-raise)."""
    started = time.perf_counter()
    figures: dict[str, int] = {}
    try:
        yield figures
    except Exception:
        seconds = time.perf_counter() - started
        _record_round(job, seconds, ok=False, figures=figures)
        jobs_log.exception("%s round failed after %.2fs", job, seconds,
                           extra={"job": job, "outcome": "error", "duration_ms": round(seconds * 1000, 1)})
        raise
    seconds = time.perf_counter() - started
    _record_round(job, seconds, ok=True, figures=figures)
    details = " ".join(f"{k}={v}" for k, v in figures.items())
    jobs_log.info("%s round %.2fs %s", job, seconds, details,
                  extra={"job": job, "outcome": "ok", "duration_ms": round(seconds * 1000, 1), **figures})


def _record_round(job: str, seconds: float, *, ok: bool, figures: dict[str, int]) -> None:
    from onboarding.ops import metrics

    metrics.observe_round(job, seconds, ok=ok, queued=figures.get("queued", 0),
                          delivered=figures.get("delivered", 0))
