"""Signing in and out: labels, hashing, rate limit, token rotation, CSRF, safe redirects."""
import re

import pytest
from sqlalchemy import select

from onboarding.extensions import db
from onboarding.people.models import User
from tests.conftest import login


def test_login_form_fields_are_labelled(client):
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'<label for="email">Email</label>', html)
    assert re.search(r'<label for="password">Password</label>', html)


def test_password_is_hashed(make_user):
    user = make_user(password="a very secret phrase")
    assert "a very secret phrase" not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_production_hashes_with_scrypt(app):
    from onboarding.people.operations import hash_password

    app.config.pop("PASSWORD_HASH_METHOD")
    assert hash_password("a very secret phrase").startswith("scrypt:")


def test_sign_in_and_out(client, make_user):
    make_user(email="ada@example.com", role="admin")
    response = login(client, "ada@example.com")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    client.post("/logout")
    assert client.get("/admin/").status_code == 302


def test_wrong_password_is_refused_with_a_clear_message(client, make_user):
    make_user(email="ada@example.com")
    response = login(client, "ada@example.com", "wrong password!")
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)


def test_unknown_email_gets_the_same_message(client):
    response = login(client, "nobody@example.com")
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)


@pytest.mark.parametrize("email", ["", "not-an-email", "x" * 300 + "@example.com"])
def test_bad_login_input_is_a_form_error(client, email):
    response = client.post("/login", data={"email": email, "password": "whatever"})
    assert response.status_code == 400


def test_login_is_rate_limited(client, make_user):
    make_user(email="ada@example.com")
    for _ in range(5):
        assert login(client, "ada@example.com", "wrong password!").status_code == 401
    response = login(client, "ada@example.com")  # even the right password waits now
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)


def test_logout_rotates_the_session_token_so_an_old_cookie_stops_working(app, make_user):
    make_user(email="ada@example.com", role="admin")
    first = app.test_client()
    login(first, "ada@example.com")
    cookie = first.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/admin/").status_code == 200
    first.post("/logout")
    assert thief.get("/admin/").status_code == 302


def test_password_change_ends_other_sessions(app, make_user):
    make_user(email="ada@example.com", role="admin")
    mine, other = app.test_client(), app.test_client()
    login(mine, "ada@example.com")
    login(other, "ada@example.com")
    response = mine.post("/account/password", data={
        "current": "correct horse battery", "new": "an even better phrase", "confirm": "an even better phrase"})
    assert response.status_code == 302
    assert mine.get("/admin/").status_code == 200
    assert other.get("/admin/").status_code == 302
    assert login(app.test_client(), "ada@example.com", "an even better phrase").status_code == 302


def test_admin_pages_refuse_everyone_else(client, make_user):
    make_user(email="hire@example.com", role="hire")
    make_user(email="boss@example.com", role="manager")
    assert client.get("/admin/roles").status_code == 302  # anonymous: to the sign-in page
    for email in ("hire@example.com", "boss@example.com"):
        c = client.application.test_client()
        login(c, email)
        assert c.get("/admin/roles").status_code == 403
        assert c.get("/admin/").status_code == 403


@pytest.mark.parametrize("target,expected", [
    ("/admin/roles", "/admin/roles"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
])
def test_next_redirects_only_to_this_site(client, make_user, target, expected):
    make_user(email="ada@example.com", role="admin")
    response = client.post(f"/login?next={target}", data={"email": "ada@example.com",
                                                          "password": "correct horse battery"})
    assert response.status_code == 302
    assert response.headers["Location"] in (expected, "http://localhost" + expected)


def test_session_cookie_flags(client, make_user):
    make_user(email="ada@example.com")
    response = login(client, "ada@example.com")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.fixture
def csrf_app(app_config):
    from onboarding import create_app
    from onboarding.core.db import Base

    app = create_app(dict(app_config, WTF_CSRF_ENABLED=True))
    with app.app_context():
        if app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            Base.metadata.create_all(db.engine)
        yield app
        db.session.remove()
        db.engine.dispose()


def test_forms_need_a_csrf_token(app, csrf_app, make_user):
    make_user(email="ada@example.com")
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "ada@example.com", "password": "correct horse battery"})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": "ada@example.com", "password": "correct horse battery",
                                           "csrf_token": token})
    assert response.status_code == 302


def test_users_add_command(runner, app):
    result = runner.invoke(args=["users", "add", "--email", "Grace@Example.com", "--name", "Grace Hopper",
                                 "--role", "manager", "--password", "long enough pw", "--timezone", "Europe/Paris"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "grace@example.com"))
    assert user.role == "manager" and user.timezone == "Europe/Paris"


@pytest.mark.parametrize("args,message", [
    (["--email", "bad", "--name", "X", "--role", "hire"], "not a valid email"),
    (["--email", "a@example.com", "--name", " ", "--role", "hire"], "a name is required"),
    (["--email", "a@example.com", "--name", "A", "--role", "hire", "--password", "short"], "at least 8"),
    (["--email", "a@example.com", "--name", "A", "--role", "hire", "--timezone", "Mars/Base"], "unknown time zone"),
    (["--email", "a@example.com", "--name", "A", "--role", "hire", "--manager", "ghost@example.com"], "add the manager first"),
])
def test_users_add_rejects_bad_input(runner, app, args, message):
    result = runner.invoke(args=["users", "add", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(select(User).where(User.email == "a@example.com")) is None


def test_users_add_refuses_a_duplicate(runner, app, make_user):
    make_user(email="a@example.com")
    result = runner.invoke(args=["users", "add", "--email", "A@example.com", "--name", "A", "--role", "hire"])
    assert result.exit_code == 1 and "already exists" in result.output
