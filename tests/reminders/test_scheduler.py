"""The scheduler's wiring, without running it forever; and where it must never start."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from onboarding import create_app
from onboarding.reminders import scheduler as wiring


def test_two_utc_interval_jobs_and_no_per_person_triggers(app):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    scheduler = wiring.make_scheduler(app, now=start)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"digests", "outbox"}

    digests = jobs["digests"]
    assert digests.func is wiring.digest_round and digests.args == (app, wiring.real_clock)
    assert isinstance(digests.trigger, IntervalTrigger)
    assert digests.trigger.interval == timedelta(minutes=15)
    assert digests.trigger.timezone == timezone.utc
    assert digests.next_run_time == start  # a restart catches up at once

    outbox = jobs["outbox"]
    assert outbox.func is wiring.outbox_round
    assert outbox.trigger.interval == timedelta(minutes=1) and outbox.trigger.timezone == timezone.utc

    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
    assert str(scheduler.timezone) == "UTC"
    assert not scheduler.running


def test_the_jobs_are_the_idempotent_functions(app, monkeypatch):
    calls = []
    monkeypatch.setattr("onboarding.reminders.build.build_digests", lambda now: calls.append(("build", now)) or 0)
    monkeypatch.setattr("onboarding.outbox.delivery.deliver_outbox", lambda now: calls.append(("deliver", now)) or 0)
    wiring.digest_round(app)
    wiring.outbox_round(app)
    assert [name for name, _ in calls] == ["build", "deliver", "deliver"]
    assert calls[0][1] == calls[1][1] and calls[0][1].tzinfo is not None


def test_a_clock_from_a_start_runs_on_from_it():
    start = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
    clock = wiring.clock_from(start)
    first, second = clock(), clock()
    assert start <= first <= second < start + timedelta(seconds=5)
    assert wiring.clock_from(None) is wiring.real_clock


def test_it_refuses_to_run_under_testing(app):
    with pytest.raises(RuntimeError, match="TESTING"):
        wiring.run_scheduler(app)


def test_the_command_refuses_under_testing(runner):
    result = runner.invoke(args=["scheduler"])
    assert result.exit_code == 1
    assert "does not run under TESTING" in result.output


def test_create_app_starts_no_scheduler(monkeypatch, tmp_path):
    started = []
    monkeypatch.setattr(BaseScheduler, "start", lambda self, *a, **k: started.append(self))
    before = {t.name for t in threading.enumerate()}
    for testing in (True, False):
        create_app({"TESTING": testing, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert started == []
    # the API's in-memory rate-limit storage (limits) runs a 10 ms expiry timer: short-lived threads
    # may end; a scheduler's thread would still be running a second later
    new = [t for t in threading.enumerate() if t.name not in before]
    for thread in new:
        thread.join(timeout=1)
    assert [t.name for t in new if t.is_alive()] == []
