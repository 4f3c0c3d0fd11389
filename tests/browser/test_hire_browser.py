"""The hire's plan page in a real browser at 1366 and 390 px: keyboard-only ticking in place with
Undo, the same without JavaScript, a hire before day one who cannot tick, no sideways scrolling,
and axe. Screenshots go to /tmp (hire-page-*.png), as the other browser tests' do."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from onboarding.extensions import db
from onboarding.plans.models import PlanItem
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import TODAY

pytestmark = pytest.mark.browser

HELP_DESK = "The help desk"
STATUS_PAGE = "The status page"  # the other item of the help desk's group
TICKETS = "Answer ten customer tickets with a reviewer."
WIDTHS = [1366, 390]


@pytest.fixture
def hire_plan(make_user, make_plan):
    """Ada, ten days into her plan: the 30-day phase is current."""
    manager = make_user(email="grace@example.com", name="Grace Hopper", role="manager")
    buddy = make_user(email="bob@example.com", name="Bob Buddy", role="hire")
    hire = make_user(email="ada@example.com", name="Ada Lovelace", role="hire", manager_email=manager.email)
    return make_plan(hire=hire, manager=manager, buddy=buddy, start_on=TODAY - timedelta(days=10))


def state_of(plan_id: int, text: str) -> str:
    db.session.rollback()
    return db.session.scalar(select(PlanItem.state).where(PlanItem.plan_id == plan_id, PlanItem.text == text))


def at_width(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})


def assert_fits(page, width: int, what: str) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{what} at {width} px scrolls sideways: {scroll} px wide"


def focused(page) -> dict:
    return page.evaluate("({id: document.activeElement.id, text: document.activeElement.textContent.trim(),"
                         " tag: document.activeElement.tagName})")


def tab_to(page, element_id: str, limit: int = 60) -> None:
    """Press Tab until the element has the focus, as someone on a keyboard would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page)["id"] == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


@pytest.mark.parametrize("width", WIDTHS)
def test_keyboard_only_ticking_in_place_with_undo(new_page, hire_plan, width, axe):
    page = new_page(javascript=True)
    at_width(page, width)
    sign_in(page, "ada@example.com")
    expect(page.get_by_role("heading", name="My plan", level=1)).to_be_visible()
    box = page.get_by_role("checkbox", name=HELP_DESK, exact=True)
    item_id = box.get_attribute("id").removeprefix("done-")
    page.screenshot(path=f"/tmp/hire-page-plan-{width}.png", full_page=True)
    assert_fits(page, width, "the hire's plan")
    assert_accessible(axe, page, f"the hire's plan at {width} px")
    page.evaluate("window.notReloaded = true")

    tab_to(page, f"done-{item_id}")
    page.keyboard.press("Space")
    expect(page.locator("#tick-live")).to_contain_text(f"Ticked “{HELP_DESK}”.")
    expect(page.get_by_role("checkbox", name=HELP_DESK, exact=True)).to_be_checked()
    assert focused(page)["id"] == f"done-{item_id}"  # focus stays on the item
    assert page.evaluate("window.notReloaded === true")  # in place: no page load
    assert state_of(hire_plan.id, HELP_DESK) == "done"
    expect(page.locator(f"#item-{item_id}")).to_contain_text("Done, waiting for sign-off")
    expect(page.get_by_role("progressbar", name="30 days progress")).to_have_attribute("aria-valuenow", "1")
    page.screenshot(path=f"/tmp/hire-page-ticked-{width}.png", full_page=True)
    assert_fits(page, width, "the hire's plan after a tick")
    assert_accessible(axe, page, f"the hire's plan after a tick at {width} px")

    # Undo is the next stop for Tab, and works from the keyboard.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Undo"
    page.keyboard.press("Enter")
    expect(page.locator("#tick-live")).to_contain_text(f"Unticked “{HELP_DESK}”.")
    expect(page.get_by_role("checkbox", name=HELP_DESK, exact=True)).not_to_be_checked()
    assert focused(page)["id"] == f"done-{item_id}"
    assert state_of(hire_plan.id, HELP_DESK) == "open"

    # Space on a ticked box unticks it, but never silently: it says so and offers Undo.
    page.keyboard.press("Space")
    expect(page.locator("#tick-live")).to_contain_text(f"Ticked “{HELP_DESK}”.")
    expect(page.get_by_role("checkbox", name=HELP_DESK, exact=True)).to_be_checked()
    page.keyboard.press("Space")
    expect(page.locator("#tick-live")).to_contain_text(f"Unticked “{HELP_DESK}”.")
    assert state_of(hire_plan.id, HELP_DESK) == "open"
    undo = page.locator(f"#item-{item_id}").get_by_role("button", name="Undo")
    expect(undo).to_be_visible()
    undo.click()
    expect(page.get_by_role("checkbox", name=HELP_DESK, exact=True)).to_be_checked()
    assert state_of(hire_plan.id, HELP_DESK) == "done"
    # Undo goes away after a few seconds.
    expect(page.locator(f"#item-{item_id}").get_by_role("button", name="Undo")).to_have_count(0, timeout=15_000)

    # A ticked item still takes a note, saved in place.
    item = page.locator(f"#item-{item_id}")
    item.locator("summary", has_text="Add a note or evidence link").click()
    item.get_by_label("Note", exact=True).fill("Shadowed Sam for a morning.")
    item.get_by_role("button", name="Save note").click()
    expect(page.locator("#tick-live")).to_contain_text(f"Saved the note and evidence link of “{HELP_DESK}”.")
    expect(page.locator(f"#item-{item_id}")).to_contain_text("Note: Shadowed Sam for a morning.")
    assert page.evaluate("window.notReloaded === true")

    # Ticking the group's other item finishes the group: its badge changes in place too.
    group_id = db.session.scalar(select(PlanItem.parent_id).where(PlanItem.id == int(item_id)))
    group = page.locator(f"#row-{group_id}")
    expect(group.locator(".badge", has_text="Done")).to_have_count(0)
    page.get_by_role("checkbox", name=STATUS_PAGE, exact=True).check()
    expect(page.locator("#tick-live")).to_contain_text(f"Ticked “{STATUS_PAGE}”.")
    expect(group.locator(".badge", has_text="Done")).to_be_visible()
    assert page.evaluate("window.notReloaded === true")


def test_ticking_an_overdue_item_in_place_updates_the_line_its_phase_shows_for_it(new_page, make_user, make_plan):
    manager = make_user(email="grace@example.com", name="Grace Hopper", role="manager")
    hire = make_user(email="ada@example.com", name="Ada Lovelace", role="hire", manager_email=manager.email)
    plan = make_plan(hire=hire, manager=manager, start_on=TODAY - timedelta(days=45))  # day-30 items overdue
    page = new_page(javascript=True)
    at_width(page, 1366)
    sign_in(page, "ada@example.com")
    needs = page.get_by_role("region", name=re.compile("Needs you first"))
    box = needs.get_by_role("checkbox", name=TICKETS, exact=True)
    item_id = box.get_attribute("id").removeprefix("done-")
    pointer = page.locator(f"#pointer-{item_id}")
    expect(pointer).to_contain_text("Overdue: see “Needs you first”")
    box.focus()
    page.keyboard.press("Space")
    expect(page.locator("#tick-live")).to_contain_text(f"Ticked “{TICKETS}”")
    expect(pointer).to_contain_text("Done, waiting for sign-off: see “Needs you first”")
    assert state_of(plan.id, TICKETS) == "done"
    page.locator(f"#item-{item_id}").get_by_role("button", name="Undo").click()
    expect(pointer).to_contain_text("Overdue: see “Needs you first”")
    assert state_of(plan.id, TICKETS) == "open"


@pytest.mark.parametrize("width", WIDTHS)
def test_ticking_without_javascript_posts_and_comes_back_to_the_item(new_page, hire_plan, width):
    page = new_page(javascript=False)
    at_width(page, width)
    sign_in(page, "ada@example.com")
    box = page.get_by_role("checkbox", name=TICKETS, exact=True)
    form = page.locator("form.tick").filter(has=box)
    box.check()
    form.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"Ticked “{TICKETS}”")
    expect(page.get_by_role("status")).not_to_contain_text(f"“{TICKETS}”.")
    expect(page).to_have_url(re.compile(r"/plan#item-\d+$"))
    expect(page.get_by_role("checkbox", name=TICKETS, exact=True)).to_be_checked()
    assert state_of(hire_plan.id, TICKETS) == "done"
    page.screenshot(path=f"/tmp/hire-page-nojs-{width}.png", full_page=True)
    assert_fits(page, width, "the hire's plan without JavaScript")
    # (axe needs JavaScript to run; the same markup is checked with it on, above.)


@pytest.mark.parametrize("width", WIDTHS)
def test_before_day_one_the_hire_reads_a_welcome_and_cannot_tick(new_page, make_user, make_plan, width, axe):
    manager = make_user(email="grace@example.com", name="Grace Hopper", role="manager")
    hire = make_user(email="ada@example.com", name="Ada Lovelace", role="hire", manager_email=manager.email)
    plan = make_plan(hire=hire, manager=manager, start_on=TODAY + timedelta(days=7))
    page = new_page(javascript=True)
    at_width(page, width)
    sign_in(page, "ada@example.com")
    welcome = page.get_by_role("region", name="Welcome, Ada Lovelace")
    expect(welcome).to_contain_text("You start on 9 Mar 2026, in 7 days")
    expect(welcome.get_by_role("link", name="grace@example.com")).to_have_attribute("href", "mailto:grace@example.com")
    expect(page.get_by_text(TICKETS)).to_be_visible()  # the plan is there to read
    expect(page.get_by_role("checkbox")).to_have_count(0)
    expect(page.get_by_text("Not started", exact=True)).to_be_visible()
    page.screenshot(path=f"/tmp/hire-page-prestart-{width}.png", full_page=True)
    assert_fits(page, width, "the welcome page")
    assert_accessible(axe, page, f"the welcome page at {width} px")
    assert state_of(plan.id, TICKETS) == "open"
