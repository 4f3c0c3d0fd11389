"""The admin dashboard to act on: counts of overdue and at-risk plans, plans without a manager,
failed mail and overdue check-ins, each a link whose filtered list holds exactly what was counted;
helpful empty states; a fixed number of queries whatever the number of hires."""
from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest

from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.plans.check_ins import record_check_in
from tests.conftest import NOW, TODAY


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin(make_user):
    return make_user(email="root@example.com", name="Ada Admin", role="admin")


def _failed_mail(to: str = "gone@example.com") -> None:
    db.session.add(OutboxMessage(to_addr=to, subject="Your digest", text_body="", html_body="", headers={},
                                 status="failed", last_error="550 no such user", created_at=NOW, next_attempt_at=NOW))
    db.session.commit()


@pytest.fixture
def organisation(make_user, make_plan, admin):
    """One plan in each state the dashboard counts, and one that needs nothing."""
    manager = make_user(email="mara@example.com", name="Mara Manager", role="manager")

    def plan(name, **kwargs):
        return make_plan(hire=make_user(name=name, email=f"{name.split()[0].lower()}@example.com"), **kwargs)

    plans = {
        # 45 days in: the 30-day phase ended 15 days ago, nothing done, no check-in
        "overdue": plan("Olly Overdue", manager=manager, start_on=TODAY - timedelta(days=45)),
        # 26 days in: the 30-day phase ends in 4 days with nothing done
        "at risk": plan("Rita Risky", manager=manager, start_on=TODAY - timedelta(days=26)),
        "no manager": plan("Nell Nomanager", manager=False),
        "fine": plan("Fiona Fine", manager=manager),
    }
    # Overdue, but its check-in held: counts as an overdue plan, not as an overdue check-in.
    held = plan("Hugo Held", manager=manager, start_on=TODAY - timedelta(days=40))
    record_check_in(held, "day-30", manager, "at risk", "", NOW)
    db.session.commit()
    plans["held"] = held
    _failed_mail()
    return plans


def _cards(page: str) -> dict[str, tuple[int, str | None]]:
    """label -> (count, link) for each count on the dashboard."""
    cards = {}
    for body in re.findall(r'<li class="count-card[^"]*">(.*?)</li>', page, re.S):
        link = re.search(r'<a href="([^"]+)">', body)
        count, label = re.search(r'<strong class="count">(\d+)</strong>\s*([^<]+)', body).groups()
        cards[label.strip()] = (int(count), html_lib.unescape(link.group(1)) if link else None)
    return cards


def _plan_names(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/admin/plans/\d+">([^<]+)</a>', page)


def test_counts_link_to_lists_of_exactly_what_was_counted(organisation, admin, client_as):
    client = client_as(admin)
    cards = _cards(html(client.get("/admin/")))
    assert cards == {
        "overdue plans": (2, "/admin/plans?status=overdue"),
        "plan at risk": (1, "/admin/plans?status=at+risk"),
        "check-in overdue": (1, "/admin/plans?check_in=overdue"),
        "plan without a manager": (1, "/admin/plans?manager=none"),
        "mail failed": (1, "/admin/outbox#failed"),
    }
    lists = {
        "overdue plans": ["Hugo Held", "Olly Overdue"],
        "plan at risk": ["Rita Risky"],
        "check-in overdue": ["Olly Overdue"],
        "plan without a manager": ["Nell Nomanager"],
    }
    for label, names in lists.items():
        page = html(client.get(cards[label][1]))
        assert _plan_names(page) == names, label
        assert f"{len(names)} plan{'s' if len(names) != 1 else ''} match" in page
    outbox = html(client.get("/admin/outbox"))
    failed = outbox[outbox.index('<h2 id="failed">'):outbox.index('<h2 id="queued">')]
    assert "gone@example.com" in failed and "550 no such user" in failed


def test_the_check_in_filter_is_a_field_of_all_plans(organisation, admin, client_as):
    page = html(client_as(admin).get("/admin/plans?check_in=overdue"))
    assert '<label for="check_in">Check-ins</label>' in page
    assert '<option selected value="overdue">A check-in is overdue</option>' in page
    assert "Clear the filters" in page
    assert client_as(admin).get("/admin/plans?check_in=bogus").status_code == 400


def test_a_held_check_in_leaves_the_count(organisation, admin, client_as):
    record_check_in(organisation["overdue"], "day-30", organisation["overdue"].manager, "off track", "", NOW)
    db.session.commit()
    cards = _cards(html(client_as(admin).get("/admin/")))
    assert cards["check-ins overdue"] == (0, None)
    assert _plan_names(html(client_as(admin).get("/admin/plans?check_in=overdue"))) == []


def test_zero_counts_say_all_is_well_and_link_nowhere(make_plan, admin, client_as):
    make_plan()
    page = html(client_as(admin).get("/admin/"))
    assert all(link is None and count == 0 for count, link in _cards(page).values())
    for text in ("Every plan is on time.", "Every plan has a manager.", "All mail went out or is on its way.",
                 "Every ended phase has its check-in.", "Nothing needs you today."):
        assert text in page
    assert "Plans without a manager (" not in page


def test_an_empty_organisation_is_told_where_to_start(admin, client_as, make_role):
    page = html(client_as(admin).get("/admin/"))
    assert "<strong>Start here:</strong> import a role blueprint" in page and "Needs attention" not in page
    make_role()
    page = html(client_as(admin).get("/admin/"))
    assert "<strong>Next:</strong> add a hire." in page and 'href="/admin/plans/new"' in page


def test_failed_mail_shows_even_without_plans(admin, client_as):
    _failed_mail()
    cards = _cards(html(client_as(admin).get("/admin/")))
    assert cards["mail failed"] == (1, "/admin/outbox#failed")


def test_the_no_manager_list_names_a_few_and_links_to_all(make_user, make_plan, admin, client_as):
    for n in range(12):
        make_plan(hire=make_user(name=f"Orphan {n:02d}"), manager=False)
    page = html(client_as(admin).get("/admin/"))
    assert "Plans without a manager (12)" in page
    assert page.count('<li><a href="/admin/plans/') == 10
    assert '<a href="/admin/plans?manager=none">All 12 plans without a manager</a>' in page


def test_dashboard_query_count_does_not_grow_with_the_hires(make_user, make_plan, admin, client_as, count_queries):
    client = client_as(admin)
    manager = make_user(role="manager")

    def add(n):
        for i in range(n):
            make_plan(manager=manager if i % 2 else False, start_on=TODAY - timedelta(days=15 * i))
            _failed_mail(f"gone{i}@example.com")

    def measure():
        with count_queries() as statements:
            page = html(client.get("/admin/"))
        return len(statements), _cards(page)

    add(3)
    small, cards = measure()
    assert cards["plans without a manager"][0] == 2
    add(6)
    large, cards = measure()
    assert cards["plans without a manager"][0] == 5 and cards["mails failed"][0] == 9
    assert small == large, f"{small} queries for 3 hires, {large} for 9"
