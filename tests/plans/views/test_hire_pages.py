"""The hire's pages over HTTP: My plan, ticking with a note or link, bad input, escaping, conflicts,
self-assessments, and the shared plan page with comments and history."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from onboarding.core.formatting import nice_datetime
from onboarding.extensions import db
from onboarding.plans.check_ins import record_check_in
from onboarding.plans.models import CheckIn, Comment
from onboarding.plans.states import complete_item, send_back_item
from tests.conftest import NOW, TODAY
from tests.plans.views.conftest import (
    CHILD_1,
    CHILD_2,
    DAY_60,
    GROUP,
    LEAF,
    item_by_text,
    snapshot,
)


def html(response) -> str:
    return response.get_data(as_text=True)


def tick(client, item, **data):
    payload = {"done": "y", "version": item.version}
    payload.update(data)
    return client.post(f"/plan/items/{item.id}", data=payload)


def test_my_plan_opens_the_current_phase_first_and_folds_the_later_ones(org, client_as):
    page = html(client_as(org.hire_a).get("/plan"))
    assert page.index('id="phase-day-30-heading"') < page.index('id="phase-day-60-heading"') < page.index(
        'id="phase-month-12-heading"')
    assert "30-day goals (learn the product)</h2>" in page
    assert "Theme: learn the product" in page
    assert '<time datetime="2026-04-01">1 Apr 2026</time>' in page  # day 30 from 2 Mar 2026
    assert 'aria-label="30 days progress"' in page and 'aria-label="Whole plan"' in page
    assert "day 1" in page
    current = section(page, "day-30")
    assert "<details" not in current.split('<ul class="items">')[0]  # open: its items are not folded
    for key, due in (("day-60", "1 May 2026"), ("month-12", "2 Mar 2027")):
        later = section(page, key)
        assert '<details class="phase-body"><summary>Show its milestone</summary>' in later
        assert f"due {due} · 0 of 1 done" in later  # dates and counts in the folded phase's summary
        assert "Save self-assessment" not in later  # one self-assessment form: the current phase's
    assert page.count("Save self-assessment") == 1
    # Long-term goals are guidance, not checklist items.
    assert "Make support a reason customers stay." in page
    assert not re.search(r'<label for="done-\d+"[^>]*>Make support a reason', page)


def section(page: str, key: str) -> str:
    """The HTML of one phase's section of the page."""
    start = page.index(f'id="phase-{key}"')
    return page[start:page.index("</section>", start)]


def test_each_leaf_item_is_a_checkbox_labelled_by_its_text(org, client_as):
    page = html(client_as(org.hire_a).get("/plan"))
    for text in (LEAF, CHILD_1, CHILD_2, DAY_60):
        item = item_by_text(org.plan_a, text)
        assert re.search(rf'<input type="checkbox" id="done-{item.id}" name="done" value="y">', page)
        assert f'<label for="done-{item.id}" id="text-{item.id}">{text}</label>' in page
        assert f'action="/plan/items/{item.id}"' in page
    group = item_by_text(org.plan_a, GROUP)
    assert f'id="done-{group.id}"' not in page  # a parent is done when its sub-items are
    # Sub-items sit in a list inside their parent's list item.
    assert re.search(rf'<li id="item-{group.id}">.*?<ul class="items">\s*<li id="item-{item_by_text(org.plan_a, CHILD_1).id}"',
                     page, re.S)


def test_the_page_has_no_inline_script_or_style_and_loads_the_tick_script(org, client_as, client):
    response = client_as(org.hire_a).get("/plan")
    page = html(response)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/plan.js" defer>']
    assert " style=" not in page and "onclick" not in page and "onchange" not in page
    script = client.get("/static/plan.js")
    body = html(script)
    script.close()
    assert script.status_code == 200 and "fetch(" in body and '"Accept": "application/json"' in body


def test_tick_with_a_note_and_an_evidence_link(org, client_as):
    client = client_as(org.hire_a)
    item = item_by_text(org.plan_a, LEAF)
    response = tick(client, item, note="Reviewed by Sam.", evidence_url="https://wiki.example.com/tickets")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/plan#item-{item.id}")
    item = item_by_text(org.plan_a, LEAF)
    assert (item.state, item.note, item.evidence_url, item.done_by_id) == (
        "done", "Reviewed by Sam.", "https://wiki.example.com/tickets", org.hire_a.id)
    page = html(client.get("/plan"))
    assert f"Ticked “{LEAF}”" in page and f"“{LEAF}”." not in page  # no second full stop
    assert re.search(rf'id="done-{item.id}" name="done" value="y" checked', page)
    assert '<a href="https://wiki.example.com/tickets" rel="noopener noreferrer nofollow">' in page


def test_untick_reopens_a_done_item(org, client_as):
    client = client_as(org.hire_a)
    tick(client, item_by_text(org.plan_a, LEAF))
    item = item_by_text(org.plan_a, LEAF)
    response = client.post(f"/plan/items/{item.id}", data={"version": item.version})
    assert response.status_code == 302
    assert item_by_text(org.plan_a, LEAF).state == "open"


def test_ticking_all_sub_items_makes_the_parent_done(org, client_as):
    client = client_as(org.hire_a)
    for text in (CHILD_1, CHILD_2):
        assert tick(client, item_by_text(org.plan_a, text)).status_code == 302
    assert item_by_text(org.plan_a, GROUP).state == "done"


def test_a_note_with_markup_is_shown_escaped(org, client_as):
    client = client_as(org.hire_a)
    tick(client, item_by_text(org.plan_a, LEAF), note='<script>alert("x")</script><b>bold</b>')
    for page in (html(client.get("/plan")), html(client_as(org.manager_a).get(f"/team/plans/{org.plan_a.id}")),
                 html(client_as(org.buddy).get(f"/plans/{org.plan_a.id}"))):
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page
        assert '<script>alert("x")' not in page and "<b>bold</b>" not in page


@pytest.mark.parametrize("data, message", [
    ({"evidence_url": "javascript:alert(1)"}, "must start with http:// or https://"),
    ({"evidence_url": "JaVaScRiPt:alert(1)"}, "must start with http:// or https://"),
    ({"evidence_url": "data:text/html,<script>alert(1)</script>"}, "must start with http:// or https://"),
    ({"evidence_url": "https://"}, "must start with http:// or https://"),
    ({"evidence_url": "https://exa mple.com"}, "must not contain spaces"),
    ({"evidence_url": "https://example.com/" + "a" * 2100}, "Evidence link"),
    ({"note": "n" * 5001}, "Note"),
    ({"version": "abc"}, "out of date"),
    ({"version": ""}, "out of date"),
    ({"version": "99999999999999999999999"}, "out of date"),
])
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(org, client_as, data, message):
    client = client_as(org.hire_a)
    item = item_by_text(org.plan_a, LEAF)
    before = snapshot()
    response = tick(client, item, **data)
    assert response.status_code == 400
    page = html(response)
    assert message in page
    assert 'role="alert"' in page
    assert snapshot() == before
    # What the person typed is kept (escaped) so they can fix it.
    if "evidence_url" in data and len(data["evidence_url"]) < 100:
        assert re.search(rf'id="evidence-{item.id}"[^>]*value="{re.escape(str(data["evidence_url"]).replace("<", "&lt;").replace(">", "&gt;"))}"', page)


def test_ticking_a_parent_is_refused(org, client_as):
    group = item_by_text(org.plan_a, GROUP)
    response = tick(client_as(org.hire_a), group)
    assert response.status_code == 400
    assert "has sub-items" in html(response)
    assert item_by_text(org.plan_a, GROUP).state == "open"


def test_a_stale_form_shows_a_conflict_instead_of_overwriting(org, client_as):
    client = client_as(org.hire_a)
    item = item_by_text(org.plan_a, LEAF)
    stale_version = item.version
    # The hire ticks in one tab; the manager sends it back; the old tab's form is now stale.
    tick(client, item)
    send_back_item(item_by_text(org.plan_a, LEAF), org.manager_a, "Please add the ticket numbers.", NOW)
    db.session.commit()
    before = snapshot()
    response = client.post(f"/plan/items/{item.id}", data={"done": "y", "version": stale_version,
                                                           "note": "from the old tab"})
    assert response.status_code == 409
    page = html(response)
    assert "Someone else changed this item while you were looking at it. Here is the current state" in page
    assert "Please add the ticket numbers." in page  # the current state, with the manager's comment
    assert snapshot() == before


def test_sent_back_items_stand_out_with_the_managers_comment(org, client_as):
    item = item_by_text(org.plan_a, LEAF)
    complete_item(item, org.hire_a, now=NOW)
    send_back_item(item, org.manager_a, "Add the <ticket> numbers, please.", NOW)
    db.session.commit()
    page = html(client_as(org.hire_a).get("/plan"))
    needs = page[page.index('id="needs-you"'):page.index('id="phase-day-30"')]
    assert "Needs you first (1)" in needs  # above the current phase
    assert f'<li id="item-{item.id}" class="sent-back">' in needs
    assert f'id="done-{item.id}"' in needs and page.count(f'id="done-{item.id}"') == 1
    assert f'<a href="#item-{item.id}" class="muted">Sent back: see “Needs you first”</a>' in section(page, "day-30")
    assert "Sent back by the manager:</strong> Add the &lt;ticket&gt; numbers, please." in page


def test_overdue_items_come_first_and_the_current_phase_after_them(make_plan, org, client_as):
    late = make_plan(start_on=TODAY - timedelta(days=45))
    page = html(client_as(late.hire).get("/plan"))
    needs = page[page.index('id="needs-you"'):page.index('<section class="phase')]
    assert "Needs you first (3)" in needs
    assert needs.count('<span class="badge status-overdue">Overdue</span>') == 3  # the day-30 leaves
    assert "Part of: Learn the ticket queue and its tools:" in needs  # a sub-item says where it belongs
    # Day 46: the 60-day phase is current and comes first; the 30-day one, all above, is folded.
    assert page.index('id="phase-day-60"') < page.index('id="phase-month-12"') < page.index('id="phase-day-30"')
    assert '<details class="phase-body">' in section(page, "day-30")
    assert '<span class="badge status-overdue">Overdue</span>\n</div>' in page  # and the page's status badge


def test_self_assessment_before_the_check_in(org, client_as):
    client = client_as(org.hire_a)
    page = html(client.get("/plan"))
    assert '<label for="day-30-text">Your self-assessment for 30 days</label>' in page
    url = f"/plan/{org.plan_a.id}/phases/day-30/self-assessment"
    empty = client.post(url, data={"day-30-text": "   "})
    assert empty.status_code == 400 and "Write a few words first." in html(empty)
    assert client.post(url, data={"day-30-text": "I learnt the <queue>."}).status_code == 302
    row = db.session.scalar(select(CheckIn).where(CheckIn.plan_id == org.plan_a.id, CheckIn.phase_key == "day-30"))
    assert row.self_assessment == "I learnt the <queue>."
    manager_page = html(client_as(org.manager_a).get(f"/team/plans/{org.plan_a.id}"))
    assert "I learnt the &lt;queue&gt;." in manager_page
    # After the manager's check-in, the hire sees its outcome instead of the form.
    record_check_in(item_by_text(org.plan_a, LEAF).plan, "day-30", org.manager_a, "at risk", "Pair more.", NOW)
    db.session.commit()
    page = html(client.get("/plan"))
    assert "Your manager recorded:" in page and "At risk" in page and "Pair more." in page
    assert 'for="day-30-text"' not in page
    late = client.post(url, data={"day-30-text": "Too late"})
    assert late.status_code == 400 and "already recorded" in html(late)


@pytest.mark.parametrize("phase", ["long-term", "day-31", "x" * 500])
def test_self_assessment_for_an_unknown_phase(org, client_as, phase):
    before = snapshot()
    response = client_as(org.hire_a).post(f"/plan/{org.plan_a.id}/phases/{phase}/self-assessment",
                                          data={f"{phase}-text": "hello"})
    assert response.status_code in (400, 404)
    assert snapshot() == before


def test_someone_without_a_plan_gets_a_helpful_empty_page(org, client_as):
    response = client_as(org.buddy).get("/plan")
    assert response.status_code == 200
    assert "You have no onboarding plan yet" in html(response)


def test_my_plan_links_the_plans_i_buddy(org, make_plan, client_as):
    assert f'<a href="/plans/{org.plan_a.id}">Hana Hire’s plan</a>' in html(client_as(org.buddy).get("/plan"))
    assert "Plans you buddy" not in html(client_as(org.hire_b).get("/plan"))
    make_plan(hire=org.buddy, manager=org.manager_b)  # a buddy with a plan of their own sees both
    page = html(client_as(org.buddy).get("/plan"))
    assert 'name="done"' in page and f'<a href="/plans/{org.plan_a.id}">Hana Hire’s plan</a>' in page


def test_a_finished_plan_is_shown_read_only(org, client_as):
    org.plan_a.is_active = False
    db.session.commit()
    page = html(client_as(org.hire_a).get("/plan"))
    assert LEAF in page and "This plan is finished" in page and "Your plan is complete" not in page
    assert 'class="tick"' not in page and "Save self-assessment" not in page and "plan.js" not in page
    item = item_by_text(org.plan_a, LEAF)
    before = snapshot()
    response = tick(client_as(org.hire_a), item)
    assert response.status_code == 400 and "this plan is finished" in html(response).lower()
    assert snapshot() == before


def test_a_form_without_its_csrf_token_is_refused(app, org, client_as):
    app.config["WTF_CSRF_ENABLED"] = True
    item = item_by_text(org.plan_a, LEAF)
    before = snapshot()
    assert tick(client_as(org.hire_a), item).status_code == 400
    assert snapshot() == before


# --- the shared plan page: buddies read and comment -------------------------------------------------


def test_buddy_reads_the_plan_and_comments(org, client_as):
    client = client_as(org.buddy)
    page = html(client.get(f"/plans/{org.plan_a.id}"))
    assert "Hana Hire’s plan" in page and LEAF in page
    assert 'type="checkbox"' not in page and "Sign off" not in page  # read only
    response = client.post(f"/plans/{org.plan_a.id}/comments", data={"body": "You've got this <3 <script>x</script>"})
    assert response.status_code == 302
    page = html(client.get(f"/plans/{org.plan_a.id}"))
    assert "You&#39;ve got this &lt;3 &lt;script&gt;x&lt;/script&gt;" in page
    assert "Bea Buddy" in page
    assert db.session.scalar(select(Comment.body)) == "You've got this <3 <script>x</script>"


@pytest.mark.parametrize("body", ["", "   ", "c" * 5001])
def test_an_empty_or_huge_comment_is_refused(org, client_as, body):
    before = snapshot()
    response = client_as(org.buddy).post(f"/plans/{org.plan_a.id}/comments", data={"body": body})
    assert response.status_code == 400
    assert snapshot() == before


def test_history_shows_who_did_what_when_with_old_and_new_values(org, client_as):
    tick(client_as(org.hire_a), item_by_text(org.plan_a, LEAF), note="First try")
    page = html(client_as(org.manager_a).get(f"/plans/{org.plan_a.id}/history"))
    row = re.search(r"<tr>\s*<td><time[^>]*>2 Mar 2026, 09:30 UTC</time></td>\s*<td>Hana Hire</td>\s*"
                    r"<td>ticked “Answer ten customer tickets with a reviewer.”</td>(.*?)</tr>", page, re.S)
    assert row, page
    assert "state: open → done" in row.group(1)
    assert "note: — → First try" in row.group(1)
    assert "made the plan" in page


def test_history_pages(org, client_as):
    """Newest first, 50 a page, with who and what; junk page numbers read as page 1, huge ones as empty."""
    from onboarding.plans.states import reopen_item

    leaf = item_by_text(org.plan_a, LEAF)
    for n in range(30):  # 60 changes by the hire, after the system's plan.created: 61 events, 2 pages
        complete_item(leaf, org.hire_a, note=f"try {n}", now=NOW + timedelta(minutes=2 * n))
        reopen_item(leaf, org.hire_a, now=NOW + timedelta(minutes=2 * n + 1))
        db.session.commit()
    client = client_as(org.hire_a)

    def rows(page_arg: str) -> list[str]:
        response = client.get(f"/plans/{org.plan_a.id}/history?page={page_arg}")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        return re.findall(r"<tr>\s*<td><time[^>]*>([^<]+)</time></td>\s*<td>([^<]+)</td>\s*<td>([^<]+)", body), body

    first, body = rows("1")
    assert len(first) == 50 and "Page 1 of 2" in body and "Older changes" in body and "Newer changes" not in body
    assert first[0] == (nice_datetime(NOW + timedelta(minutes=59)), org.hire_a.name, "unticked “" + LEAF + "”")
    assert first[1][2] == "ticked “" + LEAF + "”"
    assert [r[0] for r in first] == sorted((r[0] for r in first), reverse=True)
    second, body = rows("2")
    assert len(second) == 11 and "Page 2 of 2" in body and "Newer changes" in body
    assert second[-1][1:] == ("the system", "made the plan")
    for junk in ("0", "-3", "abc"):
        assert rows(junk)[0] == first
    assert rows("99999999999999999999")[0] == [] and "No changes on this page." in rows("99999999999999999999")[1]
