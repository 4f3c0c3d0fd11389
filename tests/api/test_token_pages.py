"""Token pages: each person makes and revokes their own on Preferences; admins manage everyone's. The API's
docs page renders from the OpenAPI document with no outside asset and no script."""
from __future__ import annotations

import re

from sqlalchemy import select

from onboarding.extensions import db
from onboarding.people.models import ApiToken
from tests.api.conftest import auth
from tests.conftest import login


def shown_token(html: str) -> str:
    return re.search(r'id="new-token" value="(onb_[^"]+)"', html).group(1)


def test_a_person_makes_uses_and_revokes_their_own_token(app, client, make_user):
    person = make_user(role="manager")
    other = make_user()
    login(client, person.email)
    made = client.post("/preferences/tokens", data={"name": "My script", "expires_days": "30"})
    assert made.status_code == 200
    secret = shown_token(made.get_data(as_text=True))
    assert client.get("/api/v1/plans", headers=auth(secret)).status_code == 200
    page = client.get("/preferences").get_data(as_text=True)
    assert "My script" in page and secret not in page and secret[:12] in page

    token = db.session.scalars(select(ApiToken)).one()
    assert client.post(f"/preferences/tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/v1/plans", headers=auth(secret)).status_code == 401

    client.post("/logout")
    login(client, other.email)
    assert client.post(f"/preferences/tokens/{token.id}/revoke").status_code == 404  # not theirs


def test_an_admin_makes_and_revokes_anyones_token(app, client, make_user):
    admin, hire = make_user(role="admin"), make_user(email="ada@example.com")
    login(client, admin.email)
    made = client.post("/admin/tokens", data={"email": "ada@example.com", "name": "HRIS"})
    assert made.status_code == 200
    secret = shown_token(made.get_data(as_text=True))
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert "ada@example.com" in listing and "HRIS" in listing and secret not in listing
    token = db.session.scalars(select(ApiToken)).one()
    assert token.user_id == hire.id
    assert client.post(f"/admin/tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/v1/plans", headers=auth(secret)).status_code == 401
    missing = client.post("/admin/tokens", data={"email": "nobody@example.com", "name": "x"})
    assert missing.status_code == 400 and "No person" in missing.get_data(as_text=True)


def test_only_admins_see_the_admin_token_and_webhook_pages(app, client, make_user):
    login(client, make_user(role="manager").email)
    assert client.get("/admin/tokens").status_code == 403
    assert client.get("/admin/webhooks").status_code == 403


def test_the_docs_page_lists_every_operation_with_local_assets_only(app, client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    document = client.get("/api/v1/openapi.json").get_json()
    for path in document["paths"]:
        assert path in html
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
