"""GET /metrics: Prometheus text, written with prometheus-client.

Under `onboarding serve` each gunicorn worker is its own process, so the counters live in
prometheus-client's multiprocess files (PROMETHEUS_MULTIPROC_DIR, set by `serve` before anything
imports prometheus-client, see ops/serve.py) and any worker's /metrics sums them all. The scheduler
writes its job figures to the same folder when it shares the machine, so one scrape shows both.

What the database holds (the outbox by channel and state) is read at scrape time by a collector,
not kept in process memory: every worker answers the same, and a restart loses nothing. Webhooks
and chat messages are outbox rows of their own channel, so their queue depth is the same gauge.

ONBOARDING_METRICS_TOKEN, when set, is required as `Authorization: Bearer TOKEN`.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from flask import Flask, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, literal, select

from onboarding.core.web import current_app_object
from onboarding.extensions import db

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # prometheus-client writes there from the first metric on
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

REQUESTS = Counter("onboarding_http_requests", "HTTP requests answered, by endpoint, method and status.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("onboarding_http_request_duration_seconds", "Time to answer a request, by endpoint.",
                    ["endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
JOB_ROUNDS = Counter("onboarding_job_rounds", "Scheduler job rounds run, by job and outcome (ok, error).",
                     ["job", "outcome"])
JOB_DURATION = Histogram("onboarding_job_round_duration_seconds", "Time a scheduler job round took, by job.",
                         ["job"], buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600))
DIGESTS_QUEUED = Counter("onboarding_digests_queued", "Digest messages queued by the digest rounds.")
DELIVERED = Counter("onboarding_outbox_delivered", "Messages the outbox rounds delivered.")


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint).observe(seconds)


def observe_round(job: str, seconds: float, *, ok: bool, queued: int = 0, delivered: int = 0) -> None:
    JOB_ROUNDS.labels(job, "ok" if ok else "error").inc()
    JOB_DURATION.labels(job).observe(seconds)
    if queued:
        DIGESTS_QUEUED.inc(queued)
    if delivered:
        DELIVERED.inc(delivered)


class OutboxCollector:
    """Outbox depth by channel and state, retrying messages and the oldest queued one, read at scrape."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        from onboarding.outbox.models import OUTBOX_STATES, OutboxMessage

        depth = GaugeMetricFamily("onboarding_outbox_messages", "Outbox messages by channel and state.",
                                  labels=["channel", "state"])
        retrying = GaugeMetricFamily("onboarding_outbox_retrying_messages",
                                     "Queued messages that failed at least once (delivery failures waiting "
                                     "for a retry), by channel.", labels=["channel"])
        oldest = GaugeMetricFamily("onboarding_outbox_oldest_queued_age_seconds",
                                   "Age of the oldest queued message, by channel.", labels=["channel"])
        # A `channel` column arrives with webhooks and chat messages; until then every message is mail.
        channel = getattr(OutboxMessage, "channel", None)
        channel = channel if channel is not None else literal("email")
        with self.app.app_context():
            try:
                counts = db.session.execute(
                    select(channel, OutboxMessage.status, func.count(),
                           func.sum(func.coalesce(OutboxMessage.attempts, 0).op(">")(0).cast(db.Integer)),
                           func.min(OutboxMessage.created_at))
                    .group_by(channel, OutboxMessage.status)
                ).all()
            finally:
                db.session.remove()
        now = time.time()
        seen = {(row[0], row[1]) for row in counts}
        channels = sorted({row[0] for row in counts} | {"email"})
        for name, state, count, failed_once, first_at in counts:
            depth.add_metric([name, state], count)
            if state == "queued":
                retrying.add_metric([name], int(failed_once or 0))
                if first_at is not None:
                    oldest.add_metric([name], max(now - first_at.timestamp(), 0.0))
        for name in channels:  # every state shows, at zero, so an alert on a series has a series
            for state in OUTBOX_STATES:
                if (name, state) not in seen:
                    depth.add_metric([name, state], 0)
            if (name, "queued") not in seen:
                retrying.add_metric([name], 0)
        yield depth
        yield retrying
        yield oldest


def init_app(app: Flask) -> None:
    app.add_url_rule("/metrics", "ops.metrics", metrics_page)


def metrics_page():
    """Prometheus text: requests, latency, job rounds, outbox depth (token-protected when configured)."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        from onboarding.core.security import same_secret

        given = request.headers.get("Authorization", "")
        if not (given.startswith("Bearer ") and same_secret(given[7:].strip(), token)):
            abort(401)
    registry = CollectorRegistry()
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
        body = b""
    else:
        from prometheus_client import REGISTRY

        body = generate_latest(REGISTRY)
    registry.register(OutboxCollector(current_app_object()))
    body += generate_latest(registry)
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
