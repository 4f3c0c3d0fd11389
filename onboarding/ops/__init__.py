"""Running in production: health and metrics endpoints, request logs, the gunicorn server, backups."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Health and metrics pages, one log line per request, and ProxyFix when it is asked for."""
    from onboarding.ops import health, logging, metrics, proxy

    logging.init_app(app)
    metrics.init_app(app)
    health.init_app(app)
    proxy.init_app(app)
