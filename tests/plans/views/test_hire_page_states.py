"""The hire's page in each of its stages (before day one, running, finished), ticking in place with
JSON and Undo, a note after ticking, and the honest progress and status figures."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from onboarding.audit.models import Event
from onboarding.extensions import db
from onboarding.plans.check_ins import record_check_in
from onboarding.plans.models import PlanItem
from onboarding.plans.reading import children_map
from onboarding.plans.states import complete_item, sign_off_item, waive_item
from onboarding.plans.status import progress_for_plans, progress_of_items
from tests.conftest import NOW, TODAY
from tests.plans.views.conftest import CHILD_1, CHILD_2, DAY_60, DAY_90, GROUP, LEAF, MONTH_6, item_by_text, snapshot

JSON = {"Accept": "application/json"}
ALL_LEAVES = (CHILD_1, CHILD_2, LEAF, DAY_60, DAY_90, MONTH_6, "Mentor a new colleague.")


def html(response) -> str:
    return response.get_data(as_text=True)


def done(plan, text: str, hire, manager=None) -> None:
    """Tick an item (and sign it off, given the manager), committed."""
    complete_item(item_by_text(plan, text), hire, now=NOW)
    db.session.commit()
    if manager is not None:
        sign_off_item(item_by_text(plan, text), manager, NOW + timedelta(days=1))
        db.session.commit()


def post_tick(client, item, *, done=True, headers=None, **data):
    payload = {"version": item.version, **({"done": "y"} if done else {}), **data}
    return client.post(f"/plan/items/{item.id}", data=payload, headers=headers or {})


# --- before day one ----------------------------------------------------------------------------------


@pytest.fixture
def newcomer(make_user, make_plan):
    manager = make_user(email="mira@example.com", name="Mira Manager", role="manager")
    buddy = make_user(email="ben@example.com", name="Ben Buddy", role="hire")
    hire = make_user(email="nell@example.com", name="Nell New", role="hire", manager_email=manager.email)
    return make_plan(hire=hire, manager=manager, buddy=buddy, start_on=TODAY + timedelta(days=7))


def test_a_running_plan_names_the_manager_and_the_buddy_with_the_same_queries_as_without_them(
        make_user, make_plan, client_as, count_queries):
    """The page reads the hire, manager and buddy in one query of its own (not plan.manager and the
    like, which would each load again)."""
    manager = make_user(email="mira@example.com", name="Mira Manager", role="manager")
    buddy = make_user(email="ben@example.com", name="Ben Buddy", role="hire")
    alone = make_plan(hire=make_user(email="solo@example.com", name="Solo", role="hire"), manager=False, start_on=TODAY)
    hire = make_user(email="nell@example.com", name="Nell New", role="hire", manager_email=manager.email)
    plan = make_plan(hire=hire, manager=manager, buddy=buddy, start_on=TODAY - timedelta(days=3))

    def page_and_queries(person) -> tuple[str, int]:
        client = client_as(person)
        client.get("/plan")
        with count_queries() as statements:
            page = html(client.get("/plan"))
        return page, len(statements)

    page, queries = page_and_queries(plan.hire)
    facts = page[page.index('<p class="plan-facts">'):]
    facts = re.sub(r"\s+", " ", facts[:facts.index("</p>")])
    assert "· manager: Mira Manager · buddy: Ben Buddy" in facts
    lonely, lonely_queries = page_and_queries(alone.hire)
    assert "manager: none yet" in lonely and "buddy:" not in lonely
    assert queries == lonely_queries


def test_before_day_one_a_welcome_and_the_plan_to_read_but_not_tick(newcomer, client_as):
    page = html(client_as(newcomer.hire).get("/plan"))
    welcome = page[page.index('id="welcome-heading"'):page.index("</section>")]
    assert "Welcome, Nell New" in welcome
    assert 'You start on <strong><time datetime="2026-03-09">9 Mar 2026</time></strong>, in 7 days' in welcome
    assert '<a href="mailto:mira@example.com">mira@example.com</a>' in welcome
    assert '<a href="mailto:ben@example.com">ben@example.com</a>' in welcome
    assert "Your first 30 days: learn the product" in welcome and "3 milestones to reach by" in welcome
    assert "· started" not in page and "· starts <time" in page
    assert '<span class="badge status-not-started">Not started</span>' in page
    assert "On track" not in page
    # Readable (the first phase open, the texts there) but nothing to tick, and no tick script.
    assert LEAF in page and MONTH_6 in page
    assert 'type="checkbox"' not in page and 'class="tick"' not in page and "plan.js" not in page
    assert "Save self-assessment" not in page


@pytest.mark.parametrize("headers", [None, JSON], ids=["form", "json"])
def test_the_server_refuses_a_tick_before_day_one(newcomer, client_as, headers):
    client = client_as(newcomer.hire)
    item = item_by_text(newcomer, LEAF)
    before = snapshot()
    response = post_tick(client, item, headers=headers, note="early")
    assert response.status_code == 400
    message = "Your plan starts on 9 Mar 2026: you can tick milestones from that day."
    if headers:
        assert response.json["ok"] is False and response.json["message"].startswith(message)
    else:
        assert message in html(response)
    assert snapshot() == before


# --- ticking in place ----------------------------------------------------------------------------


def test_a_tick_asked_for_as_json_answers_with_the_item_and_the_bars_to_put_in_place(org, client_as):
    client = client_as(org.hire_a)
    item = item_by_text(org.plan_a, LEAF)
    response = post_tick(client, item, headers=JSON, note="With Sam.")
    assert response.status_code == 200 and response.is_json
    answer = response.json
    assert (answer["ok"], answer["state"], answer["undo"]) == (True, "done", "open")
    assert answer["message"] == f"Ticked “{LEAF}”"  # the milestone's own full stop ends it
    fragment = answer["fragments"][f"item-{item.id}"]
    assert fragment.startswith(f'<li id="item-{item.id}">')
    assert re.search(rf'id="done-{item.id}" name="done" value="y" checked', fragment)
    assert "Done, waiting for sign-off" in fragment and "Note:</strong> With Sam." in fragment
    # Undo: a button right after the checkbox, posting the opposite change (no "done") at the new version.
    assert f'<button type="submit" class="link undo" form="undo-{item.id}"' in fragment
    undo = fragment[fragment.index(f'id="undo-{item.id}"'):]
    fresh = item_by_text(org.plan_a, LEAF)
    assert f'name="version" value="{fresh.version}"' in undo and 'name="done"' not in undo
    assert 'aria-valuenow="1"' in answer["fragments"]["plan-progress"]
    assert "1 of 7 done" in answer["fragments"]["plan-progress"]
    assert "1 of 3 done" in answer["fragments"]["progress-day-30"]
    # No flash is left behind for the next page load.
    assert "Ticked" not in html(client.get("/plan")).split('id="tick-live"')[0].split("<main")[1]


def test_a_tick_that_finishes_a_group_sends_the_group_row_again_with_its_new_badge(org, client_as):
    client = client_as(org.hire_a)
    group = item_by_text(org.plan_a, GROUP)
    first = post_tick(client, item_by_text(org.plan_a, CHILD_1), headers=JSON).json
    assert first["fragments"][f"row-{group.id}"].startswith(f'<div class="item-static" id="row-{group.id}">')
    assert "state-waiting" not in first["fragments"][f"row-{group.id}"]  # one of two: still open
    second = post_tick(client, item_by_text(org.plan_a, CHILD_2), headers=JSON).json
    row = second["fragments"][f"row-{group.id}"]
    assert '<span class="badge state-waiting">Done</span>' in row and GROUP in row
    assert f'id="item-{group.id}"' not in row  # the row alone: the children's list stays in the page
    # The page shows the same row, with the same id, for plan.js to replace.
    assert row in html(client.get("/plan"))
    back = post_tick(client, item_by_text(org.plan_a, CHILD_2), done=False, headers=JSON).json
    assert "state-waiting" not in back["fragments"][f"row-{group.id}"]


def test_a_tick_in_needs_you_first_also_updates_the_line_its_phase_shows_for_it(make_plan, client_as):
    late = make_plan(start_on=TODAY - timedelta(days=45))  # the day-30 leaves are overdue: listed first
    client = client_as(late.hire)
    item = item_by_text(late, LEAF)
    pointer = f'<div class="item-row" id="pointer-{item.id}"><span class="item-text">{LEAF}</span> '
    page = html(client.get("/plan"))
    phase = page[page.index('id="phase-day-30"'):]
    assert pointer + f'<a href="#item-{item.id}" class="muted">Overdue: see “Needs you first”</a></div>' in phase
    ticked = post_tick(client, item, headers=JSON).json
    assert ticked["fragments"][f"pointer-{item.id}"] == (
        pointer + f'<a href="#item-{item.id}" class="muted">Done, waiting for sign-off: see “Needs you first”</a></div>')
    undone = post_tick(client, item_by_text(late, LEAF), done=False, headers=JSON).json
    assert "Overdue: see “Needs you first”" in undone["fragments"][f"pointer-{item.id}"]
    # Loaded again, a done item is no longer listed first: its phase shows it, to tick or untick.
    post_tick(client, item_by_text(late, LEAF), headers=JSON)
    page = html(client.get("/plan"))
    assert f'id="pointer-{item.id}"' not in page and page.count(f'id="done-{item.id}"') == 1


def test_undo_after_a_tick_reopens_and_undo_after_an_untick_ticks_again_keeping_the_note(org, client_as):
    client = client_as(org.hire_a)
    item = item_by_text(org.plan_a, LEAF)
    post_tick(client, item, headers=JSON, note="Keep me.")
    item = item_by_text(org.plan_a, LEAF)
    answer = post_tick(client, item, done=False, headers=JSON, note="Keep me.").json  # the Undo form's fields
    assert (answer["ok"], answer["state"], answer["undo"]) == (True, "open", "done")
    assert item_by_text(org.plan_a, LEAF).state == "open"
    undo = answer["fragments"][f"item-{item.id}"]
    undo = undo[undo.index(f'id="undo-{item.id}"'):]
    assert '<input type="hidden" name="done" value="y">' in undo
    assert '<input type="hidden" name="note" value="Keep me.">' in undo
    again = post_tick(client, item_by_text(org.plan_a, LEAF), headers=JSON, note="Keep me.").json
    assert again["state"] == "done"
    assert (item_by_text(org.plan_a, LEAF).state, item_by_text(org.plan_a, LEAF).note) == ("done", "Keep me.")


def test_without_javascript_a_tick_redirects_back_to_the_item(org, client_as):
    client = client_as(org.hire_a)
    item = item_by_text(org.plan_a, LEAF)
    response = post_tick(client, item)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/plan#item-{item.id}")
    page = html(client.get("/plan"))
    assert f"Ticked “{LEAF}”" in page and f"“{LEAF}”." not in page
    assert 'class="secondary save-tick"' in page  # the Save button the page needs without JavaScript


def test_a_ticked_item_still_takes_a_note_and_evidence_until_it_is_signed_off(org, client_as):
    client = client_as(org.hire_a)
    post_tick(client, item_by_text(org.plan_a, LEAF))
    item = item_by_text(org.plan_a, LEAF)
    page = html(client.get("/plan"))
    assert f'id="note-{item.id}"' in page  # the note fields are there for a done item too
    response = post_tick(client, item, note="Tickets 41-50.", evidence_url="https://queue.example.com/41")
    assert response.status_code == 302
    item = item_by_text(org.plan_a, LEAF)
    assert (item.state, item.note, item.evidence_url) == ("done", "Tickets 41-50.", "https://queue.example.com/41")
    page = html(client.get("/plan"))
    assert f"Saved the note and evidence link of “{LEAF}”" in page and f"“{LEAF}”." not in page
    event = db.session.scalars(select(Event).where(Event.item_id == item.id).order_by(Event.id.desc())).first()
    assert event.kind == "item.edited" and event.new_value == {"note": "Tickets 41-50.",
                                                        "evidence_url": "https://queue.example.com/41"}
    # Signed off, the item takes no more notes.
    sign_off_item(item_by_text(org.plan_a, LEAF), org.manager_a, NOW)
    db.session.commit()
    item = item_by_text(org.plan_a, LEAF)
    before = snapshot()
    refused = post_tick(client, item, note="later")
    assert refused.status_code == 400 and "Only an item not yet signed off takes a note" in html(refused)
    assert snapshot() == before


def test_someone_elses_item_answers_404_and_changes_nothing(org, client_as):
    other = item_by_text(org.plan_b, LEAF)
    before = snapshot()
    for headers in (None, JSON):
        assert post_tick(client_as(org.hire_a), other, headers=headers, note="x").status_code == 404
        assert post_tick(client_as(org.hire_a), other, done=False, headers=headers).status_code == 404
    assert client_as(org.hire_a).post("/plan/items/99999999", data={"version": 1}).status_code == 404
    assert snapshot() == before


# --- finished -------------------------------------------------------------------------------------


def test_a_fully_signed_off_plan_says_so_with_a_summary_of_the_journey(org, client_as):
    plan = org.plan_a
    for text in ALL_LEAVES[:-1]:
        done(plan, text, org.hire_a, org.manager_a)
    waive_item(item_by_text(plan, ALL_LEAVES[-1]), org.admin, "Moved teams.", NOW + timedelta(days=2))
    record_check_in(plan, "day-30", org.manager_a, "on track", "Great month.", NOW)
    db.session.commit()
    page = html(client_as(org.hire_a).get("/plan"))
    summary = page[page.index('id="finished-heading"'):page.index("</section>")]
    assert "Your plan is complete" in summary
    assert "<dt>Started</dt><dd><time datetime=\"2026-03-02\">2 Mar 2026</time></dd>" in summary
    assert "<dt>Finished</dt>" in summary
    assert "6 signed off, 1 waived, across 5 phases" in summary
    assert '30 days: <span class="badge status-on-track">On track</span>' in summary
    assert '<span class="badge status-complete">Complete</span>' in page
    assert "signs them off" not in page and 'class="tick"' not in page and "Needs you first" not in page
    assert page.count('<details class="phase-body">') == 6  # every phase folded, and the long-term goals


# --- honest progress and status --------------------------------------------------------------------


def test_signing_off_moves_the_bar_and_a_waived_item_leaves_the_total(org, client_as):
    plan = org.plan_a
    done(plan, CHILD_1, org.hire_a, org.manager_a)
    done(plan, CHILD_2, org.hire_a)
    waive_item(item_by_text(plan, DAY_60), org.admin, "Not for this team.", NOW)
    db.session.commit()
    page = html(client_as(org.hire_a).get("/plan"))
    bar = page[page.index('id="plan-progress"'):]
    bar = bar[:bar.index("</div>")]
    assert 'aria-valuemax="6" aria-valuenow="2"' in bar  # 7 leaves, one waived
    assert 'aria-valuetext="2 of 6 done: 1 signed off, 1 waiting for sign-off"' in bar
    assert '<rect class="bar-signed" width="16.67"' in bar and '<rect class="bar-waiting" x="16.67" width="16.67"' in bar
    assert "2 of 6 done" in bar and "1 signed off" in bar and "1 waiting" in bar and "1 waived" in bar
    # "Done, waiting for sign-off" has its own colour, not at risk's.
    assert '<span class="badge state-waiting">Done, waiting for sign-off</span>' in page
    assert "status-at-risk\">Done" not in page


def test_a_plan_without_a_manager_does_not_say_on_track(make_plan, client_as):
    plan = make_plan(manager=False)
    page = html(client_as(plan.hire).get("/plan"))
    assert '<span class="badge status-no-manager">No manager yet</span>' in page
    assert "On track" not in page and "manager: none yet" in page


def test_the_python_count_agrees_with_the_sql_count(org):
    plan = org.plan_a
    done(plan, CHILD_1, org.hire_a, org.manager_a)
    done(plan, LEAF, org.hire_a)
    waive_item(item_by_text(plan, DAY_90), org.admin, "Not needed.", NOW)
    db.session.commit()
    for today in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=35), TODAY + timedelta(days=400)):
        sql = progress_for_plans([plan.id], today)[plan.id]
        items = list(db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id)))
        mine = progress_of_items(plan, items, children_map(items), today)
        assert (sql.status, sql.start_on, sql.phases) == (mine.status, mine.start_on, mine.phases), today
    assert progress_for_plans([plan.id], TODAY - timedelta(days=1))[plan.id].status == "not started"
    assert progress_for_plans([plan.id], TODAY + timedelta(days=35))[plan.id].status == "overdue"


def test_the_plan_page_makes_the_same_number_of_queries_whatever_the_size_of_the_plan(
        org, make_role, make_plan, make_user, client_as, count_queries):
    big_phase = {"key": "day-30", "heading": "30-day goals (many)", "theme": "many", "due": {"days": 30},
                 "milestones": [{"text": f"Task {n}", "children": [{"text": f"Step {n}.{m}", "children": []}
                                                                 for m in range(3)]} for n in range(40)]}
    big = make_plan(role=make_role("Big Role", phases=[big_phase]), start_on=TODAY - timedelta(days=40))
    for _ in range(5):  # more hires in the organisation change nothing either
        make_plan()

    def queries(plan) -> int:
        client = client_as(plan.hire)
        client.get("/plan")
        with count_queries() as statements:
            assert client.get("/plan").status_code == 200
        return len(statements)

    assert queries(org.plan_a) == queries(big)
