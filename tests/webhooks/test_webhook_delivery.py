"""Webhooks against a real local HTTP receiver: signed so `standardwebhooks` verifies them, queued with the
change, delivered once per event and endpoint, retried while the receiver is down or answers 5xx, and
given up on a 4xx, which the Webhooks page shows with a Retry button."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from onboarding.extensions import db
from onboarding.outbox.delivery import deliver_outbox
from onboarding.outbox.models import OutboxMessage
from onboarding.plans.states import complete_item, sign_off_item, waive_item
from tests.conftest import NOW, login
from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def add_endpoint(runner, url: str, events: str) -> str:
    result = runner.invoke(args=["webhooks", "add", url, "--events", events])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    return secret


def leaves(plan):
    return [i for i in plan.items if not i.children]


def verified(secret: str, request) -> dict:
    return Webhook(secret).verify(request.body.decode(), request.headers)


def test_an_event_is_signed_and_arrives_once_after_the_receiver_comes_back(app, runner, receiver, make_plan):
    secret = add_endpoint(runner, receiver.url + "/hooks", "item.completed,item.signed_off")
    plan = make_plan()
    item = leaves(plan)[0]
    receiver.stop()  # down
    complete_item(item, plan.hire, note="done", now=NOW)
    db.session.commit()
    queued = db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook")).all()
    assert [(m.subject, m.status) for m in queued] == [("item.completed", "queued")]

    assert deliver_outbox(NOW) == 0
    db.session.expire_all()
    waiting = db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook")).one()
    assert waiting.status == "queued" and waiting.attempts == 1 and "no answer" in waiting.last_error
    assert deliver_outbox(NOW + timedelta(seconds=10)) == 0  # not before the backoff

    receiver.start()  # up again, same port
    assert deliver_outbox(NOW + timedelta(minutes=2)) == 1
    assert deliver_outbox(NOW + timedelta(hours=2)) == 0
    [request] = receiver.requests
    body = verified(secret, request)
    assert body["type"] == "item.completed" and body["data"]["item_id"] == item.id
    assert body["data"]["actor"] == plan.hire.email and body["data"]["new"]["note"] == "done"
    assert set(body) == {"type", "timestamp", "data"}
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(request.body.decode(), request.headers)


def test_a_5xx_is_retried_and_only_subscribed_events_go_out(app, runner, receiver, make_plan):
    secret = add_endpoint(runner, receiver.url, "item.signed_off,plan.completed")
    other = Receiver().start()
    try:
        add_endpoint(runner, other.url, "item.completed")
        plan = make_plan()
        item = leaves(plan)[0]
        complete_item(item, plan.hire, now=NOW)
        sign_off_item(item, plan.manager, NOW)
        db.session.commit()
        receiver.answers = [503]
        assert deliver_outbox(NOW) == 1  # the other endpoint's item.completed
        assert [r.json()["type"] for r in other.delivered()] == ["item.completed"]
        assert receiver.requests[0].status == 503
        assert deliver_outbox(NOW + timedelta(minutes=2)) == 1
        first, second = receiver.requests
        assert first.headers["webhook-id"] == second.headers["webhook-id"]  # the same message, retried
        assert verified(secret, second)["type"] == "item.signed_off"
        assert len(other.requests) == 1
    finally:
        other.stop()


def test_plan_completed_is_sent_once_when_the_last_item_is_closed(app, runner, receiver, make_plan):
    secret = add_endpoint(runner, receiver.url, "plan.completed")
    plan = make_plan()
    items = leaves(plan)
    for item in items[:-1]:
        waive_item(item, plan.manager, "not needed here", NOW)
    db.session.commit()
    assert deliver_outbox(NOW) == 0
    complete_item(items[-1], plan.hire, now=NOW)
    sign_off_item(items[-1], plan.manager, NOW)
    db.session.commit()
    assert deliver_outbox(NOW) == 1
    body = verified(secret, receiver.requests[0])
    assert body["type"] == "plan.completed" and body["data"]["plan_id"] == plan.id


def test_a_4xx_gives_up_shows_on_the_page_and_can_be_retried(app, client, runner, receiver, make_plan, make_user):
    add_endpoint(runner, receiver.url, "item.completed")
    plan = make_plan()
    complete_item(leaves(plan)[0], plan.hire, now=NOW)
    db.session.commit()
    receiver.answers = [410]
    assert deliver_outbox(NOW) == 0
    assert deliver_outbox(NOW + timedelta(days=1)) == 0  # failed: not tried again by itself
    assert len(receiver.requests) == 1
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook")).one()
    assert message.status == "failed" and message.last_error.startswith("HTTP 410")

    app.config["FIXED_NOW"] = NOW + timedelta(hours=1)
    admin = make_user(role="admin")
    login(client, admin.email)
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert "HTTP 410" in page and "failed" in page and receiver.url in page
    assert client.post(f"/admin/webhooks/deliveries/{message.id}/retry").status_code == 302
    assert deliver_outbox(NOW + timedelta(days=1)) == 1
    assert [r.status for r in receiver.requests] == [410, 200]


def test_the_page_adds_an_endpoint_and_refuses_bad_input(app, client, make_user):
    admin = make_user(role="admin")
    login(client, admin.email)
    added = client.post("/admin/webhooks", data={"url": "http://127.0.0.1:9/hook", "events": ["item.completed"]})
    assert added.status_code == 200 and "whsec_" in added.get_data(as_text=True)
    bad = client.post("/admin/webhooks", data={"url": "ftp://example.com", "events": ["item.completed"]})
    assert bad.status_code == 400 and "http://" in bad.get_data(as_text=True)
    none = client.post("/admin/webhooks", data={"url": "http://127.0.0.1:9/x"})
    assert none.status_code == 400


def test_the_cli_refuses_unknown_events(app, runner):
    result = runner.invoke(args=["webhooks", "add", "http://127.0.0.1:9/x", "--events", "item.completed,nope"])
    assert result.exit_code == 1 and "unknown event type" in result.output


def test_outbox_deliver_command_delivers_webhooks(app, runner, receiver, make_plan):
    add_endpoint(runner, receiver.url, "plan.created")
    make_plan()
    result = runner.invoke(args=["outbox", "deliver", "--now", "2026-03-02T10:00:00Z"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("Delivered 1 message(s)")
    assert [r.json()["type"] for r in receiver.requests] == ["plan.created"]
    bad = runner.invoke(args=["outbox", "deliver", "--now", "yesterday"])
    assert bad.exit_code == 1 and "ISO 8601" in bad.output
