"""`onboarding digests send`: one round by hand, at any moment, or as a dry run that writes nothing."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.reminders.models import Digest
from tests.conftest import TODAY


def two_hires(person, make_plan):
    for name in ("ada", "bob"):
        hire = person(f"{name}@example.com", name=name.capitalize())
        make_plan(hire=hire, manager=False, start_on=TODAY - timedelta(days=40))


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_send_builds_and_delivers(runner, person, make_plan, smtp):
    two_hires(person, make_plan)
    result = runner.invoke(args=["digests", "send", "--now", "2026-03-02T09:30:00Z"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Queued 2 digest(s); delivered 2 message(s)."
    assert sorted(r.to for r in smtp.received) == ["ada@example.com", "bob@example.com"]
    again = runner.invoke(args=["digests", "send", "--now", "2026-03-02T09:45:00Z"])
    assert again.output.strip() == "Queued 0 digest(s); delivered 0 message(s)."
    assert len(smtp.received) == 2


def test_now_with_an_offset_or_without_one(runner, person, make_plan, smtp):
    two_hires(person, make_plan)
    # 09:59 in Paris is 08:59 UTC: before the send hour of these UTC people
    assert "Queued 0" in runner.invoke(args=["digests", "send", "--now", "2026-03-02T09:59:00+01:00"]).output
    # no offset means UTC
    assert "Queued 2" in runner.invoke(args=["digests", "send", "--now", "2026-03-02T09:00"]).output


def test_dry_run_prints_what_would_be_sent_and_writes_nothing(runner, person, make_plan, smtp):
    two_hires(person, make_plan)
    result = runner.invoke(args=["digests", "send", "--now", "2026-03-02T09:30:00Z", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "To: Ada <ada@example.com>" in result.output and "To: Bob <bob@example.com>" in result.output
    assert "Subject: Onboarding: 3 overdue" in result.output
    assert "Learn the ticket queue and its tools: The help desk" in result.output
    assert result.output.strip().endswith(
        "2 digest(s) would be queued; 0 message(s) already queued would be delivered. Nothing was written or sent.")
    assert count(Digest) == 0 and count(OutboxMessage) == 0
    assert smtp.received == []
    # the real round afterwards still sends everything
    assert "Queued 2" in runner.invoke(args=["digests", "send", "--now", "2026-03-02T09:30:00Z"]).output


def test_dry_run_counts_mail_already_queued(runner, person, make_plan):
    two_hires(person, make_plan)
    runner.invoke(args=["digests", "send", "--now", "2026-03-02T09:30:00Z"])  # no SMTP: stays queued
    result = runner.invoke(args=["digests", "send", "--now", "2026-03-02T10:00:00Z", "--dry-run"])
    assert "0 digest(s) would be queued; 2 message(s) already queued would be delivered" in result.output
    assert count(OutboxMessage) == 2


def test_without_smtp_mail_stays_queued(runner, person, make_plan):
    two_hires(person, make_plan)
    result = runner.invoke(args=["digests", "send", "--now", "2026-03-02T09:30:00Z"])
    assert result.exit_code == 0
    assert "Queued 2 digest(s). No SMTP server configured (ONBOARDING_SMTP_HOST): 2 message(s) wait" in result.output


def test_a_bad_now_is_a_one_line_error(runner):
    for value in ("yesterday", "2026-13-01T00:00", "2026-03-02T25:00", ""):
        result = runner.invoke(args=["digests", "send", "--now", value])
        if value == "":
            continue  # an empty value means "now"
        assert result.exit_code == 1
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: --now")
        assert "Traceback" not in result.output
