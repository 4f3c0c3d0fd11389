"""Digests in Slack (bot token, users.lookupByEmail + chat.postMessage, Block Kit) and Microsoft Teams
(incoming webhook, Adaptive Card), each person's choice, against a real local receiver standing in for
each service; the same exactly-once claim as mail and the same content."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.outbox.delivery import deliver_outbox
from onboarding.outbox.models import OutboxMessage
from onboarding.reminders.build import build_digests
from onboarding.reminders.preferences import update_channels
from tests.conftest import NOW, TODAY, login
from tests.webhooks.receiver import Receiver

BOT_TOKEN = "xoxb-test-token"


@pytest.fixture
def slack(app):
    """A stand-in for Slack's Web API: checks the token and each call's shape, answers like Slack."""
    server = Receiver()
    people = {"ada@example.com": "U0ADA"}

    def lookup(body):
        user = people.get(body.get("email"))
        return 200, ({"ok": True, "user": {"id": user}} if user else {"ok": False, "error": "users_not_found"})

    def post(body):
        ok = body.get("channel") in people.values() and isinstance(body.get("blocks"), list) and body.get("text")
        return 200, {"ok": bool(ok), **({} if ok else {"error": "invalid_blocks"})}

    server.routes = {"/api/users.lookupByEmail": lookup, "/api/chat.postMessage": post}
    server.start()
    app.config.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=server.url + "/api")
    yield server
    server.stop()


@pytest.fixture
def teams():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def overdue_hire(make_user, make_plan):
    def make(email: str, channels: list[str], teams_url: str = ""):
        hire = make_user(email=email, name=email.split("@")[0].capitalize(), password=None)
        update_channels(hire, channels=channels, teams_url=teams_url, actor=hire, now=NOW)
        db.session.commit()
        make_plan(hire=hire, manager=False, start_on=TODAY - timedelta(days=40))
        return hire

    return make


def texts_of_blocks(blocks: list[dict]) -> str:
    return "\n".join(b.get("text", {}).get("text", "") for b in blocks if isinstance(b.get("text"), dict))


def test_a_digest_goes_to_slack_and_teams_once_with_the_mail_content(app, slack, teams, overdue_hire):
    overdue_hire("ada@example.com", ["email", "slack", "teams"], teams_url=teams.url + "/workflows/ada")
    assert build_digests(NOW) == 1
    assert build_digests(NOW + timedelta(minutes=15)) == 0  # claimed once
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.channel for m in messages] == ["email", "slack", "teams"]
    assert deliver_outbox(NOW) == 2  # no SMTP here: the email stays queued, chat goes
    assert deliver_outbox(NOW + timedelta(hours=1)) == 0

    lookup, post = slack.requests
    assert lookup.path == "/api/users.lookupByEmail" and lookup.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    message = post.json()
    assert message["channel"] == "U0ADA" and message["text"].startswith("Onboarding: 3 overdue")
    assert "Learn the ticket queue and its tools: The help desk" in texts_of_blocks(message["blocks"])
    assert any(b["type"] == "actions" for b in message["blocks"])

    [card_request] = teams.requests
    assert card_request.path == "/workflows/ada"
    attachment = card_request.json()["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    card_text = "\n".join(b.get("text", "") for b in card["body"])
    assert "Learn the ticket queue and its tools: The help desk" in card_text
    assert {a["type"] for a in card["actions"]} == {"Action.OpenUrl"}
    email = messages[0]
    assert "Learn the ticket queue and its tools: The help desk" in email.text_body


def test_slack_without_the_person_fails_and_shows_the_reason(app, slack, overdue_hire):
    overdue_hire("bob@example.com", ["slack"])
    build_digests(NOW)
    assert deliver_outbox(NOW) == 0
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.channel == "slack" and message.status == "failed" and "users_not_found" in message.last_error


def test_a_teams_receiver_down_then_up_gets_the_card_once(app, teams, overdue_hire):
    overdue_hire("cy@example.com", ["teams"], teams_url=teams.url + "/hook")
    build_digests(NOW)
    teams.answers = [502]
    assert deliver_outbox(NOW) == 0
    assert deliver_outbox(NOW + timedelta(minutes=5)) == 1
    assert deliver_outbox(NOW + timedelta(hours=5)) == 0
    assert [r.status for r in teams.requests] == [502, 200]


def test_channel_choices_are_checked(app, make_user):
    person = make_user()
    with pytest.raises(ServiceError, match="Teams"):
        update_channels(person, channels=["teams"], teams_url="", actor=person, now=NOW)
    with pytest.raises(ServiceError, match="at least one"):
        update_channels(person, channels=[], teams_url="", actor=person, now=NOW)
    with pytest.raises(ServiceError):
        update_channels(person, channels=["fax"], teams_url="", actor=person, now=NOW)
    with pytest.raises(ServiceError, match="http"):
        update_channels(person, channels=["teams"], teams_url="javascript:alert(1)", actor=person, now=NOW)


def test_the_preferences_page_saves_where_digests_go(app, client, make_user):
    person = make_user()
    login(client, person.email)
    page = client.get("/preferences").get_data(as_text=True)
    assert "Where digests go" in page and "Microsoft Teams" in page
    saved = client.post("/preferences/channels", data={"channels": ["email", "teams"],
                                                       "teams_url": "https://example.com/hook"})
    assert saved.status_code == 302
    db.session.refresh(person)
    assert person.digest_channels == "email,teams" and person.teams_webhook_url == "https://example.com/hook"
    refused = client.post("/preferences/channels", data={"channels": ["teams"], "teams_url": ""})
    assert refused.status_code == 400 and "Teams" in refused.get_data(as_text=True)
    db.session.refresh(person)
    assert person.digest_channels == "email,teams"
