"""Changes people make to their own account are audited (issue 7): a password change, digest
preferences and channels, API tokens made and revoked. No event holds a password, a token's secret
(nor its prefix) or a Teams URL, and none of these events is sent out as a webhook."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from onboarding.audit.models import Event
from onboarding.audit.types import WEBHOOK_TYPES, EventType
from onboarding.audit.wording import EVENT_WORDS
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.people.models import ApiToken
from onboarding.webhooks.operations import add_endpoint
from tests.conftest import NOW, login

ACCOUNT_EVENTS = (EventType.PERSON_PASSWORD_CHANGED, EventType.PERSON_PREFERENCES_CHANGED,
                  EventType.PERSON_TOKEN_CREATED, EventType.PERSON_TOKEN_REVOKED)
TEAMS_URL = "https://example.webhook.office.com/webhookb2/abc/IncomingWebhook/secretpart"


def events_of(kind: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def as_text(event: Event) -> str:
    return json.dumps([event.old_value, event.new_value])


def test_account_events_are_named_and_never_webhooks():
    for kind in ACCOUNT_EVENTS:
        assert kind not in WEBHOOK_TYPES
        assert kind in EVENT_WORDS


def test_changing_ones_password_is_recorded_without_the_password(app, client, make_user):
    person = make_user(email="ada@example.com")
    add_endpoint("http://127.0.0.1:9/hook", list(WEBHOOK_TYPES), actor=None, now=NOW)
    db.session.commit()
    login(client, person.email)
    wrong = client.post("/account/password", data={"current": "not it", "new": "an even better phrase",
                                                   "confirm": "an even better phrase"})
    assert wrong.status_code == 400 and events_of(EventType.PERSON_PASSWORD_CHANGED) == []

    response = client.post("/account/password", data={"current": "correct horse battery",
                                                       "new": "an even better phrase",
                                                       "confirm": "an even better phrase"})
    assert response.status_code == 302
    [event] = events_of(EventType.PERSON_PASSWORD_CHANGED)
    assert (event.actor_id, event.person_id, event.plan_id) == (person.id, person.id, None)
    assert "better phrase" not in as_text(event) and "horse" not in as_text(event)
    assert db.session.scalar(select(OutboxMessage.id)) is None  # no webhook delivery queued


def test_preferences_and_channels_record_what_changed(app, client, make_user):
    person = make_user(email="ada@example.com", timezone="UTC")
    login(client, person.email)
    assert client.post("/preferences", data={"timezone": "Europe/Paris", "cadence": "daily",
                                             "send_hour": "7"}).status_code == 302
    [event] = events_of(EventType.PERSON_PREFERENCES_CHANGED)
    assert (event.actor_id, event.person_id) == (person.id, person.id)
    assert event.old_value["timezone"] == "UTC"
    assert event.new_value == {"timezone": "Europe/Paris", "cadence": "daily", "send_hour": 7}

    # saving the same values again changes nothing, so records nothing
    client.post("/preferences", data={"timezone": "Europe/Paris", "cadence": "daily", "send_hour": "7"})
    assert len(events_of(EventType.PERSON_PREFERENCES_CHANGED)) == 1

    assert client.post("/preferences/channels", data={"channels": ["email", "teams"],
                                                      "teams_url": TEAMS_URL}).status_code == 302
    event = events_of(EventType.PERSON_PREFERENCES_CHANGED)[-1]
    assert event.old_value == {"channels": "email", "teams_url": "none"}
    assert event.new_value == {"channels": "email,teams", "teams_url": "set"}
    client.post("/preferences/channels", data={"channels": ["teams"], "teams_url": TEAMS_URL + "2"})
    event = events_of(EventType.PERSON_PREFERENCES_CHANGED)[-1]
    assert event.new_value == {"channels": "teams", "teams_url": "replaced"}
    assert all("secretpart" not in as_text(e) for e in events_of(EventType.PERSON_PREFERENCES_CHANGED))

    # refused input records nothing
    count = len(events_of(EventType.PERSON_PREFERENCES_CHANGED))
    assert client.post("/preferences/channels", data={"channels": ["teams"], "teams_url": ""}).status_code == 400
    assert len(events_of(EventType.PERSON_PREFERENCES_CHANGED)) == count


def test_own_token_made_and_revoked_are_recorded_without_the_secret(app, client, make_user):
    person = make_user(email="ada@example.com", role="manager")
    login(client, person.email)
    made = client.post("/preferences/tokens", data={"name": "My script", "expires_days": "30"})
    secret = re.search(r'id="new-token" value="(onb_[^"]+)"', made.get_data(as_text=True)).group(1)
    token = db.session.scalars(select(ApiToken)).one()
    [created] = events_of(EventType.PERSON_TOKEN_CREATED)
    assert (created.actor_id, created.person_id) == (person.id, person.id)
    assert created.new_value["token_id"] == token.id and created.new_value["name"] == "My script"

    assert client.post(f"/preferences/tokens/{token.id}/revoke").status_code == 302
    [revoked] = events_of(EventType.PERSON_TOKEN_REVOKED)
    assert (revoked.actor_id, revoked.person_id) == (person.id, person.id)
    assert revoked.old_value["token_id"] == token.id
    for event in (created, revoked):
        assert secret not in as_text(event) and secret[4:12] not in as_text(event)
        assert token.token_hash not in as_text(event)


def test_an_admin_making_and_revoking_someones_token_is_the_actor(app, client, make_user):
    admin, hire = make_user(role="admin"), make_user(email="hugo@example.com")
    login(client, admin.email)
    made = client.post("/admin/tokens", data={"email": hire.email, "name": "HRIS"})
    secret = re.search(r'id="new-token" value="(onb_[^"]+)"', made.get_data(as_text=True)).group(1)
    token = db.session.scalars(select(ApiToken)).one()
    assert client.post(f"/admin/tokens/{token.id}/revoke").status_code == 302
    [created], [revoked] = events_of(EventType.PERSON_TOKEN_CREATED), events_of(EventType.PERSON_TOKEN_REVOKED)
    for event in (created, revoked):
        assert (event.actor_id, event.person_id) == (admin.id, hire.id)
        assert secret not in as_text(event)


def test_a_token_made_on_the_command_line_is_recorded(app, runner, make_user):
    hire = make_user(email="hugo@example.com")
    result = runner.invoke(args=["tokens", "create", "--email", hire.email, "--name", "HRIS", "--expires-days", "7"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    [event] = events_of(EventType.PERSON_TOKEN_CREATED)
    assert (event.actor_id, event.person_id) == (None, hire.id)
    assert event.new_value["name"] == "HRIS" and event.new_value["expires_at"]
    assert secret.startswith("onb_") and secret not in as_text(event)
