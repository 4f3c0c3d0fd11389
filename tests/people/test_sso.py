"""Single sign-on against a real OpenID Connect provider (node oidc-provider on loopback)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from onboarding import create_app
from onboarding.audit.models import Event
from onboarding.audit.types import EventType
from onboarding.extensions import db
from onboarding.people.operations import deactivate_person, get_user_by_email
from tests.conftest import NOW
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, sign_in_at_provider

CALLBACK = "http://onboarding.test/auth/oidc/callback"


@pytest.fixture
def sso_app(app, app_config, oidc_provider):
    """The test app again, with single sign-on configured (same database)."""
    sso = create_app(dict(app_config, OIDC_ISSUER=oidc_provider.issuer, OIDC_CLIENT_ID=CLIENT_ID,
                          OIDC_CLIENT_SECRET=CLIENT_SECRET, FIXED_NOW=NOW))
    from tests.conftest import IsolatedClient

    sso.test_client_class = IsolatedClient
    yield sso
    with sso.app_context():
        db.engine.dispose()


def _sso(client, login: str):
    """Start at "Sign in with SSO", sign in at the provider, come back; the app's answer to the callback."""
    start = client.get("/auth/oidc/login")
    assert start.status_code == 302
    authorize = start.headers["Location"]
    back = sign_in_at_provider(authorize, login, stop_at=CALLBACK)
    parts = urlsplit(back)
    return client.get(parts.path + "?" + parts.query), authorize


def test_the_login_page_shows_the_sso_button_only_when_configured(client, sso_app):
    assert "Sign in with SSO" not in client.get("/login").get_data(as_text=True)
    assert client.get("/auth/oidc/login").status_code == 404
    page = sso_app.test_client().get("/login").get_data(as_text=True)
    assert ">Sign in with SSO</a>" in page and '<label for="password">Password</label>' in page


def test_a_known_person_signs_in_matched_by_verified_email_case_insensitively(sso_app, make_user):
    make_user(email="ada@example.com", name="Ada Admin", role="admin")
    client = sso_app.test_client()
    response, authorize = _sso(client, "ada")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [CALLBACK]
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/admin/").status_code == 200
    ada = get_user_by_email("ada@example.com")
    assert ada.last_signed_in_at is not None
    assert db.session.scalar(select(Event.kind).where(Event.person_id == ada.id)
                             .order_by(Event.id.desc())) == EventType.PERSON_SIGNED_IN_SSO


def test_an_unverified_email_is_refused(sso_app, make_user):
    make_user(email="ada@example.com", role="admin")
    client = sso_app.test_client()
    response, _ = _sso(client, "unverified")
    assert response.status_code == 403
    assert "did not confirm your email address" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_an_unknown_person_is_refused_unless_creation_is_on(sso_app):
    client = sso_app.test_client()
    response, _ = _sso(client, "stranger")
    assert response.status_code == 403
    assert "There is no account for stranger@example.com" in response.get_data(as_text=True)
    assert get_user_by_email("stranger@example.com") is None
    sso_app.config["OIDC_CREATE_USERS"] = True
    response, _ = _sso(client, "stranger")
    assert response.status_code == 302
    sam = get_user_by_email("stranger@example.com")
    assert (sam.role, sam.name, sam.password_hash) == ("hire", "Sam Stranger", None)
    assert client.get("/plan").status_code == 200  # a hire with no plan yet


def test_a_deactivated_person_is_refused(sso_app, make_user):
    ada = make_user(email="ada@example.com", role="admin")
    deactivate_person(ada, actor=None, now=NOW)
    db.session.commit()
    response, _ = _sso(sso_app.test_client(), "ada")
    assert response.status_code == 403 and "deactivated" in response.get_data(as_text=True)


def test_a_callback_with_a_forged_or_replayed_state_is_refused(sso_app, make_user):
    make_user(email="ada@example.com", role="admin")
    client = sso_app.test_client()
    start = client.get("/auth/oidc/login")
    back = sign_in_at_provider(start.headers["Location"], "ada", stop_at=CALLBACK)
    parts = urlsplit(back)
    forged = parse_qs(parts.query)
    # someone else's browser (no state in its session) cannot use the code
    other = sso_app.test_client()
    response = other.get("/auth/oidc/callback", query_string={"code": forged["code"][0], "state": forged["state"][0]})
    assert response.status_code == 400 and "could not be checked" in response.get_data(as_text=True)
    response = client.get("/auth/oidc/callback", query_string={"code": forged["code"][0], "state": "tampered"})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_password_sign_in_can_be_switched_off(sso_app, make_user):
    make_user(email="ada@example.com", role="admin")
    sso_app.config["PASSWORD_LOGIN"] = False
    client = sso_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with SSO" in page and 'name="password"' not in page and "Forgot your password?" not in page
    response = client.post("/login", data={"email": "ada@example.com", "password": "correct horse battery"})
    assert response.status_code == 404


def test_with_password_sign_in_off_nobody_is_invited_and_links_do_nothing(sso_app, make_user):
    from tests.people.helpers import mail_to
    from tests.plans.views.conftest import sign_in

    admin = make_user(email="admin@example.com", role="admin")
    sso_app.config["PASSWORD_LOGIN"] = False
    client = sso_app.test_client()
    sign_in(client, admin)
    response = client.post("/admin/people", data={"name": "Nia", "email": "nia@example.com", "role": "hire",
                                                  "timezone": "UTC", "invite": "y"})
    assert response.status_code == 302
    assert mail_to("nia@example.com") == []
    assert client.get("/password/forgot").status_code == 404
    assert client.get("/password/invitation/anything").status_code == 404
