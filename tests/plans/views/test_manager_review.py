"""The manager's view of a report's plan, what needs them first, and the nudge: what the page puts at
the top, due dates on every item, one open check-in form, comments beside their item, the overdue
banner; on the team dashboard, overdue check-ins that stand out; a reminder at most once a day."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from onboarding.audit.models import Event
from onboarding.audit.types import EventType
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.plans.check_ins import add_comment, record_check_in
from onboarding.plans.edits import add_item
from onboarding.plans.states import complete_item
from tests.conftest import NOW, TODAY
from tests.plans.views.conftest import CHILD_1, CHILD_2, DAY_60, GROUP, LEAF, item_by_text, snapshot


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def late(make_user, make_plan):
    """Hana started 45 days ago: the 30-day phase ended 15 days ago with two items open, one done
    waiting for sign-off, and no check-in; Mara manages her."""
    manager = make_user(email="mara@example.com", name="Mara Manager", role="manager")
    hire = make_user(email="hana@example.com", name="Hana Hire", role="hire", manager_email=manager.email)
    plan = make_plan(hire=hire, manager=manager, start_on=TODAY - timedelta(days=45))
    complete_item(item_by_text(plan, CHILD_1), hire, now=NOW)
    db.session.commit()
    return plan


def _section(page: str, start: str, end: str) -> str:
    return page[page.index(start):page.index(end, page.index(start))]


def test_what_needs_the_manager_comes_first_in_order(late, client_as):
    page = html(client_as(late.manager).get(f"/team/plans/{late.id}"))
    banner = page.index('class="late-banner"')
    waiting = page.index("Waiting for your sign-off (1)")
    overdue = page.index("Overdue items (2)")
    check_in = page.index("Check-in due (overdue)")
    first_phase = page.index('id="phase-day-30"')
    assert banner < waiting < overdue < check_in < first_phase
    assert ("<strong>Overdue:</strong> 2 items are past their due date and the 30-day check-in was due "
            "15 Feb 2026.") in page
    needs = _section(page, 'id="needs-you"', 'id="phase-day-30"')
    child = item_by_text(late, CHILD_1)
    assert f'<a href="#item-{child.id}">{CHILD_1}</a>' in _section(needs, 'id="waiting"', 'id="overdue"')
    overdue_list = _section(needs, 'id="overdue"', 'id="check-in-due"')
    for text in (CHILD_2, LEAF):
        assert f'<a href="#item-{item_by_text(late, text).id}">{text}</a>' in overdue_list
    assert overdue_list.count("15 days late") == 2
    assert '<a href="#checkin-day-30">Hold the 30-day check-in</a>' in needs


def test_nothing_needed_says_so_and_names_the_next_check_in(make_plan, client_as):
    plan = make_plan()  # starts today: nothing done, nothing late
    page = html(client_as(plan.manager).get(f"/team/plans/{plan.id}"))
    assert "Waiting for your sign-off (0)" in page and "Overdue items" not in page
    assert 'class="late-banner"' not in page
    assert "Next: the 30-day check-in, when the phase ends" in page


def test_every_item_shows_its_due_date(late, client_as):
    page = html(client_as(late.manager).get(f"/team/plans/{late.id}"))
    db.session.refresh(late)
    assert len(late.items) == 8
    for item in late.items:
        assert (f'<span class="item-text" id="text-{item.id}">{item.text}</span> '
                f'<span class="badge">Due <time datetime="{item.due_on.isoformat()}">') in page, item.text


def test_only_the_next_check_in_form_is_open(late, client_as):
    record_check_in(late, "day-30", late.manager, "at risk", "Slow start on the queue.", NOW)
    db.session.commit()
    page = html(client_as(late.manager).get(f"/team/plans/{late.id}"))
    held = _section(page, 'id="checkin-day-30"', 'id="checkin-day-60"')
    assert "Recorded: " in held and "Slow start on the queue." in held and "<form" not in held
    nxt = _section(page, '<div class="card checkin-next" id="checkin-day-60">', 'id="checkin-day-90"')
    assert f'action="/team/plans/{late.id}/phases/day-60/check-in"' in nxt
    for key in ("day-90", "month-6", "month-12"):
        assert re.search(rf'<details class="card checkin-later" id="checkin-{key}">\s*<summary>', page), key
    # Four forms in all (the next, and three later ones folded away); none for the held one.
    assert len(re.findall(r'/phases/[\w-]+/check-in"', page)) == 4
    assert "/phases/day-30/check-in" not in page


def test_a_refused_later_check_in_opens_its_fold(late, client_as):
    response = client_as(late.manager).post(f"/team/plans/{late.id}/phases/day-90/check-in", data={})
    assert response.status_code == 400
    assert '<details class="card checkin-later" id="checkin-day-90" open>' in html(response)


def test_comments_show_beside_the_item_they_are_about(late, client_as, make_user):
    buddy = make_user(name="Bea Buddy")
    child = item_by_text(late, CHILD_1)
    add_comment(late, late.hire, "The desk <macros> are in the wiki.", NOW, item=child)
    add_comment(late, buddy, "Welcome aboard!", NOW)
    db.session.commit()
    page = html(client_as(late.manager).get(f"/team/plans/{late.id}"))
    item = _section(page, f'<li id="item-{child.id}"', "</li>")
    assert "The desk &lt;macros&gt; are in the wiki." in item and "Hana Hire" in item
    assert page.count("The desk &lt;macros&gt; are in the wiki.") == 1
    general = _section(page, 'id="plan-comments-heading"', "</section>")
    assert "Comments about the plan (1)" in general and "Welcome aboard!" in general
    assert page.index("Welcome aboard!") < page.index('id="phase-day-30"')


def test_phases_with_nothing_for_the_manager_are_folded(late, client_as):
    page = html(client_as(late.manager).get(f"/team/plans/{late.id}"))
    # day-30 has the waiting and overdue items, day-60 is in progress; the rest are folded.
    for key in ("day-30", "day-60"):
        assert re.search(rf'id="phase-{key}" aria-labelledby="phase-{key}-heading">\s*<div class="phase-head">', page)
    for key in ("day-90", "month-6", "month-12"):
        assert re.search(rf'id="phase-{key}" aria-labelledby="phase-{key}-heading">\s*<details class="phase-fold">',
                         page), key


def test_manager_plan_page_queries_do_not_grow_with_items_and_comments(late, client_as, count_queries):
    client, url = client_as(late.manager), f"/team/plans/{late.id}"

    def measure():
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return [str(s) for s in statements]

    before = measure()
    for n in range(6):
        item = add_item(late, "day-60", f"Extra item {n}", late.manager, NOW)
        add_comment(late, late.hire, f"Comment {n}", NOW, item=item)
    db.session.commit()
    db.session.expire_all()
    after = measure()
    assert len(after) == len(before), "\n".join(after)


# --- the team dashboard -----------------------------------------------------------------------------


def test_an_overdue_check_in_stands_out_on_the_dashboard(late, make_plan, client_as):
    fine = make_plan(manager=late.manager)
    page = html(client_as(late.manager).get("/team"))
    section = _section(page, 'aria-labelledby="late-check-ins-heading"', "</section>")
    assert "Check-ins overdue (1)" in section
    assert "<strong>Hana Hire</strong>: the 30-day check-in was due" in section and "15 days ago" in section
    assert f'href="/team/plans/{late.id}#checkin-day-30">Hold Hana Hire’s 30-day check-in</a>' in section
    row = re.search(r'<tr class="row-late">\s*<th scope="row"><a href="/team/plans/%d">' % late.id, page)
    assert row, "the late report's row is marked"
    assert f'<a class="late-text" href="/team/plans/{late.id}#checkin-day-30"><strong>Overdue:</strong> 30 days' in page
    assert re.search(r'<tr>\s*<th scope="row"><a href="/team/plans/%d">' % fine.id, page)


def test_no_overdue_check_in_no_section(make_plan, client_as):
    plan = make_plan()
    page = html(client_as(plan.manager).get("/team"))
    assert "Check-ins overdue" not in page and "row-late" not in page


# --- the nudge --------------------------------------------------------------------------------------


def _mail_to(address: str) -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == address)
                                   .order_by(OutboxMessage.id)))


def test_nudge_sends_one_reminder_and_refuses_a_second_the_same_day(late, client_as, make_user):
    client = client_as(late.manager)
    page = html(client.get("/team"))
    assert re.search(r'<button type="submit" class="secondary small">Nudge<span class="visually-hidden"> Hana Hire'
                     r'</span></button>', page)
    response = client.post(f"/team/plans/{late.id}/nudge")
    assert response.status_code == 302 and response.headers["Location"].endswith("/team")
    [mail] = _mail_to("hana@example.com")
    assert mail.status == "queued" and mail.subject == "A reminder from Mara Manager about your onboarding plan"
    assert "Mara Manager sent you a reminder about your onboarding plan." in mail.text_body
    assert "Overdue (2):" in mail.text_body and f"- {LEAF} (due " in mail.text_body
    assert "http://onboarding.test/plan" in mail.text_body and 'href="http://onboarding.test/plan"' in mail.html_body
    events = db.session.scalars(select(Event).where(Event.kind == EventType.PLAN_NUDGED)).all()
    assert [(e.plan_id, e.actor_id, e.person_id) for e in events] == [(late.id, late.manager_id, late.hire_id)]
    page = html(client.get("/team"))
    assert "Reminder sent to Hana Hire (hana@example.com)." in page and "Nudged today, 09:30 UTC" in page
    assert "sent the hire a reminder (nudge)" in html(client.get(f"/plans/{late.id}/history"))

    admin = make_user(role="admin")
    before = snapshot()
    again = client.post(f"/team/plans/{late.id}/nudge", follow_redirects=True)
    assert ("Not sent: Hana Hire was already nudged today, at 09:30 UTC by Mara Manager. One reminder a day is "
            "the most a hire gets; you can nudge Hana Hire again tomorrow.") in html(again)
    from_plan = client_as(admin).post(f"/team/plans/{late.id}/nudge", data={"back": "plan"})
    assert from_plan.headers["Location"].endswith(f"/team/plans/{late.id}")
    sorted_by_name = client.post(f"/team/plans/{late.id}/nudge", data={"sort": "name"})
    assert sorted_by_name.headers["Location"].endswith("/team?sort=name")
    junk = client.post(f"/team/plans/{late.id}/nudge", data={"sort": "<script>"})
    assert junk.headers["Location"].endswith("/team")
    assert snapshot() == before and len(_mail_to("hana@example.com")) == 1


def test_nudge_once_a_day_is_the_hires_own_day(late, client_as, app):
    late.hire.timezone = "America/Los_Angeles"  # 09:30 UTC is 01:30 on 2 March there
    db.session.commit()
    client = client_as(late.manager)
    assert client.post(f"/team/plans/{late.id}/nudge").status_code == 302
    app.config["FIXED_NOW"] = datetime(2026, 3, 2, 20, 0, tzinfo=timezone.utc)  # noon, the same day there
    client.post(f"/team/plans/{late.id}/nudge")
    assert len(_mail_to("hana@example.com")) == 1
    app.config["FIXED_NOW"] = datetime(2026, 3, 3, 8, 30, tzinfo=timezone.utc)  # 00:30 on 3 March there
    client.post(f"/team/plans/{late.id}/nudge")
    assert len(_mail_to("hana@example.com")) == 2


def test_someone_elses_hire_cannot_be_nudged(late, make_user, client_as):
    people = (make_user(role="manager"), late.hire, make_user(role="hire"))
    before = snapshot()
    for person in people:
        assert client_as(person).post(f"/team/plans/{late.id}/nudge").status_code == 404
    assert client_as(late.manager).post("/team/plans/999999/nudge").status_code == 404
    assert snapshot() == before


def test_a_finished_plan_or_a_deactivated_hire_is_not_nudged(late, client_as):
    late.hire.is_active_account = False
    db.session.commit()
    response = client_as(late.manager).post(f"/team/plans/{late.id}/nudge", follow_redirects=True)
    assert "Hana Hire&#39;s account is deactivated: they would not get the reminder." in html(response)
    assert _mail_to("hana@example.com") == []
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == EventType.PLAN_NUDGED)) == 0


def test_the_plan_page_offers_the_nudge_and_says_when_it_was_sent(late, client_as):
    client = client_as(late.manager)
    page = html(client.get(f"/team/plans/{late.id}"))
    assert ">Nudge Hana Hire</button>" in page and "at most once a day" in page
    client.post(f"/team/plans/{late.id}/nudge", data={"back": "plan"})
    page = html(client.get(f"/team/plans/{late.id}"))
    assert 'aria-describedby="nudged-note">Nudge Hana Hire</button>' in page
    assert "Already nudged today at 09:30 UTC" in page


def test_dashboard_queries_stay_constant_with_nudges_and_late_check_ins(make_user, make_plan, client_as,
                                                                       count_queries):
    manager = make_user(role="manager")
    client = client_as(manager)

    def add(n):
        for _ in range(n):
            plan = make_plan(manager=manager, start_on=TODAY - timedelta(days=45))
            assert client.post(f"/team/plans/{plan.id}/nudge").status_code == 302

    def measure():
        with count_queries() as statements:
            page = html(client.get("/team"))
        return len(statements), page.count("Nudged today")

    add(2)
    small, nudged = measure()
    assert nudged == 2
    add(4)
    large, nudged = measure()
    assert nudged == 6 and small == large, f"{small} queries for 2 reports, {large} for 6"


def test_group_items_show_their_due_date_too(late, client_as):
    group = item_by_text(late, GROUP)
    page = html(client_as(late.manager).get(f"/team/plans/{late.id}"))
    assert f'id="text-{group.id}">{GROUP}</span> <span class="badge">Due <time' in page
    assert DAY_60 in page
