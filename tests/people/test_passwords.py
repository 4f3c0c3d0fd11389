"""Forgot password and reset; sign-in hardening: limits per (email, address) and address, atomic
under concurrency, the current-password check limited, CSRF token renewed, no-store, odd input."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.people.limits import SIGN_IN, reserve_attempt
from onboarding.people.models import LoginFailure
from onboarding.people.operations import get_user_by_email
from tests.conftest import NOW, login
from tests.people.helpers import link_in, mail_to


def _forgot(client, email):
    return client.post("/password/forgot", data={"email": email})


def test_login_page_links_forgot_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<a href="/password/forgot">Forgot your password?</a>' in page
    form = client.get("/password/forgot").get_data(as_text=True)
    assert '<label for="email">Email</label>' in form


def test_the_answer_is_the_same_whether_the_email_exists_or_not(app, make_user):
    make_user(email="ada@example.com")
    first, second = app.test_client(), app.test_client()
    known, unknown = _forgot(first, "ada@example.com"), _forgot(second, "nobody@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    page_known = first.get(known.headers["Location"]).get_data(as_text=True)
    page_unknown = second.get(unknown.headers["Location"]).get_data(as_text=True)
    assert page_known == page_unknown
    assert "If that address belongs to an account" in page_known
    assert len(mail_to("ada@example.com")) == 1 and mail_to("nobody@example.com") == []


def test_reset_sets_a_new_password_ends_other_sessions_and_works_once(app, make_user):
    app.config["FIXED_NOW"] = NOW
    make_user(email="ada@example.com", role="admin")
    other = app.test_client()
    assert login(other, "ada@example.com").status_code == 302
    assert other.get("/admin/").status_code == 200
    _forgot(app.test_client(), "ada@example.com")
    [message] = mail_to("ada@example.com")
    assert message.subject == "Reset your Onboarding password"
    path = link_in(message.text_body, "reset")
    client = app.test_client()
    response = client.post(path, data={"new": "a brand new password", "confirm": "a brand new password"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200  # signed in by the reset
    assert other.get("/admin/").status_code == 302  # the other session ended
    assert login(app.test_client(), "ada@example.com").status_code == 401  # the old password fails
    assert login(app.test_client(), "ada@example.com", "a brand new password").status_code == 302
    again = app.test_client().post(path, data={"new": "yet another password", "confirm": "yet another password"})
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)


def test_a_reset_link_lasts_one_hour(app, make_user):
    app.config["FIXED_NOW"] = NOW
    make_user(email="ada@example.com")
    _forgot(app.test_client(), "ada@example.com")
    path = link_in(mail_to("ada@example.com")[0].text_body, "reset")
    app.config["FIXED_NOW"] = NOW + timedelta(minutes=59)
    assert app.test_client().get(path).status_code == 200
    app.config["FIXED_NOW"] = NOW + timedelta(minutes=61)
    response = app.test_client().get(path)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_no_reset_mail_for_a_deactivated_person(app, make_user):
    from onboarding.people.operations import deactivate_person

    ada = make_user(email="ada@example.com")
    deactivate_person(ada, actor=None, now=NOW)
    db.session.commit()
    assert _forgot(app.test_client(), "ada@example.com").status_code == 302
    assert mail_to("ada@example.com") == []


def test_a_reset_link_is_for_one_person_only(app, make_user):
    app.config["FIXED_NOW"] = NOW
    make_user(email="ada@example.com")
    bob = make_user(email="bob@example.com")
    _forgot(app.test_client(), "ada@example.com")
    path = link_in(mail_to("ada@example.com")[0].text_body, "reset")
    app.test_client().post(path, data={"new": "a brand new password", "confirm": "a brand new password"})
    db.session.refresh(bob)
    assert login(app.test_client(), "bob@example.com").status_code == 302  # Bob's password is untouched


def test_failures_at_one_address_do_not_lock_the_owner_out_elsewhere(app, make_user):
    make_user(email="ada@example.com")
    attacker = app.test_client()
    for _ in range(5):
        response = attacker.post("/login", data={"email": "ada@example.com", "password": "guess guess"},
                                 environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert response.status_code == 401
    blocked = attacker.post("/login", data={"email": "ada@example.com", "password": "correct horse battery"},
                            environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert blocked.status_code == 429
    owner = app.test_client().post("/login", data={"email": "ada@example.com", "password": "correct horse battery"},
                                   environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert owner.status_code == 302


def test_one_address_is_limited_across_emails(app, make_user):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 8
    make_user(email="ada@example.com")
    client = app.test_client()
    for n in range(8):
        assert client.post("/login", data={"email": f"guess{n}@example.com", "password": "guess guess"}).status_code == 401
    assert login(client, "ada@example.com").status_code == 429


def test_concurrent_guesses_never_exceed_the_limit(app, make_user):
    """Twelve guesses at once for one (email, address): exactly the limit get their password checked."""
    make_user(email="ada@example.com")
    limit = app.config["LOGIN_MAX_FAILURES"]
    allowed, barrier = [], threading.Barrier(12)

    def guess():
        with app.app_context():
            barrier.wait()
            if reserve_attempt(SIGN_IN, "ada@example.com", "203.0.113.9", now=NOW, config=app.config) is not None:
                allowed.append(1)
            db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == limit  # not more, and not none: each counts the ones before it
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 12


def test_the_current_password_check_is_limited(app, make_user):
    from tests.plans.views.conftest import sign_in

    ada = make_user(email="ada@example.com")
    client = app.test_client()
    sign_in(client, ada)
    wrong = {"current": "not my password", "new": "a brand new password", "confirm": "a brand new password"}
    for _ in range(5):
        assert client.post("/account/password", data=wrong).status_code == 400
    right = dict(wrong, current="correct horse battery")
    response = client.post("/account/password", data=right)
    assert response.status_code == 429 and "Too many wrong passwords" in response.get_data(as_text=True)
    assert login(app.test_client(), "ada@example.com").status_code == 302  # unchanged


@pytest.mark.parametrize("field,value", [("email", "x" * 5000 + "@example.com"), ("password", "x" * 100_000)])
def test_huge_fields_are_refused_before_anything_costly(client, field, value):
    data = {"email": "ada@example.com", "password": "whatever"}
    data[field] = value
    assert client.post("/login", data=data).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_the_csrf_token_changes_at_sign_in_and_sign_out(csrf_app, make_user):
    make_user(email="ada@example.com")
    client = csrf_app.test_client()

    def token(path):
        page = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    before = token("/login")
    before_raw = client.get_cookie("session").value
    response = client.post("/login", data={"email": "ada@example.com", "password": "correct horse battery",
                                           "csrf_token": before})
    assert response.status_code == 302
    signed_in = token("/account/password")
    assert signed_in != before and client.get_cookie("session").value != before_raw
    # the old token no longer posts
    stale = client.post("/logout", data={"csrf_token": before})
    assert stale.status_code == 400
    assert client.post("/logout", data={"csrf_token": signed_in}).status_code == 302
    assert token("/login") not in (before, signed_in)


def test_signed_in_pages_are_not_stored(client, make_user):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    make_user(email="ada@example.com", role="admin")
    login(client, "ada@example.com")
    for path in ("/admin/", "/admin/people", "/plan"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


@pytest.mark.parametrize("target", ["/admin/%0D%0ASet-Cookie:%20x=1", "/\r\nLocation: https://evil.example",
                                    "/ok\n", "/\x00"])
def test_next_with_control_characters_goes_home(client, make_user, target):
    make_user(email="ada@example.com")
    response = client.post("/login", query_string={"next": target},
                           data={"email": "ada@example.com", "password": "correct horse battery"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "\r" not in location and "\n" not in location and "evil" not in location
    if "%0D" not in target:
        assert location == "/"


def test_a_deactivated_person_cannot_sign_in(app, make_user):
    from onboarding.people.operations import deactivate_person

    ada = make_user(email="ada@example.com")
    client = app.test_client()
    assert login(client, "ada@example.com").status_code == 302
    deactivate_person(get_user_by_email("ada@example.com"), actor=None, now=NOW)
    db.session.commit()
    assert client.get("/plan").status_code == 302  # the session ended
    assert login(app.test_client(), ada.email).status_code == 401
