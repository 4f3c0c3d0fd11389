"""The manager's dashboard, a report's plan for the manager, and the admin dashboard in a real
browser at a laptop's 1366 px and a phone's 390 px: nothing makes the page scroll sideways, axe-core
finds no violation, and a screenshot of each is kept (/tmp/browser-*-{1366,390}.png) to look at.
The manager nudges a late report once; the second nudge the same day is refused and says when."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.plans.check_ins import add_comment
from onboarding.plans.states import complete_item
from tests.browser.conftest import sign_in
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.browser

WIDTHS = (1366, 390)
HELP_DESK = "The help desk"


@pytest.fixture
def team(make_user, make_plan):
    """Grace manages Ada (45 days in: the 30-day phase and its check-in are overdue, one item waits
    for sign-off, a comment on it) and Alan (starts today); a plan without a manager; a failed mail."""
    admin = make_user(email="admin@example.com", name="Ada Admin", role="admin")
    manager = make_user(email="grace@example.com", name="Grace Hopper", role="manager")
    ada = make_user(email="ada.lovelace@example.com", name="Ada Lovelace", role="hire", manager_email=manager.email)
    plan = make_plan(hire=ada, manager=manager, start_on=TODAY - timedelta(days=45))
    desk = next(i for i in plan.items if i.text == HELP_DESK)
    complete_item(desk, ada, note="Shadowed Sam for a week on the help desk.", now=NOW)
    add_comment(plan, manager, "Ask Sam about the macros before you sign this one off.", NOW, item=desk)
    add_comment(plan, ada, "Thanks for the warm welcome, everyone!", NOW)
    make_plan(hire=make_user(email="alan@example.com", name="Alan Turing", role="hire"), manager=manager)
    make_plan(hire=make_user(email="lin@example.com", name="Lin Lonely", role="hire"), manager=False)
    db.session.add(OutboxMessage(to_addr="gone@example.com", subject="Your digest", text_body="", html_body="",
                                 headers={}, status="failed", last_error="550 no such user", created_at=NOW,
                                 next_attempt_at=NOW))
    db.session.commit()
    return {"plan_id": plan.id, "admin": admin}


def _signed_in(new_page, width: int, email: str):
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, email)
    return page


def _fits(page, width: int, what: str) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{what} at {width} px is {scroll} px wide"


def _check(page, axe, width: int, name: str, what: str) -> None:
    """No sideways page scroll, no axe violation of any impact, and a full-page screenshot."""
    _fits(page, width, what)
    violations = axe.run(page).response.get("violations", [])
    assert not violations, f"{what} at {width} px: " + "; ".join(
        f"[{v['impact']}] {v['id']} at {', '.join(n['target'][0] for n in v['nodes'][:3])}" for v in violations)
    page.screenshot(path=f"/tmp/browser-{name}-{width}.png", full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_manager_pages_fit_and_are_accessible(new_page, team, axe, width):
    page = _signed_in(new_page, width, "grace@example.com")

    late = page.get_by_role("region", name="Check-ins overdue (1)")
    expect(late).to_contain_text("Ada Lovelace: the 30-day check-in was due")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Ada Lovelace", exact=True))
    expect(row).to_contain_text("Overdue: 30 days")
    expect(row.get_by_role("button", name="Nudge Ada Lovelace")).to_be_visible()
    _check(page, axe, width, "manager-dashboard", "the manager's dashboard")

    late.get_by_role("link", name="Hold Ada Lovelace’s 30-day check-in").click()
    expect(page.get_by_role("heading", name="Ada Lovelace’s plan", level=1)).to_be_visible()
    expect(page.get_by_role("note", name="Overdue")).to_contain_text("the 30-day check-in was due")
    needs = page.get_by_role("region", name="What needs you")
    expect(needs.get_by_role("region", name="Waiting for your sign-off (1)")).to_contain_text(HELP_DESK)
    expect(needs.get_by_role("region", name="Overdue items (2)")).to_be_visible()
    # The comment sits with its item; the open form is the 30-day check-in only.
    item = page.locator("li", has=page.get_by_role("group", name=HELP_DESK, exact=True))
    expect(item.get_by_role("list", name=f"Comments on “{HELP_DESK}”")).to_contain_text("Ask Sam about the macros")
    expect(page.get_by_role("form", name="Check-in at 30 days")).to_be_visible()
    expect(page.get_by_role("form", name="Check-in at 60 days")).to_be_hidden()
    # The KPI table's headings keep their words whole ("Frequency" was split "Freque/ncy" at 390 px).
    headings = page.get_by_role("table", name="The role's KPIs").get_by_role("columnheader")
    expect(headings).to_have_text(["Metric", "Target", "Frequency"])
    split = headings.evaluate_all("""cells => cells.filter(cell => {
        const range = document.createRange(); range.selectNodeContents(cell);
        return range.getClientRects().length > 1; }).map(cell => cell.textContent)""")
    assert split == [], f"KPI headings broken over lines at {width} px: {split}"
    _check(page, axe, width, "manager-plan", "a report's plan (manager)")


def test_manager_nudges_once_a_day(page, team):
    sign_in(page, "grace@example.com")
    page.get_by_role("button", name="Nudge Ada Lovelace").click()
    expect(page.get_by_role("status")).to_contain_text("Reminder sent to Ada Lovelace (ada.lovelace@example.com).")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Ada Lovelace", exact=True))
    expect(row).to_contain_text("Nudged today, 09:30 UTC")
    row.get_by_role("button", name="Nudge Ada Lovelace").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Not sent: Ada Lovelace was already nudged today, at 09:30 UTC by Grace Hopper.")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.to_addr == "ada.lovelace@example.com")) == 1


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_dashboard_fits_and_its_counts_lead_to_the_lists(new_page, team, axe, width):
    page = _signed_in(new_page, width, "admin@example.com")
    attention = page.get_by_role("region", name="Needs attention")
    expect(attention).to_contain_text("1 check-in overdue")
    _check(page, axe, width, "admin-dashboard", "the admin dashboard")

    attention.get_by_role("link", name="1 check-in overdue").click()
    expect(page.locator("main p[role=status]")).to_have_text("1 plan matches the filters.")
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    page.go_back()
    attention.get_by_role("link", name="1 plan without a manager").click()
    expect(page.get_by_role("link", name="Lin Lonely")).to_be_visible()
    page.go_back()
    attention.get_by_role("link", name="1 mail failed").click()
    expect(page.get_by_role("heading", name="Outbox", level=1)).to_be_visible()
    expect(page.get_by_role("table", name="Failed")).to_contain_text("gone@example.com")
