"""The Insights page in a real browser, at 1366 and 390 px: charts drawn under the CSP, readable
names for every chart and table, filters, a CSV download, and axe finding nothing serious."""
from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.insights.conftest import history  # noqa: F401 (the dated ramp history fixture)

pytestmark = pytest.mark.browser


def watch_csp(page) -> list[str]:
    """Collect what the browser reports as blocked by the Content-Security-Policy."""
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    return blocked


def test_insights_for_an_admin_at_desktop_and_phone_widths(page, axe, history):  # noqa: F811
    blocked = watch_csp(page)
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, history.admin.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    timeline = page.get_by_role("img", name="Support Engineer: median days to sign off each phase")
    expect(timeline).to_be_visible()
    expect(page.get_by_role("img", name="On-time rate by start month")).to_be_visible()
    expect(page.get_by_role("img", name="Check-in outcomes by phase")).to_be_visible()
    phases = page.get_by_role("table", name="Support Engineer: per phase")
    expect(phases.get_by_role("row", name="30 days")).to_contain_text("83.3%")
    expect(phases.get_by_role("row", name="30 days")).to_contain_text("28 days")
    expect(page.get_by_role("table", name="Support Engineer: hardest milestones")).to_contain_text("The status page")
    expect(page.get_by_text("No plans from this role yet")).to_be_visible()  # Data Engineer
    box = timeline.bounding_box()
    assert box and box["width"] > 300, box
    page.get_by_text("How this is counted").first.click()
    expect(page.get_by_text("Plans made from this role").first).to_be_visible()
    page.screenshot(path="/tmp/insights-1366.png", full_page=True)
    assert_accessible(axe, page, "Insights at 1366 px")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways at 390 px"
    box = page.get_by_role("img", name="Check-in outcomes by phase").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    page.screenshot(path="/tmp/insights-390.png", full_page=True)
    page.screenshot(path="/tmp/insights-390-top.png")  # the first screen, at full resolution
    page.get_by_role("region", name="Support Engineer", exact=True).screenshot(path="/tmp/insights-390-role.png")
    assert_accessible(axe, page, "Insights at 390 px")
    assert blocked == []


def test_filters_and_a_csv_download_for_a_manager(page, history):  # noqa: F811
    blocked = watch_csp(page)
    sign_in(page, history.mara.email)
    page.goto("/insights")
    expect(page.get_by_label("Manager", exact=True)).to_have_count(0)  # a manager sees their own reports only
    page.get_by_label("Role", exact=True).select_option(label="Support Engineer")
    page.get_by_label("Started from (month)").fill("2025-12")
    page.get_by_label("Started up to (month)").fill("2025-12")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("table", name="Plans per role")).to_contain_text("Support Engineer")
    roles = page.get_by_role("table", name="Plans per role")
    expect(roles.get_by_role("row", name="Support Engineer")).to_have_text("Support Engineer 1 1 0", use_inner_text=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Per role and phase” as CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["Role", "Phase", "Items"]
    assert ["Support Engineer", "30 days", "3", "1.0", "21", "0.0", "0"] in rows
    page.screenshot(path="/tmp/insights-manager.png", full_page=True)
    assert blocked == []
