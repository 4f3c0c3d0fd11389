"""Every page, as each kind of person sees it, at a desktop width (1366 px) and a phone's (390 px).

On each page: the document is no wider than the window (no sideways page scrolling: wide tables
scroll inside their own box, their first column kept in view), every checkbox and radio button sits on its label's line, axe-core
finds no violation of any impact, and a full-page screenshot
is saved for a person to look at (ONBOARDING_SCREENSHOTS names the folder; default
/tmp/onboarding-screens). One browser, one context per person, the window resized between widths.

Layout does not depend on the database, so this file runs on SQLite only (it is the slow part).
"""
from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from onboarding.extensions import db
from tests.browser.conftest import sign_in
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.browser

WIDTHS = (1366, 390)
SHOTS = Path(os.environ.get("ONBOARDING_SCREENSHOTS", "/tmp/onboarding-screens"))


@pytest.fixture
def database_url(tmp_path, sqlite_template):
    """SQLite only (see the module's docstring)."""
    target = tmp_path / "test.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def shots() -> Path:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    return SHOTS


@pytest.fixture
def world(make_user, make_plan):
    """An admin; Grace manages Ada (day 36, some items ticked, one signed off, a comment) and Cleo
    (starts next week); Ben is Ada's buddy and a hire himself; a webhook, an API token, a holiday,
    an invitation waiting in the outbox."""
    from onboarding.org.operations import add_holiday
    from onboarding.people.invitations import invite_new_person
    from onboarding.people.tokens import create_token
    from onboarding.plans.check_ins import add_comment, record_check_in
    from onboarding.plans.states import complete_item, sign_off_item
    from onboarding.webhooks.operations import add_endpoint

    admin = make_user(email="admin@example.com", name="Alex Admin", role="admin")
    add_endpoint("https://hr.example.com/hooks", ["item.completed", "item.signed_off"], actor=admin, now=NOW)
    db.session.commit()
    grace = make_user(email="grace@example.com", name="Grace Hopper", role="manager")
    ben = make_user(email="ben@example.com", name="Ben Buddy", role="hire", manager_email=grace.email)
    ada = make_user(email="ada@example.com", name="Ada Lovelace", role="hire", manager_email=grace.email)
    cleo = make_user(email="cleo@example.com", name="Cleo Newcomer-With-A-Long-Name", role="hire",
                     manager_email=grace.email)
    plan = make_plan(hire=ada, manager=grace, buddy=ben, start_on=TODAY - timedelta(days=35))
    make_plan(hire=ben, manager=grace, start_on=TODAY - timedelta(days=100))
    make_plan(hire=cleo, manager=grace, start_on=TODAY + timedelta(days=7))
    make_plan(manager=False, start_on=TODAY - timedelta(days=3))
    items = {i.text: i for i in plan.items}
    complete_item(items["The help desk"], ada, note="Read the runbook.", now=NOW)
    complete_item(items["The status page"], ada, now=NOW)
    sign_off_item(items["The help desk"], grace, NOW)
    complete_item(items["Answer ten customer tickets with a reviewer."], ada,
                  evidence_url="https://tickets.example.com/queue?tag=onboarding-first-ten", now=NOW)
    record_check_in(plan, "day-30", grace, "on track", "A good first month.", NOW)
    add_comment(plan, ben, "Happy to pair on the status page any afternoon.", NOW)
    add_holiday(TODAY + timedelta(days=20), "Spring holiday", now=NOW, actor=admin)
    create_token(admin, "HRIS sync", actor=None, now=NOW)
    dan = make_user(email="dan@example.com", name="Dan Invited", role="hire", password=None)
    invite_new_person(dan, invite=True, actor=admin, now=NOW)
    db.session.commit()
    return {"plan_id": plan.id, "ada_id": ada.id, "slug": "support-engineer"}


def pages_for(who: str, world: dict) -> list[str]:
    plan = world["plan_id"]
    common = ["/preferences", "/account/password"]
    if who == "hire":
        return ["/plan", f"/plans/{plan}/history", *common]
    if who == "buddy":
        return ["/plan", f"/plans/{plan}", f"/plans/{plan}/history", *common]
    if who == "manager":
        return ["/team", f"/team/plans/{plan}", f"/plans/{plan}/history", "/insights", "/plan", *common]
    slug = world["slug"]
    return ["/admin/", "/admin/plans", "/admin/plans?status=on+track", f"/admin/plans/{plan}",
            f"/admin/plans/{plan}/upgrade", "/admin/plans/new", "/admin/hires/import", "/admin/people",
            f"/admin/people/{world['ada_id']}", f"/admin/people/{world['ada_id']}/erase", "/admin/roles",
            f"/admin/roles/{slug}", f"/admin/roles/{slug}/edit", f"/admin/roles/{slug}/history",
            "/admin/roles/import", "/admin/holidays", "/admin/tokens", "/admin/webhooks", "/admin/outbox",
            "/insights", f"/plans/{plan}", f"/plans/{plan}/history", "/team", "/plan", "/api/v1/docs", *common]


def shot_name(who: str, path: str, width: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    return f"{who}-{slug}-{width}.png"


def check_page(page, axe, shots: Path, who: str, path: str, problems: list[str]) -> None:
    """Open `path` at each width: fits the window, no axe violation, screenshot saved."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{who} {path}: HTTP {response and response.status}"
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            wide = page.evaluate("""(w) => [...document.querySelectorAll('main *, header *')]
                .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-scroll'))
                .slice(0, 4).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))""", width)
            problems.append(f"{who} {path} at {width}px: {scroll}px wide ({', '.join(wide)})")
        apart = page.evaluate("""() => [...document.querySelectorAll('input[type=checkbox][id], input[type=radio][id]')]
            .map(box => [box, document.querySelector(`label[for="${box.id}"]`)])
            .filter(([box, label]) => label && box.offsetParent && label.offsetParent)
            .filter(([box, label]) => {
                const b = box.getBoundingClientRect(), l = label.getBoundingClientRect();
                return l.top > b.bottom || b.top > l.top + 24 || l.left > b.right + 24;  // not on its line
            }).map(([box, label]) => label.textContent.trim().slice(0, 40))""")
        if apart:
            problems.append(f"{who} {path} at {width}px: a box is not beside its label: {apart[:3]}")
        drifted = page.evaluate("""() => [...document.querySelectorAll('.table-scroll')]
            .filter(box => box.scrollWidth > box.clientWidth && !box.querySelector('table.history'))
            .filter(box => {
                box.scrollLeft = box.scrollWidth;  // scrolled to the end, the first column stays at the left edge
                const cell = box.querySelector('tbody tr > :first-child');
                const off = cell && Math.abs(cell.getBoundingClientRect().left - box.getBoundingClientRect().left) > 1;
                box.scrollLeft = 0;
                return off;
            }).map(box => box.getAttribute('aria-label'))""")
        if drifted:
            problems.append(f"{who} {path} at {width}px: the first column scrolls away in {drifted}")
        violations = axe.run(page).response.get("violations", [])
        for v in violations:
            targets = " | ".join(", ".join(n["target"]) for n in v["nodes"][:3])
            problems.append(f"{who} {path} at {width}px: axe [{v['impact']}] {v['id']} at {targets}")
        page.screenshot(path=str(shots / shot_name(who, path, width)), full_page=True, timeout=30_000)


def check_menu(page, axe, shots: Path, who: str, problems: list[str]) -> None:
    """Wide, the links show in a row with no toggle; on a phone they fold behind "Menu" (a <details>)."""
    first = "Preferences"
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/preferences")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name=first).is_visible(), f"{who}: the menu's links are hidden at 1366 px"
    assert not page.locator(".menu > summary").is_visible(), f"{who}: a Menu toggle shows at 1366 px"
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto("/preferences")
    assert not nav.get_by_role("link", name=first).is_visible(), f"{who}: the menu is open at 390 px"
    page.locator(".menu > summary", has_text="Menu").click()
    assert nav.get_by_role("link", name=first).is_visible(), f"{who}: Menu does not open at 390 px"
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{who}: the open menu is too wide"
    for v in axe.run(page).response.get("violations", []):
        problems.append(f"{who} open menu at 390px: axe [{v['impact']}] {v['id']}")
    page.screenshot(path=str(shots / f"{who}-menu-open-390.png"))


@pytest.mark.parametrize("who", ["hire", "buddy", "manager", "admin"])
def test_every_page_fits_a_phone_and_passes_axe(browser, live_server, world, axe, shots, who):
    email = {"hire": "ada@example.com", "buddy": "ben@example.com", "manager": "grace@example.com",
             "admin": "admin@example.com"}[who]
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    try:
        for path in ("/login", "/password/forgot") if who == "hire" else ():
            check_page(page, axe, shots, "visitor", path, problems)
        sign_in(page, email)
        check_menu(page, axe, shots, who, problems)
        for path in pages_for(who, world):
            check_page(page, axe, shots, who, path, problems)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
