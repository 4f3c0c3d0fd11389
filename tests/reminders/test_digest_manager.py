"""A manager's digest with several hires: check-ins due in date order (not name order), and an item
due exactly today is not "overdue" for anyone (it is for the hire due, for the manager at risk)."""
from __future__ import annotations

from datetime import timedelta

from onboarding.outbox.delivery import deliver_outbox
from onboarding.reminders.build import build_digests
from tests.conftest import NOW, TODAY


def _digest_for(smtp, address):
    [received] = smtp.to(address)
    return received.text


def test_check_ins_due_are_sorted_by_date_not_by_name(app, person, make_plan, smtp):
    grace = person("grace@example.com", name="Grace Hopper", role="manager")
    # names in the opposite order of their check-in dates
    for name, days_ago in (("Abe Able", 25), ("Mo Middle", 30), ("Zed Zulu", 33)):
        hire = person(f"{name.split()[0].lower()}@example.com", name=name, manager=grace)
        make_plan(hire=hire, manager=grace, start_on=TODAY - timedelta(days=days_ago))
    build_digests(NOW)
    deliver_outbox(NOW)
    text = _digest_for(smtp, "grace@example.com")
    section = text.split("Check-ins due (3)\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert section == [
        "- Zed Zulu: 30-day check-in, Fri 27 Feb 2026",
        "- Mo Middle: 30-day check-in, Mon 2 Mar 2026",
        "- Abe Able: 30-day check-in, Sat 7 Mar 2026",
    ]


def test_an_item_due_today_is_not_overdue(app, person, make_plan, smtp):
    grace = person("grace@example.com", name="Grace Hopper", role="manager")
    ada = person("ada@example.com", name="Ada Lovelace", manager=grace)
    make_plan(hire=ada, manager=grace, start_on=TODAY - timedelta(days=30))  # the 30-day items are due today
    build_digests(NOW)
    deliver_outbox(NOW)
    manager = _digest_for(smtp, "grace@example.com")
    assert "- Ada Lovelace: at risk" in manager
    assert "- Ada Lovelace: overdue" not in manager and "past due" not in manager
    hire = _digest_for(smtp, "ada@example.com")
    assert "Overdue" not in hire
    assert "Due in the next 14 days (3)" in hire and "(due Mon 2 Mar 2026)" in hire
