"""Preferences, one-click unsubscribe and the calendar feed, through HTTP."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from onboarding import create_app
from onboarding.extensions import db
from onboarding.plans.check_ins import record_check_in
from onboarding.reminders.build import build_digests
from onboarding.reminders.tokens import UnsubscribeTokens, calendar_feed_token
from tests.conftest import NOW, TODAY, login


def sign_in(client, make_user, **overrides):
    values = {"email": "ada@example.com", "name": "Ada Lovelace", "role": "hire"}
    values.update(overrides)
    user = make_user(**values)
    login(client, user.email)
    return user


def unsubscribe_url(user, issued=None) -> str:
    """A link as a digest sent today carries (the page checks expiry against the real clock)."""
    issued = issued or datetime.now(timezone.utc)
    token = UnsubscribeTokens("test-secret-key").make(user.id, user.unsubscribe_version, issued)
    return f"/unsubscribe/{token}"


# --- preferences -------------------------------------------------------------------------------------


def test_preferences_need_a_sign_in(client):
    response = client.get("/preferences")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_preferences_form_is_labelled_and_shows_current_values(client, make_user):
    sign_in(client, make_user, timezone="Asia/Kathmandu", digest_cadence="daily", digest_hour=7)
    html = client.get("/preferences").get_data(as_text=True)
    assert '<label for="timezone">Time zone</label>' in html
    assert '<label for="cadence">Digest email</label>' in html
    assert '<label for="send_hour">Send at (your local time)</label>' in html
    assert '<option selected value="Asia/Kathmandu">' in html
    assert '<option selected value="daily">' in html
    assert '<option selected value="7">07:00</option>' in html
    assert '<label for="feed-url">Calendar feed address</label>' in html
    assert ">Save preferences</button>" in html and ">Make a new calendar link</button>" in html
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith("Digest preferences") and "<" not in title  # the page's title is words, not a form
    assert html.count('id="tokens"') == 1


def test_preferences_are_saved(client, make_user):
    user = sign_in(client, make_user)
    response = client.post("/preferences", data={"timezone": "America/New_York", "cadence": "daily", "send_hour": "7"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.timezone, user.digest_cadence, user.digest_hour) == ("America/New_York", "daily", 7)


@pytest.mark.parametrize("data", [
    {"timezone": "Mars/Olympus_Mons", "cadence": "daily", "send_hour": "7"},
    {"timezone": "Europe/Paris", "cadence": "hourly", "send_hour": "7"},
    {"timezone": "Europe/Paris", "cadence": "daily", "send_hour": "24"},
    {"timezone": "Europe/Paris", "cadence": "daily", "send_hour": "nine"},
])
def test_bad_preferences_are_refused_and_nothing_changes(client, make_user, data):
    user = sign_in(client, make_user)
    response = client.post("/preferences", data=data)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.timezone, user.digest_cadence, user.digest_hour) == ("UTC", "weekly", 9)


def test_turning_digests_back_on_revokes_old_unsubscribe_links(client, make_user):
    user = sign_in(client, make_user, digest_cadence="off")
    old_link = unsubscribe_url(user)
    client.post("/preferences", data={"timezone": "UTC", "cadence": "weekly", "send_hour": "9"})
    db.session.refresh(user)
    assert user.unsubscribe_version == 2 and user.digest_cadence == "weekly"
    response = client.post(old_link)
    assert response.status_code == 400 and "no longer works" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.digest_cadence == "weekly"


# --- unsubscribe ------------------------------------------------------------------------------------


def test_unsubscribe_get_only_asks(client, make_user):
    user = make_user(email="ada@example.com")
    response = client.get(unsubscribe_url(user))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Unsubscribe from digests?" in html and ">Unsubscribe</button>" in html
    db.session.refresh(user)
    assert user.digest_cadence == "weekly"  # a mail scanner following the link changes nothing


def test_one_click_post_unsubscribes(client, make_user):
    user = make_user(email="ada@example.com")
    url = unsubscribe_url(user)
    response = client.post(url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "You are unsubscribed" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.digest_cadence == "off"
    again = client.post(url)  # idempotent
    assert again.status_code == 200 and "already turned off" in again.get_data(as_text=True)


def test_unsubscribed_people_get_no_digest(app, client, person, make_plan):
    ada = person("ada@example.com")
    make_plan(hire=ada, manager=False, start_on=TODAY - timedelta(days=40))
    client.post(unsubscribe_url(ada))
    assert build_digests(NOW) == 0


@pytest.mark.parametrize("problem, expected", [
    ("wrong", "not valid"),
    ("tampered", "not valid"),
    ("expired", "has expired"),
    ("revoked", "no longer works"),
    ("deleted", "not valid"),
])
def test_a_bad_unsubscribe_token_does_nothing_and_says_so(client, make_user, problem, expected):
    user = make_user(email="ada@example.com")
    if problem == "wrong":
        url = "/unsubscribe/not-a-token"
    elif problem == "tampered":
        url = unsubscribe_url(user)
        url = url.replace(f"/{user.id}.", f"/{user.id + 1}.", 1)
    elif problem == "expired":
        url = unsubscribe_url(user, issued=datetime.now(timezone.utc) - timedelta(days=61))
    elif problem == "revoked":
        url = unsubscribe_url(user)
        user.unsubscribe_version += 1
        db.session.commit()
    else:
        url = "/unsubscribe/" + UnsubscribeTokens("test-secret-key").make(999999, 1, datetime.now(timezone.utc))
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert expected in html and "Nothing was changed" in html
    db.session.refresh(user)
    assert user.digest_cadence == "weekly"


def test_a_token_signed_with_another_key_is_refused(client, make_user):
    user = make_user(email="ada@example.com")
    token = UnsubscribeTokens("another-secret").make(user.id, user.unsubscribe_version, datetime.now(timezone.utc))
    assert client.post(f"/unsubscribe/{token}").status_code == 400


def test_unsubscribe_is_the_only_csrf_exempt_form(app_config, make_user):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    with app.app_context():
        from onboarding.people.models import User

        user = db.session.get(User, make_user(email="ada@example.com").id)
        url = unsubscribe_url(user)
    client = app.test_client()
    try:
        assert client.post(url, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded").status_code == 200
        assert client.post("/preferences", data={"timezone": "UTC", "cadence": "off",
                                                 "send_hour": "9"}).status_code == 400
        assert client.post("/admin/outbox/1/retry").status_code == 400
    finally:
        with app.app_context():
            db.engine.dispose()  # this second app has its own connection pool


# --- calendar ----------------------------------------------------------------------------------------


def feed(client, user):
    response = client.get(f"/calendar/{calendar_feed_token(user)}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def test_a_hire_sees_due_dates_and_check_ins_as_all_day_events(client, person, make_plan):
    grace = person("grace@example.com", name="Grace Hopper", role="manager")
    ada = person("ada@example.com", name="Ada Lovelace", manager=grace)
    make_plan(hire=ada, manager=grace, start_on=date(2026, 1, 31))
    cal = feed(client, ada)
    assert str(cal["X-WR-CALNAME"]) == "Onboarding: Ada Lovelace"
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    due = events["Onboarding: 30-day milestones due (0 of 3 done)"]
    assert due.decoded("DTSTART") == date(2026, 3, 2) and due.decoded("DTEND") == date(2026, 3, 3)
    assert "[ ] Learn the ticket queue and its tools: The help desk" in str(due["DESCRIPTION"])
    assert events["Onboarding: 6-month milestones due (0 of 1 done)"].decoded("DTSTART") == date(2026, 7, 31)
    check_in = events["Onboarding: 30-day check-in with Grace Hopper"]
    assert check_in.decoded("DTSTART") == date(2026, 3, 2)
    assert all(isinstance(e.decoded("DTSTART"), date) and not hasattr(e.decoded("DTSTART"), "hour")
               for e in cal.walk("VEVENT"))
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(uids) == len(set(uids)) == 10  # 5 due dates + 5 check-ins


def test_a_manager_sees_their_reports_check_ins(client, person, make_plan):
    grace = person("grace@example.com", name="Grace Hopper", role="manager")
    ada = person("ada@example.com", name="Ada Lovelace", manager=grace)
    plan = make_plan(hire=ada, manager=grace, start_on=date(2026, 1, 31))
    record_check_in(plan, "day-30", grace, "on track", "", NOW)
    db.session.commit()
    summaries = sorted(str(e["SUMMARY"]) for e in feed(client, grace).walk("VEVENT"))
    assert summaries == [
        "Check-in: Ada Lovelace, 12-month",
        "Check-in: Ada Lovelace, 30-day (recorded: on track)",
        "Check-in: Ada Lovelace, 6-month",
        "Check-in: Ada Lovelace, 60-day",
        "Check-in: Ada Lovelace, 90-day",
    ]


@pytest.mark.parametrize("token", ["nope", "1", "1.", ".abc", "999.abc", "1." + "x" * 43, "１.abc"])
def test_a_wrong_calendar_token_is_404(client, make_user, token):
    make_user(email="ada@example.com")
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_regenerating_the_calendar_link_revokes_the_old_one(client, make_user):
    user = sign_in(client, make_user)
    old = f"/calendar/{calendar_feed_token(user)}.ics"
    assert client.get(old).status_code == 200
    html = client.get("/preferences").get_data(as_text=True)
    assert re.search(r'value="http://onboarding\.test/calendar/\d+\.[\w-]+\.ics"', html)
    assert client.post("/preferences/calendar").status_code == 302
    db.session.refresh(user)
    assert client.get(old).status_code == 404
    assert client.get(f"/calendar/{calendar_feed_token(user)}.ics").status_code == 200


def test_a_closed_account_has_no_feed(client, make_user):
    user = make_user(email="ada@example.com")
    user.is_active_account = False
    db.session.commit()
    assert client.get(f"/calendar/{calendar_feed_token(user)}.ics").status_code == 404


def test_an_unsubscribe_token_is_what_itsdangerous_signs():
    """Links already sent must keep working: the token is exactly Signer.sign's, made faster."""
    tokens = UnsubscribeTokens("test-secret-key")
    issued = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
    value = f"42.3.{int(issued.timestamp())}".encode("ascii")
    assert tokens.make(42, 3, issued) == tokens.signer.sign(value).decode("ascii")
    assert tokens.read(tokens.make(42, 3, issued), issued) == (42, 3)
