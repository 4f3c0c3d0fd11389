"""GET /metrics: Prometheus text that a Prometheus parser reads, with requests, latency, job rounds and the outbox."""
from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from tests.conftest import NOW


def samples(response) -> dict[tuple[str, tuple], float]:
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found, name, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_endpoint_method_and_status(client):
    before = samples(client.get("/metrics"))
    for _ in range(3):
        client.get("/login")
    client.get("/no-such-page")
    after = samples(client.get("/metrics"))
    counted = "onboarding_http_requests_total"
    assert value(after, counted, endpoint="auth.login", method="GET", status="200") \
        - value(before, counted, endpoint="auth.login", method="GET", status="200") == 3
    assert value(after, counted, endpoint="unmatched", method="GET", status="404") \
        - value(before, counted, endpoint="unmatched", method="GET", status="404") == 1
    latency = "onboarding_http_request_duration_seconds_count"
    assert value(after, latency, endpoint="auth.login") - value(before, latency, endpoint="auth.login") == 3


def test_outbox_depth_by_channel_and_state_is_read_from_the_database(app, client):
    def message(status: str, attempts: int = 0) -> OutboxMessage:
        return OutboxMessage(to_addr="a@example.com", subject="s", text_body="t", html_body="h", headers={},
                             status=status, attempts=attempts, next_attempt_at=NOW, created_at=NOW - timedelta(hours=1))

    db.session.add_all([message("queued"), message("queued", attempts=2), message("sent"), message("failed"),
                        message("failed")])
    db.session.commit()
    found = samples(client.get("/metrics"))
    assert value(found, "onboarding_outbox_messages", channel="email", state="queued") == 2
    assert value(found, "onboarding_outbox_messages", channel="email", state="sent") == 1
    assert value(found, "onboarding_outbox_messages", channel="email", state="failed") == 2
    assert value(found, "onboarding_outbox_retrying_messages", channel="email") == 1
    assert value(found, "onboarding_outbox_oldest_queued_age_seconds", channel="email") > 3000


def test_an_empty_outbox_still_shows_every_state_at_zero(client):
    found = samples(client.get("/metrics"))
    for state in ("queued", "sent", "failed"):
        assert ("onboarding_outbox_messages", (("channel", "email"), ("state", state))) in found


def test_job_rounds_are_counted_with_their_outcome_and_duration(app, client):
    from onboarding.reminders.scheduler import digest_round, outbox_round

    before = samples(client.get("/metrics"))
    digest_round(app)
    outbox_round(app)
    after = samples(client.get("/metrics"))
    for job in ("digests", "outbox"):
        assert value(after, "onboarding_job_rounds_total", job=job, outcome="ok") \
            - value(before, "onboarding_job_rounds_total", job=job, outcome="ok") == 1
        assert value(after, "onboarding_job_round_duration_seconds_count", job=job) \
            - value(before, "onboarding_job_round_duration_seconds_count", job=job) == 1


def test_the_metrics_token_is_required_when_configured(app, client):
    app.config["METRICS_TOKEN"] = "s3cret-metrics-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert response.status_code == 200 and b"onboarding_http_requests_total" in response.data
