"""The scheduler process (`onboarding scheduler`): APScheduler wired to the idempotent jobs.

Two UTC interval jobs, no per-person cron triggers (APScheduler's DST handling is not to be trusted
with local wall-clock times; the jobs work out who is due themselves):

- every 15 minutes: build the digests that are due, then deliver the outbox;
- every minute: deliver the outbox (retries after backoff, messages queued by others).

Never started by create_app, by web workers or under TESTING. A second scheduler started by
mistake sends nothing twice: claims are unique rows and outbox claims are exclusive.
"""
from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

logger = logging.getLogger(__name__)

DIGEST_MINUTES = 15
OUTBOX_MINUTES = 1
JOB_DEFAULTS = {
    # A run missed while the machine slept is run once, not once per missed slot.
    "coalesce": True,
    "max_instances": 1,
    "misfire_grace_time": 5 * 60,
}


Clock = Callable[[], datetime]


def real_clock() -> datetime:
    return datetime.now(timezone.utc)


def clock_from(start: datetime | None) -> Clock:
    """The real clock, or one that starts at `start` and runs on at the real pace (`--now`)."""
    if start is None:
        return real_clock
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


def digest_round(app: Flask, clock: Clock = real_clock) -> None:
    """Build the digests due now, then deliver the outbox."""
    from onboarding.ops.logging import job_round
    from onboarding.outbox.delivery import deliver_outbox
    from onboarding.reminders.build import build_digests

    with app.app_context(), job_round("digests") as figures:
        now = clock()
        figures["queued"] = built = build_digests(now)
        figures["delivered"] = sent = deliver_outbox(now)
        logger.info("scheduler: digest round at %s done: %d digest(s) built, %d message(s) sent",
                    now.isoformat(), built, sent)


def outbox_round(app: Flask, clock: Clock = real_clock) -> None:
    """Deliver what is queued and due (new messages, retries after backoff)."""
    from onboarding.ops.logging import job_round
    from onboarding.outbox.delivery import deliver_outbox

    with app.app_context(), job_round("outbox") as figures:
        figures["delivered"] = deliver_outbox(clock())


def make_scheduler(app: Flask, *, now: datetime | None = None, clock: Clock = real_clock) -> BlockingScheduler:
    """A configured, not yet started scheduler: the digest round runs at once (`now`, real time),
    then every 15 minutes; the jobs read `clock`."""
    now = now or datetime.now(timezone.utc)
    scheduler = BlockingScheduler(timezone=timezone.utc, job_defaults=dict(JOB_DEFAULTS))
    scheduler.add_job(
        digest_round, IntervalTrigger(minutes=DIGEST_MINUTES, timezone=timezone.utc), args=(app, clock),
        id="digests", name="Build due digests and deliver the outbox", next_run_time=now, **JOB_DEFAULTS,
    )
    scheduler.add_job(
        outbox_round, IntervalTrigger(minutes=OUTBOX_MINUTES, timezone=timezone.utc), args=(app, clock),
        id="outbox", name="Deliver the outbox", **JOB_DEFAULTS,
    )
    return scheduler


def run_scheduler(app: Flask, *, start: datetime | None = None) -> None:
    """Run the scheduler in the foreground until interrupted (Ctrl-C or SIGTERM); with `start`,
    the jobs see a clock that began at that moment."""
    if app.testing:
        raise RuntimeError("the scheduler does not run under TESTING: tests call the jobs directly")
    scheduler = make_scheduler(app, clock=clock_from(start))

    def stop(signum, frame):
        logger.info("scheduler: signal %s, stopping", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    logger.info("scheduler: digests every %d minutes, outbox every %d minute(s), UTC", DIGEST_MINUTES, OUTBOX_MINUTES)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        if scheduler.running:
            scheduler.shutdown(wait=False)
    logger.info("scheduler: stopped")
