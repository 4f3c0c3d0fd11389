"""An admin in a real browser: add a hire, edit their plan, find plans and people; every page
checked with axe-core."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def org(make_user, make_role):
    """An admin, a manager and the sample role template."""
    admin = make_user(email="admin@example.com", name="Ada Admin", role="admin")
    manager = make_user(email="grace@example.com", name="Grace Hopper", role="manager")
    role = make_role()
    return {"admin": admin, "manager": manager, "role": role}


def test_admin_adds_a_hire_then_edits_the_plan(page, org, axe):
    sign_in(page, "admin@example.com")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="All plans").click()
    expect(page.get_by_role("heading", name="All plans", level=1)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("No plans yet.")
    assert_accessible(axe, page, "all plans (empty)")

    page.get_by_role("link", name="Add a hire").first.click()
    expect(page.get_by_role("heading", name="Add a hire", level=1)).to_be_visible()
    assert_accessible(axe, page, "add-a-hire form")
    page.get_by_label("Name", exact=True).fill("Katherine Johnson")
    page.get_by_label("Email", exact=True).fill("katherine@example.com")
    page.get_by_label("Role template").select_option(label="Support Engineer")
    page.get_by_label("Start date").fill("2026-03-02")
    page.get_by_label("Manager", exact=True).fill("grace@example.com")
    page.get_by_role("button", name="Add hire and make the plan").click()

    expect(page.get_by_role("heading", name="Katherine Johnson’s plan", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Added Katherine Johnson (new account) with a plan from Support Engineer; an invitation is on its way.")
    expect(page.get_by_role("main")).to_contain_text("manager: Grace Hopper")
    assert_accessible(axe, page, "a plan (admin)")

    # Reword an item for this plan only.
    articles = page.get_by_role("group", name="Write two help articles.", exact=True)
    articles.locator("summary", has_text="Edit text").click()
    articles.get_by_label("Item text").fill("Write three help articles.")
    articles.get_by_role("button", name="Save text").click()
    expect(page.get_by_role("status")).to_contain_text("Item text saved.")

    # Waive one with a reason.
    incident = page.get_by_role("group", name="Lead an incident review.", exact=True)
    incident.locator("summary", has_text="Waive").click()
    incident.get_by_label("Reason for waiving").fill("Our team has no incidents this year.")
    incident.get_by_role("button", name="Waive").click()
    expect(page.get_by_role("status")).to_contain_text("Waived “Lead an incident review.”")
    expect(page.get_by_role("status")).not_to_contain_text("review.”.")  # one full stop, the item's own
    waived = page.get_by_role("listitem").filter(has_text="Lead an incident review.")
    expect(waived).to_contain_text("Waived: Our team has no incidents this year.")

    # Add an item under a 30-day group.
    page.get_by_label("Phase", exact=True).select_option(label="30-day goals (learn the product)")
    page.get_by_label("Under", exact=True).select_option(label="30 days: Learn the ticket queue and its tools:")
    page.get_by_role("textbox", name="Item", exact=True).fill("The on-call rota")
    page.get_by_role("button", name="Add item").click()
    expect(page.get_by_role("status")).to_contain_text("Added “The on-call rota” to this plan.")
    added = page.get_by_role("listitem").filter(has_text="The on-call rota").last
    expect(added).to_contain_text("This plan only")

    # The template did not change.
    page.goto("/admin/roles/support-engineer")
    expect(page.get_by_text("Write two help articles.")).to_be_visible()
    expect(page.get_by_text("The on-call rota")).to_have_count(0)

    # The plan is in the list with its manager.
    page.goto("/admin/plans")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Katherine Johnson"))
    expect(row).to_contain_text("Grace Hopper")
    expect(row).to_contain_text("Support Engineer")
    assert_accessible(axe, page, "all plans")


def test_waiving_a_group_says_what_goes_with_it_and_asks(page, org, make_user, make_plan, axe):
    plan = make_plan(manager=org["manager"], role=org["role"])
    sign_in(page, "admin@example.com")
    page.goto(f"/admin/plans/{plan.id}")
    group = page.get_by_role("group", name="Learn the ticket queue and its tools:", exact=True)
    group.locator("summary", has_text="Waive the group (2 sub-items)").click()
    expect(group).to_contain_text("Waiving this group waives its 2 open or done sub-items:")
    group.get_by_label("Reason for waiving").fill("This team uses other tools.")
    assert_accessible(axe, page, "a group's waive form")
    group.get_by_role("button", name="Waive 2 sub-items").click()  # the tick is required: nothing is sent
    expect(group.get_by_role("checkbox", name="Yes, waive all 2")).to_be_visible()
    assert page.evaluate("document.querySelector('input[name=confirm]').validity.valueMissing")
    group.get_by_role("checkbox", name="Yes, waive all 2").check()
    group.get_by_role("button", name="Waive 2 sub-items").click()
    expect(page.get_by_role("status")).to_have_text(
        "Waived “Learn the ticket queue and its tools:” and its 2 sub-items; the reason is kept once, on the group.")
    expect(page.get_by_text("Waived with its group.")).to_have_count(2)
    expect(page.get_by_text("This team uses other tools.")).to_have_count(1)


def test_plans_without_a_manager_show_on_the_dashboard_and_filter(page, org, make_user, make_plan, axe):
    lonely = make_user(email="lonely@example.com", name="Lin Lonely", role="hire")
    make_plan(hire=lonely, manager=False, role=org["role"])
    make_plan(manager=org["manager"], role=org["role"])
    sign_in(page, "admin@example.com")

    attention = page.get_by_role("region", name="Plans without a manager (1)")
    expect(attention).to_contain_text("lonely@example.com")
    assert_accessible(axe, page, "admin dashboard with a plan without a manager")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="All plans").click()
    expect(page.locator("main p[role=status]")).to_have_text("2 plans.")
    page.get_by_label("Manager").select_option(label="No manager yet")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("main p[role=status]")).to_have_text("1 plan matches the filters.")
    expect(page.get_by_role("row").filter(has_text="Lin Lonely")).to_contain_text("No manager")
    assert_accessible(axe, page, "all plans, filtered")

    # Set the manager from the plan page: the warning goes away.
    page.get_by_role("link", name="Lin Lonely").click()
    expect(page.get_by_role("main")).to_contain_text("This plan has no manager.")
    people = page.get_by_role("form", name="Manager and buddy")
    people.get_by_label("Manager", exact=True).fill("grace@example.com")
    people.get_by_role("button", name="Save manager and buddy").click()
    expect(page.get_by_role("status")).to_contain_text("Manager and buddy saved.")
    expect(page.get_by_role("main")).not_to_contain_text("This plan has no manager.")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("region", name=re.compile(r"^Plans without a manager"))).to_have_count(0)


def test_people_page_adds_a_person(page, org, axe):
    sign_in(page, "admin@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()
    assert_accessible(axe, page, "people")
    form = page.get_by_role("region", name="Add a person")
    form.get_by_label("Name", exact=True).fill("Dorothy Vaughan")
    form.get_by_label("Email", exact=True).fill("dorothy@example.com")
    form.get_by_label("Account type").select_option(label="Manager")
    form.get_by_label("Password (optional)").fill("a long enough password")
    form.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("status")).to_contain_text("Added Dorothy Vaughan (dorothy@example.com).")
    expect(page.get_by_role("row").filter(has_text="dorothy@example.com")).to_contain_text("Manager")


@pytest.mark.parametrize("path,heading", [
    ("/admin/holidays", "Working days and holidays"),
    ("/admin/outbox", None),
    ("/preferences", None),
    ("/team", "My team"),
    ("/plan", "My plan"),
])
def test_more_pages_are_accessible_to_an_admin(page, org, axe, path, heading):
    sign_in(page, "admin@example.com")
    response = page.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    if heading:
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    assert_accessible(axe, page, path)


def test_move_a_plan_to_a_newer_template_version(page, org, make_user, make_plan, axe):
    from onboarding.extensions import db
    from onboarding.plans.states import complete_item
    from tests.conftest import NOW

    hire = make_user(email="ada@example.com", name="Ada Lovelace", role="hire")
    plan = make_plan(hire=hire, manager=org["manager"], role=org["role"])
    tickets = next(i for i in plan.items if i.text == "Answer ten customer tickets with a reviewer.")
    complete_item(tickets, hire, now=NOW)
    db.session.commit()
    sign_in(page, "admin@example.com")

    # The admin edits the template: one 60-day milestone added, one 90-day milestone removed.
    page.goto("/admin/roles/support-engineer/edit")
    day60 = page.get_by_role("group", name=re.compile(r"^60-day goals")).get_by_label("Milestones")
    day60.fill(day60.input_value() + "\nRun a customer webinar.")
    day90 = page.get_by_role("group", name=re.compile(r"^90-day goals")).get_by_label("Milestones")
    day90.fill("Write a troubleshooting guide.")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_role("status")).to_contain_text("Saved as version 2.")

    page.goto(f"/admin/plans/{plan.id}")
    page.get_by_role("link", name="Move to version 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move Ada Lovelace’s plan to a newer version")
    expect(page.get_by_role("region", name="Added (2)")).to_contain_text("Run a customer webinar.")
    expect(page.get_by_role("region", name="Removed (1)")).to_contain_text("Write two help articles.")
    assert_accessible(axe, page, "plan upgrade preview")
    page.get_by_role("button", name="Move to version 2").click()

    expect(page.get_by_role("status")).to_contain_text("Moved to version 2: 2 added, 1 removed")
    expect(page.get_by_role("main")).to_contain_text("Support Engineer version 2")
    expect(page.get_by_text("Write two help articles.")).to_have_count(0)
    kept = page.get_by_role("listitem").filter(has_text="Answer ten customer tickets with a reviewer.")
    expect(kept).to_contain_text("Done, waiting for sign-off")


def test_outbox_with_queued_digests_is_accessible(page, org, make_user, make_plan, axe):
    from datetime import timedelta

    from onboarding.reminders.build import build_digests
    from tests.conftest import NOW, TODAY

    hire = make_user(email="ada@example.com", name="Ada Lovelace", role="hire", digest_cadence="daily")
    make_plan(hire=hire, manager=org["manager"], role=org["role"], start_on=TODAY - timedelta(days=40))
    assert build_digests(NOW) >= 1
    sign_in(page, "admin@example.com")
    page.goto("/admin/outbox")
    expect(page.get_by_role("heading", name="Outbox", level=1)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("ada@example.com")
    assert_accessible(axe, page, "outbox with queued mail")


def test_admin_reaches_the_outbox_from_the_navigation(page, org):
    sign_in(page, "admin@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outbox").click(timeout=2_000)
    expect(page.get_by_role("heading", name="Outbox", level=1)).to_be_visible()
