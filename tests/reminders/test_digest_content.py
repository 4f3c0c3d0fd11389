"""Each person gets exactly the digest they should, with the right items, delivered through real SMTP."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from onboarding.extensions import db
from onboarding.outbox.delivery import deliver_outbox
from onboarding.outbox.models import OutboxMessage
from onboarding.plans.check_ins import record_check_in
from onboarding.plans.states import complete_item, send_back_item
from onboarding.reminders.build import build_digests
from onboarding.reminders.models import Digest
from tests.conftest import NOW, TODAY, sample_role
from tests.reminders.helpers import digests_of, item_named, outbox

HELP_DESK = "The help desk"
STATUS_PAGE = "The status page"
TICKETS = "Answer ten customer tickets with a reviewer."
MORNING = "Own the morning queue for a week."


def org(person, make_plan):
    """A small organisation on Monday 2 March 2026, 09:30 UTC (NOW), everyone on the default weekly digest.

    Ada started 20 days ago: her 30-day items are due in 10 days; one is done (waiting for Grace),
    one was sent back. Bob started 46 days ago: his 30-day items are 16 days overdue and his
    60-day item falls due in exactly 14 days. Cy started today: nothing due soon. Dee has no plan.
    Fay's plan has no manager. Gus has overdue items but turned digests off. Ivy's account is closed.
    """
    grace = person("grace@example.com", name="Grace Hopper", role="manager")
    admin = person("admin@example.com", name="Alan Admin", role="admin")
    ada = person("ada@example.com", name="Ada Lovelace", manager=grace)
    bob = person("bob@example.com", name="Bob Byte", manager=grace)
    cy = person("cy@example.com", name="Cy Young", manager=grace)
    dee = person("dee@example.com", name="Dee Plan")
    fay = person("fay@example.com", name="Fay Free")
    gus = person("gus@example.com", name="Gus Quiet", cadence="off")
    ivy = person("ivy@example.com", name="Ivy Gone")
    ivy.is_active_account = False
    plans = {
        "ada": make_plan(hire=ada, manager=grace, start_on=TODAY - timedelta(days=20)),
        "bob": make_plan(hire=bob, manager=grace, start_on=TODAY - timedelta(days=46)),
        "cy": make_plan(hire=cy, manager=grace, start_on=TODAY),
        "fay": make_plan(hire=fay, manager=False, start_on=TODAY + timedelta(days=30)),
        "gus": make_plan(hire=gus, manager=grace, start_on=TODAY - timedelta(days=60)),
        "ivy": make_plan(hire=ivy, manager=False, start_on=TODAY - timedelta(days=60)),
    }
    earlier = NOW - timedelta(days=1)
    complete_item(item_named(plans["ada"], HELP_DESK), ada, now=earlier)
    complete_item(item_named(plans["ada"], STATUS_PAGE), ada, now=earlier)
    send_back_item(item_named(plans["ada"], STATUS_PAGE), grace, "Add the link to the runbook, please.", earlier)
    # Gus's check-ins are recorded and all his work is signed off; he is still off.
    record_check_in(plans["gus"], "day-30", grace, "on track", "", earlier)
    db.session.add(OutboxMessage(to_addr="lost@example.com", subject="Old digest", text_body="x", html_body="x",
                                 headers={}, status="failed", last_error="550 5.1.1 No such user here",
                                 next_attempt_at=earlier, created_at=earlier))
    db.session.commit()
    return {"grace": grace, "admin": admin, "ada": ada, "bob": bob, "cy": cy, "dee": dee, "fay": fay, "gus": gus,
            "ivy": ivy}, plans


def test_each_person_gets_exactly_their_digest(app, person, make_plan, smtp):
    people, _ = org(person, make_plan)

    assert build_digests(NOW) == 4
    assert deliver_outbox(NOW) == 4

    received = {r.to: r for r in smtp.received}
    assert sorted(received) == ["ada@example.com", "admin@example.com", "bob@example.com", "grace@example.com"]
    assert all(len(smtp.to(address)) == 1 for address in received)

    ada = received["ada@example.com"].text
    assert "Sent back to you (1)" in ada
    assert "Learn the ticket queue and its tools: The status page" in ada
    assert "Comment: Add the link to the runbook, please." in ada
    assert "Due in the next 14 days (1)" in ada and TICKETS in ada
    assert "Next check-in: 30-day check-in with Grace Hopper, Thu 12 Mar 2026" in ada
    assert HELP_DESK not in ada  # done, waiting for Grace: nothing for Ada to do
    assert "Overdue" not in ada and "YOUR TEAM" not in ada
    assert received["ada@example.com"].message["Subject"] == (
        "Onboarding: 1 sent back, 1 due in the next 14 days, 30-day check-in on Thu 12 Mar 2026")

    bob = received["bob@example.com"].text
    assert "Overdue (3)" in bob
    for text in (HELP_DESK, STATUS_PAGE, TICKETS):
        assert text in bob
    assert "(was due Sat 14 Feb 2026)" in bob
    # due exactly 14 days from today still counts as "in the next 14 days"
    assert "Due in the next 14 days (1)" in bob and f"{MORNING} (due Mon 16 Mar 2026)" in bob
    assert "Write two help articles." not in bob

    grace = received["grace@example.com"].text
    assert "Waiting for your sign-off (1)\n- Ada Lovelace: Learn the ticket queue and its tools: The help desk" in grace
    assert "Check-ins due (2)\n- Bob Byte: 30-day check-in, Sat 14 Feb 2026\n- Gus Quiet: 60-day check-in" in grace
    assert "Gus Quiet: 30-day" not in grace  # recorded
    assert "- Bob Byte: overdue (3 items past due)" in grace
    assert "Ada Lovelace: on track" not in grace and "Cy Young" not in grace
    assert "YOUR PLAN" not in grace

    admin = received["admin@example.com"]
    assert admin.message["Subject"].startswith("Onboarding weekly report: 3 plans overdue by more than 14 days")
    assert "Plans overdue by more than 14 days (3)" in admin.text
    assert "- Bob Byte: 3 items open since Sat 14 Feb 2026 (manager: Grace Hopper)" in admin.text
    assert "- Ivy Gone: 3 items open since Sat 31 Jan 2026 (no manager)" in admin.text
    assert "Plans without a manager (2)" in admin.text and "- Fay Free: starts Wed 1 Apr 2026" in admin.text
    assert "- lost@example.com: 550 5.1.1 No such user here" in admin.text
    assert "See the outbox: http://onboarding.test/admin/outbox" in admin.text
    assert "Ada Lovelace" not in admin.text  # on track


def test_nothing_to_say_means_no_email_but_the_period_is_claimed(app, person, make_plan, smtp):
    people, _ = org(person, make_plan)
    build_digests(NOW)
    for name in ("cy", "dee", "fay"):
        claims = digests_of(people[name])
        assert [(d.kind, d.period, d.message_id) for d in claims] == [("person", "2026-W10", None)]
    admin_claims = {(d.kind, d.message_id is None) for d in digests_of(people["admin"])}
    assert admin_claims == {("person", True), ("admin", False)}
    # off and closed accounts are not even considered
    assert digests_of(people["gus"]) == [] and digests_of(people["ivy"]) == []
    assert {m.to_addr for m in outbox() if m.status == "queued"} == {
        "ada@example.com", "bob@example.com", "grace@example.com", "admin@example.com"}


def test_a_round_twice_sends_nothing_twice(app, person, make_plan, smtp):
    org(person, make_plan)
    assert build_digests(NOW) == 4 and deliver_outbox(NOW) == 4
    assert build_digests(NOW) == 0 and deliver_outbox(NOW) == 0
    later = NOW + timedelta(hours=30)  # Tuesday: the weekly period is still claimed
    assert build_digests(later) == 0 and deliver_outbox(later) == 0
    assert len(smtp.received) == 4
    assert db.session.scalar(select(Digest).where(Digest.message_id.is_not(None)).limit(1)) is not None


def test_next_week_brings_the_next_digest(app, person, make_plan, smtp):
    people, _ = org(person, make_plan)
    build_digests(NOW)
    deliver_outbox(NOW)
    next_monday = NOW + timedelta(days=7)
    assert build_digests(next_monday) >= 3
    deliver_outbox(next_monday)
    assert len(smtp.to("bob@example.com")) == 2
    assert [d.period for d in digests_of(people["bob"])] == ["2026-W10", "2026-W11"]


def test_daily_digest_uses_the_local_date_and_hour(app, person, make_plan, smtp):
    ada = person("ada@example.com", cadence="daily", hour=8, timezone="Europe/Paris")
    make_plan(hire=ada, manager=False, start_on=TODAY - timedelta(days=35))
    assert build_digests(NOW.replace(hour=6, minute=45)) == 0  # 07:45 in Paris
    assert build_digests(NOW.replace(hour=7, minute=0)) == 1  # 08:00 in Paris
    assert build_digests(NOW.replace(hour=22, minute=59)) == 0  # 23:59 in Paris, same day
    assert build_digests(NOW.replace(hour=23, minute=0)) == 0  # 00:00 on Tuesday, before 08:00
    assert [d.period for d in digests_of(ada)] == ["2026-03-02"]


def test_a_manager_who_is_also_a_hire_gets_one_email_with_both_sections(app, person, make_plan, smtp):
    boss = person("boss@example.com", name="Big Boss", role="manager")
    mia = person("mia@example.com", name="Mia Middle", role="manager", manager=boss)
    rex = person("rex@example.com", name="Rex Report", manager=mia)
    make_plan(hire=mia, manager=boss, start_on=TODAY - timedelta(days=46))
    make_plan(hire=rex, manager=mia, start_on=TODAY - timedelta(days=46))
    build_digests(NOW)
    deliver_outbox(NOW)
    [mail] = smtp.to("mia@example.com")
    assert "== YOUR PLAN ==" in mail.text and "== YOUR TEAM ==" in mail.text
    assert "- Rex Report: overdue (3 items past due)" in mail.text
    assert "Mia Middle: overdue" in smtp.to("boss@example.com")[0].text


def test_a_long_list_is_cut_with_a_count(app, person, make_plan, make_role, smtp):
    phases = sample_role("Big Role")["phases"]
    phases[0]["milestones"] = [{"text": f"Task number {n}.", "children": []} for n in range(1, 21)]
    template = make_role("Big Role", phases=phases)
    hire = person("many@example.com")
    make_plan(hire=hire, manager=False, start_on=TODAY - timedelta(days=40), role=template)
    build_digests(NOW)
    deliver_outbox(NOW)
    [mail] = smtp.received
    assert "Overdue (20)" in mail.text
    assert "Task number 15." in mail.text and "Task number 16." not in mail.text
    assert "... and 5 more" in mail.text
    assert "… and 5 more" in mail.html


def test_user_text_is_escaped_in_html(app, person, make_plan, smtp):
    grace = person("grace@example.com", name="Grace <b>Boss</b>", role="manager")
    ada = person("ada@example.com", name="Ada & <script>", manager=grace)
    plan = make_plan(hire=ada, manager=grace, start_on=TODAY - timedelta(days=20))
    complete_item(item_named(plan, STATUS_PAGE), ada, now=NOW - timedelta(days=1))
    send_back_item(item_named(plan, STATUS_PAGE), grace, "<img src=x onerror=alert(1)>", NOW - timedelta(days=1))
    db.session.commit()
    build_digests(NOW)
    deliver_outbox(NOW)
    html = smtp.to("ada@example.com")[0].html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>Boss</b>" not in html
    assert "<img src=x onerror=alert(1)>" in smtp.to("ada@example.com")[0].text  # plain text stays plain


def test_the_round_logs_what_it_queued_and_who_had_nothing_to_say(app, person, make_plan, caplog):
    """Bob's 30-day items are overdue, Dee has no plan: one digest, one person with nothing to say,
    counted the same by the dry run; a later round with only an empty digest still says so."""
    bob = person("bob@example.com", name="Bob Byte")
    make_plan(hire=bob, manager=False, start_on=TODAY - timedelta(days=46))
    person("dee@example.com", name="Dee Plan")
    db.session.commit()
    caplog.set_level("INFO", logger="onboarding.reminders.build")

    def logged() -> list[str]:
        lines = [r.getMessage() for r in caplog.records if r.name == "onboarding.reminders.build"]
        caplog.clear()
        return lines

    assert build_digests(NOW, dry_run=True) == 1
    db.session.rollback()
    assert logged() == ["digests: 1 queued, 1 with nothing to say (dry run)"]
    assert build_digests(NOW) == 1
    assert logged() == ["digests: 1 queued, 1 with nothing to say"]
    person("eve@example.com", name="Eve Empty")
    db.session.commit()
    assert build_digests(NOW) == 0
    assert logged() == ["digests: 0 queued, 1 with nothing to say"]
