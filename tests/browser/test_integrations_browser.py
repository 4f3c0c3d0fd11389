"""Integrations in a real browser: an admin adds a webhook endpoint and sees its secret once; a person makes
an API token on Preferences and chooses where digests go; the API docs page works under the CSP.
Every page checked with axe-core."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@example.com", name="Ada Admin", role="admin", password=PASSWORD)


def test_an_admin_adds_a_webhook_endpoint(page, admin, axe):
    sign_in(page, "admin@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    assert_accessible(axe, page, "webhooks")
    form = page.get_by_role("form", name="Add an endpoint")
    form.get_by_label("Endpoint URL").fill("https://hr.example.com/hooks")
    form.get_by_label("item.signed_off").check()
    form.get_by_label("plan.completed").check()
    form.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_role("status")).to_contain_text("Endpoint added: https://hr.example.com/hooks")
    expect(page.get_by_role("note")).to_contain_text("whsec_")
    expect(page.get_by_role("row").filter(has_text="https://hr.example.com/hooks")).to_contain_text(
        "item.signed_off, plan.completed")
    assert_accessible(axe, page, "webhooks with an endpoint")


def test_a_person_makes_a_token_and_picks_digest_channels(page, admin, axe):
    sign_in(page, "admin@example.com")
    page.goto("/preferences")
    tokens = page.get_by_role("form", name="Make a token")
    tokens.get_by_label("Token name").fill("My script")
    tokens.get_by_role("button", name="Make token").click()
    token = page.get_by_label("Token").input_value()
    assert token.startswith("onb_")
    assert_accessible(axe, page, "new token")
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_role("row").filter(has_text="My script")).to_contain_text(token[:12])
    page.get_by_label("Microsoft Teams").check()
    page.get_by_label("Teams incoming-webhook or Workflows URL").fill("https://example.com/teams-hook")
    page.get_by_role("button", name="Save where digests go").click()
    expect(page.get_by_role("status")).to_contain_text("Your digests go by")
    expect(page.get_by_label("Microsoft Teams")).to_be_checked()
    assert_accessible(axe, page, "preferences with a token")
    page.get_by_role("button", name="Revoke the token My script").click()
    expect(page.get_by_role("status")).to_contain_text("revoked")


def test_the_api_docs_page_and_the_token_admin_page(page, admin, axe):
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, "admin@example.com")
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", name="/api/v1/items/{item_id}/complete")).to_be_visible()
    assert_accessible(axe, page, "API docs")
    page.goto("/admin/tokens")
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    assert_accessible(axe, page, "API tokens")
    assert failed == [] and blocked == []
