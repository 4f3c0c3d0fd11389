"""One log line per request with a request id, as text or JSON, and nothing personal beyond ids."""
from __future__ import annotations

import json
import logging

from onboarding.ops.logging import RequestIdFilter, json_formatter
from tests.conftest import login


def access_records(caplog):
    return [r for r in caplog.records if r.name == "onboarding.access"]


def test_each_request_is_one_line_with_its_id_status_and_endpoint(client, caplog):
    caplog.set_level(logging.INFO, logger="onboarding.access")
    response = client.get("/login?email=ada@example.com")
    records = access_records(caplog)
    assert len(records) == 1
    record = records[0]
    assert record.status == 200 and record.endpoint == "auth.login" and record.method == "GET"
    assert record.request_id == response.headers["X-Request-ID"] and len(record.request_id) == 32
    assert record.path == "/login" and "ada@example.com" not in record.getMessage()


def test_a_signed_in_person_is_logged_by_id_only(client, make_user, caplog):
    user = make_user(email="grace@example.com", name="Grace Hopper", role="admin")
    login(client, "grace@example.com")
    caplog.set_level(logging.INFO, logger="onboarding.access")
    caplog.clear()  # the sign-in's own line is captured when an earlier test left the root logger at INFO
    client.get("/admin/")
    (record,) = access_records(caplog)
    assert record.user_id == user.id
    assert user.session_token not in record.getMessage() and user.session_token not in str(record.__dict__)
    assert "grace" not in record.getMessage().lower() and "hopper" not in record.getMessage().lower()


def test_a_proxy_request_id_is_kept_and_a_forged_one_replaced(client, caplog):
    caplog.set_level(logging.INFO, logger="onboarding.access")
    assert client.get("/healthz", headers={"X-Request-ID": "edge-1234abcd"}).headers["X-Request-ID"] == "edge-1234abcd"
    forged = client.get("/healthz", headers={"X-Request-ID": "x 2026 INFO fake=line"}).headers["X-Request-ID"]
    assert " " not in forged and len(forged) == 32


def test_the_json_format_is_one_object_per_line(client, caplog):
    caplog.set_level(logging.INFO, logger="onboarding.access")
    response = client.get("/healthz")
    (record,) = access_records(caplog)
    RequestIdFilter().filter(record)
    line = json_formatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "INFO" and data["logger"] == "onboarding.access"
    assert data["request_id"] == response.headers["X-Request-ID"]
    assert data["status"] == 200 and data["endpoint"] == "ops.healthz" and data["duration_ms"] >= 0


def test_a_job_round_is_one_line(app, caplog):
    from onboarding.reminders.scheduler import digest_round

    caplog.set_level(logging.INFO, logger="onboarding.jobs")
    digest_round(app)
    (record,) = [r for r in caplog.records if r.name == "onboarding.jobs"]
    assert record.job == "digests" and record.outcome == "ok"
    assert record.queued == 0 and record.delivered == 0
