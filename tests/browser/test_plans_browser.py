"""A hire and their manager in a real browser, with JavaScript on and off.

The hire ticks milestones (found by the checkbox the milestone's text labels) and adds a note; the
manager signs one off, sends one back with a comment and records a check-in; the hire sees the
comment. The same flow runs with JavaScript disabled, to prove the pages need none.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import TODAY

pytestmark = pytest.mark.browser

# Milestones of tests.conftest.sample_role(): a 30-day group with two sub-items, then a plain item.
GROUP = "Learn the ticket queue and its tools:"
HELP_DESK = "The help desk"
STATUS_PAGE = "The status page"
TICKETS = "Answer ten customer tickets with a reviewer."
NOTE = "Reviewed with Sam; the ten tickets are tagged 'onboarding' in the queue."
SEND_BACK = "Two of the answers skipped the reviewer: redo those with Sam."
CHECK_IN_NOTES = "Good start on the tools; the reviewed answers need another pass."
SELF_ASSESSMENT = "The tools are clear now; writing good answers takes me longer than I hoped."


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def javascript(request) -> bool:
    return request.param


@pytest.fixture
def team(make_user, make_plan):
    """Grace manages Ada, whose plan started 35 days ago: the 30-day phase has just ended."""
    manager = make_user(email="grace@example.com", name="Grace Hopper", role="manager")
    hire = make_user(email="ada@example.com", name="Ada Lovelace", role="hire", manager_email=manager.email)
    plan = make_plan(hire=hire, manager=manager, start_on=TODAY - timedelta(days=35))
    return {"manager": manager, "hire": hire, "plan_id": plan.id}


def tick(page, text: str, *, javascript: bool, note: str | None = None) -> None:
    """Tick a milestone by its checkbox's accessible name (the milestone's text)."""
    box = page.get_by_role("checkbox", name=text, exact=True)
    form = page.locator("form.tick").filter(has=box)
    if note:
        form.locator("summary", has_text="Add a note or evidence link").click()
        form.get_by_label("Note", exact=True).fill(note)
    box.check()  # with JavaScript, plan.js posts the form (the note with it) and puts the answer in place
    if javascript:
        expect(page.locator("#tick-live")).to_contain_text(f"Ticked “{text}”")
    else:
        form.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text(f"Ticked “{text}”")
    expect(page.get_by_role("checkbox", name=text, exact=True)).to_be_checked()


def test_hire_ticks_manager_reviews_hire_sees_the_comment(new_page, team, javascript, axe):
    hire_page = new_page(javascript=javascript)
    manager_page = new_page(javascript=javascript)

    # --- the hire ticks milestones, one with a note, and writes a self-assessment --------------
    sign_in(hire_page, "ada@example.com")
    expect(hire_page).to_have_url(re.compile(r"/plan$"))
    expect(hire_page.get_by_role("heading", name="My plan", level=1)).to_be_visible()
    # Day 36: the 30-day items are overdue, so they come first.
    expect(hire_page.get_by_role("region", name="Needs you first (3)")).to_contain_text(HELP_DESK)
    # A group is done when its sub-items are: it has no checkbox of its own.
    expect(hire_page.get_by_role("checkbox", name=GROUP)).to_have_count(0)

    tick(hire_page, HELP_DESK, javascript=javascript)
    tick(hire_page, STATUS_PAGE, javascript=javascript)
    tick(hire_page, TICKETS, javascript=javascript, note=NOTE)
    tickets_item = hire_page.get_by_role("listitem").filter(has=hire_page.get_by_role("checkbox", name=TICKETS, exact=True))
    expect(tickets_item).to_contain_text(f"Note: {NOTE}")
    expect(tickets_item).to_contain_text("Done, waiting for sign-off")
    hire_page.reload()
    # Every 30-day item is ticked: the phase folds, its summary giving the count.
    day30 = hire_page.get_by_role("region", name=re.compile(r"^30-day goals"))
    expect(day30).to_contain_text("3 of 3 done (0 signed off, 3 waiting for sign-off)")

    sa = hire_page.get_by_label("Your self-assessment for 30 days")
    sa.fill(SELF_ASSESSMENT)
    hire_page.locator("#checkin-day-30").get_by_role("button", name="Save self-assessment").click()
    expect(hire_page.get_by_role("status")).to_contain_text("Your self-assessment for 30 days is saved")
    if javascript:
        assert_accessible(axe, hire_page, "the hire's plan, items ticked")

    # --- the manager's dashboard, then the report's plan ---------------------------------------
    sign_in(manager_page, "grace@example.com")
    expect(manager_page).to_have_url(re.compile(r"/team$"))
    expect(manager_page.get_by_role("heading", name="My team", level=1)).to_be_visible()
    row = manager_page.get_by_role("row").filter(has=manager_page.get_by_role("link", name="Ada Lovelace"))
    expect(row).to_contain_text("Support Engineer")
    expect(row).to_contain_text("Day 36")
    expect(row.get_by_role("link", name="3 items")).to_be_visible()
    if javascript:
        manager_page.screenshot(path="/tmp/browser-manager-dashboard.png", full_page=True)
        assert_accessible(axe, manager_page, "the manager's dashboard")

    row.get_by_role("link", name="Ada Lovelace").click()
    expect(manager_page.get_by_role("heading", name="Ada Lovelace’s plan", level=1)).to_be_visible()
    expect(manager_page.get_by_role("region", name="Waiting for your sign-off (3)")).to_be_visible()
    if javascript:
        assert_accessible(axe, manager_page, "a report's plan (manager)")

    # Sign one off: the button is "Sign off", in the group named by the milestone.
    manager_page.get_by_role("group", name=HELP_DESK, exact=True).get_by_role("button", name="Sign off").click()
    expect(manager_page.get_by_role("status")).to_contain_text(f"Signed off “{HELP_DESK}”.")
    expect(manager_page.get_by_role("region", name="Waiting for your sign-off (2)")).to_be_visible()

    # Send one back with a comment.
    tickets = manager_page.get_by_role("group", name=TICKETS, exact=True)
    tickets.locator("summary", has_text="Send back with a comment").click()
    tickets.get_by_label("What needs to change").fill(SEND_BACK)
    tickets.get_by_role("button", name="Send back", exact=True).click()
    expect(manager_page.get_by_role("status")).to_contain_text(f"Sent “{TICKETS}” back with your comment.")
    expect(manager_page.get_by_role("region", name="Waiting for your sign-off (1)")).to_be_visible()

    # Record the 30-day check-in, the hire's self-assessment beside it.
    checkin = manager_page.get_by_role("form", name="Check-in at 30 days")
    expect(manager_page.locator("#checkin-day-30")).to_contain_text(SELF_ASSESSMENT)
    checkin.get_by_role("radio", name="At risk").check()
    checkin.get_by_label("Notes").fill(CHECK_IN_NOTES)
    checkin.get_by_role("button", name="Record check-in").click()
    expect(manager_page.get_by_role("status")).to_contain_text("Check-in at 30 days recorded.")
    card = manager_page.locator("#checkin-day-30")
    expect(card).to_contain_text("Recorded: At risk")
    expect(card).to_contain_text(CHECK_IN_NOTES)
    expect(card.get_by_role("radio")).to_have_count(0)  # a held check-in reads; the next one is the open form
    expect(manager_page.get_by_role("form", name="Check-in at 60 days")).to_be_visible()
    if javascript:
        manager_page.screenshot(path="/tmp/browser-manager-plan.png", full_page=True)

    # --- the hire sees the outcome ---------------------------------------------------------------
    hire_page.goto("/plan")
    sent_back = hire_page.get_by_role("region", name="Needs you first (1)")
    expect(sent_back).to_contain_text(TICKETS)
    expect(sent_back).to_contain_text(SEND_BACK)
    item = hire_page.locator("li.sent-back").filter(has=hire_page.get_by_role("checkbox", name=TICKETS, exact=True))
    expect(item).to_contain_text(f"Sent back by the manager: {SEND_BACK}")
    expect(hire_page.get_by_role("checkbox", name=TICKETS, exact=True)).not_to_be_checked()
    # Signed off, an item has nothing left to tick: it reads "Signed off" in its (folded) phase.
    expect(hire_page.get_by_role("checkbox", name=HELP_DESK, exact=True)).to_have_count(0)
    expect(hire_page.locator("#phase-day-30")).to_contain_text("Signed off")
    expect(hire_page.locator("#checkin-day-30")).to_contain_text("Your manager recorded: At risk")
    expect(hire_page.locator("#checkin-day-30")).to_contain_text(CHECK_IN_NOTES)
    if javascript:
        hire_page.screenshot(path="/tmp/browser-hire-plan.png", full_page=True)
        assert_accessible(axe, hire_page, "the hire's plan, with an item sent back")

    # The hire does the work again and ticks it: it waits for sign-off once more.
    tick(hire_page, TICKETS, javascript=javascript)
    expect(hire_page.locator("li.sent-back")).to_have_count(0)
    manager_page.reload()
    expect(manager_page.get_by_role("region", name="Waiting for your sign-off (2)")).to_be_visible()


def test_hire_unticks_before_sign_off(new_page, team, javascript):
    page = new_page(javascript=javascript)
    sign_in(page, "ada@example.com")
    tick(page, HELP_DESK, javascript=javascript)
    box = page.get_by_role("checkbox", name=HELP_DESK, exact=True)
    form = page.locator("form.tick").filter(has=box)
    box.uncheck()  # plan.js posts this too
    if javascript:
        expect(page.locator("#tick-live")).to_contain_text(f"Unticked “{HELP_DESK}”.")
    else:
        form.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text(f"Unticked “{HELP_DESK}”.")
    expect(page.get_by_role("checkbox", name=HELP_DESK, exact=True)).not_to_be_checked()


def test_a_bad_evidence_link_is_refused_and_the_note_kept(new_page, team, javascript):
    page = new_page(javascript=javascript)
    sign_in(page, "ada@example.com")
    box = page.get_by_role("checkbox", name=TICKETS, exact=True)
    form = page.locator("form.tick").filter(has=box)
    form.locator("summary", has_text="Add a note or evidence link").click()
    form.get_by_label("Note", exact=True).fill(NOTE)
    form.get_by_label("Evidence link").fill("javascript:alert(1)")
    box.check()  # a javascript: address is a valid URL to the browser: the server refuses it
    if not javascript:
        form.get_by_role("button", name="Save", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert.first).to_contain_text("evidence link must start with http:// or https://")
    box = page.get_by_role("checkbox", name=TICKETS, exact=True)
    expect(box).not_to_be_checked()
    expect(page.locator("form.tick").filter(has=box).get_by_label("Note", exact=True)).to_have_value(NOTE)


def test_plan_page_and_history_for_the_manager(page, team, axe):
    sign_in(page, "grace@example.com")
    page.goto(f"/plans/{team['plan_id']}")
    expect(page.get_by_role("heading", name="Ada Lovelace’s plan", level=1)).to_be_visible()
    assert_accessible(axe, page, "a plan's read page (manager)")
    page.get_by_role("textbox", name="Comment", exact=True).fill("Welcome aboard, Ada!")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_role("status")).to_contain_text("Your comment is added.")
    expect(page.get_by_role("region", name="Comments")).to_contain_text("Welcome aboard, Ada!")
    page.get_by_role("link", name="Full history").click()
    expect(page.get_by_role("heading", name="History of Ada Lovelace’s plan")).to_be_visible()
    assert_accessible(axe, page, "a plan's history")


def test_someone_elses_plan_answers_404(page, team, make_user, make_plan):
    other = make_plan()
    sign_in(page, "ada@example.com")
    assert page.goto(f"/plans/{other.id}").status == 404
    assert page.goto(f"/plans/{team['plan_id']}").status == 200


@pytest.fixture
def buddy(make_user, make_plan):
    """Ada's plan with Bob as her buddy."""
    manager = make_user(email="grace@example.com", name="Grace Hopper", role="manager")
    hire = make_user(email="ada@example.com", name="Ada Lovelace", role="hire", manager_email=manager.email)
    bob = make_user(email="bob@example.com", name="Bob Buddy", role="hire")
    plan = make_plan(hire=hire, manager=manager, buddy=bob)
    return {"plan_id": plan.id}


def test_buddy_reads_the_plan_and_comments(page, buddy, axe):
    sign_in(page, "bob@example.com")
    page.goto(f"/plans/{buddy['plan_id']}")
    expect(page.get_by_role("heading", name="Ada Lovelace’s plan", level=1)).to_be_visible()
    expect(page.get_by_text(TICKETS)).to_be_visible()
    # A buddy reads: no checkbox to tick, no sign-off.
    expect(page.get_by_role("checkbox")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign off")).to_have_count(0)
    page.get_by_role("textbox", name="Comment", exact=True).fill("Ping me for the help desk tour, Ada.")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_role("region", name="Comments")).to_contain_text("Bob Buddy")
    expect(page.get_by_role("region", name="Comments")).to_contain_text("Ping me for the help desk tour, Ada.")
    assert_accessible(axe, page, "a plan's read page (buddy)")


def test_buddy_finds_the_plan_from_the_home_page(page, buddy):
    sign_in(page, "bob@example.com")
    page.get_by_role("link", name=re.compile("Ada Lovelace")).first.click()
    expect(page).to_have_url(re.compile(rf"/plans/{buddy['plan_id']}$"))
