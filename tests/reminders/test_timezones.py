"""One digest per day or week, at the right local hour, across time zones, DST changes and downtime.

The scheduler wakes every 15 minutes (UTC); these tests wake `build_digests` the same way over
several days and look at the claims it made (one row per person and period, with the moment it
was made), which exist whether or not there was anything to say.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from onboarding.extensions import db
from onboarding.reminders.build import build_digests
from onboarding.reminders.models import Digest
from onboarding.reminders.schedule import due_period
from tests.reminders.helpers import utc, wakes


def claims(user) -> list[tuple[str, datetime]]:
    rows = db.session.execute(
        select(Digest.period, Digest.created_at).where(Digest.user_id == user.id, Digest.kind == "person")
        .order_by(Digest.created_at)
    ).all()
    return [(period, created_at) for period, created_at in rows]


def run_wakes(start: datetime, end: datetime, every: timedelta = timedelta(minutes=15), skip=()) -> None:
    for moment in wakes(start, end, every):
        if any(a <= moment < b for a, b in skip):
            continue
        build_digests(moment)


def test_fixed_offsets_honolulu_and_kathmandu(app, person):
    honolulu = person("hnl@example.com", timezone="Pacific/Honolulu", cadence="daily")  # UTC-10
    kathmandu = person("ktm@example.com", timezone="Asia/Kathmandu", cadence="daily")  # UTC+5:45
    run_wakes(utc(2026, 6, 1), utc(2026, 6, 4))
    # 00:00 UTC on 1 June is 14:00 on 31 May in Honolulu: past 09:00, so that day goes out at once.
    assert claims(honolulu) == [
        ("2026-05-31", utc(2026, 6, 1, 0, 0)),
        ("2026-06-01", utc(2026, 6, 1, 19, 0)),
        ("2026-06-02", utc(2026, 6, 2, 19, 0)),
        ("2026-06-03", utc(2026, 6, 3, 19, 0)),
    ]
    # 09:00 in Kathmandu is 03:15 UTC: a quarter-hour wake lands exactly on it.
    assert claims(kathmandu) == [
        ("2026-06-01", utc(2026, 6, 1, 3, 15)),
        ("2026-06-02", utc(2026, 6, 2, 3, 15)),
        ("2026-06-03", utc(2026, 6, 3, 3, 15)),
    ]


def test_spring_forward_in_paris(app, person):
    """29 March 2026: 02:00 CET becomes 03:00 CEST."""
    at_nine = person("nine@example.com", timezone="Europe/Paris", cadence="daily", hour=9)
    at_two = person("two@example.com", timezone="Europe/Paris", cadence="daily", hour=2)
    run_wakes(utc(2026, 3, 28), utc(2026, 3, 31))
    assert claims(at_nine) == [
        ("2026-03-28", utc(2026, 3, 28, 8, 0)),  # 09:00 CET
        ("2026-03-29", utc(2026, 3, 29, 7, 0)),  # 09:00 CEST
        ("2026-03-30", utc(2026, 3, 30, 7, 0)),
    ]
    # 02:00 does not exist on the 29th: the first wake past it (03:00 CEST) sends, once.
    assert claims(at_two) == [
        ("2026-03-28", utc(2026, 3, 28, 1, 0)),
        ("2026-03-29", utc(2026, 3, 29, 1, 0)),
        ("2026-03-30", utc(2026, 3, 30, 0, 0)),
    ]


def test_fall_back_in_paris(app, person):
    """25 October 2026: 03:00 CEST becomes 02:00 CET; the hour from 02:00 happens twice."""
    at_nine = person("nine@example.com", timezone="Europe/Paris", cadence="daily", hour=9)
    at_two = person("two@example.com", timezone="Europe/Paris", cadence="daily", hour=2)
    run_wakes(utc(2026, 10, 24), utc(2026, 10, 27))
    assert claims(at_nine) == [
        ("2026-10-24", utc(2026, 10, 24, 7, 0)),
        ("2026-10-25", utc(2026, 10, 25, 8, 0)),
        ("2026-10-26", utc(2026, 10, 26, 8, 0)),
    ]
    # the first 02:00 (CEST) sends; the second 02:00 (CET) finds the day already claimed
    assert claims(at_two) == [
        ("2026-10-24", utc(2026, 10, 24, 0, 0)),
        ("2026-10-25", utc(2026, 10, 25, 0, 0)),
        ("2026-10-26", utc(2026, 10, 26, 1, 0)),
    ]


def test_spring_forward_in_new_york(app, person):
    """8 March 2026: 02:00 EST becomes 03:00 EDT."""
    at_nine = person("nine@example.com", timezone="America/New_York", cadence="daily", hour=9)
    at_two = person("two@example.com", timezone="America/New_York", cadence="daily", hour=2)
    run_wakes(utc(2026, 3, 7, 5), utc(2026, 3, 10, 5))  # from local midnight (EST)
    assert claims(at_nine) == [
        ("2026-03-07", utc(2026, 3, 7, 14, 0)),  # 09:00 EST
        ("2026-03-08", utc(2026, 3, 8, 13, 0)),  # 09:00 EDT
        ("2026-03-09", utc(2026, 3, 9, 13, 0)),
    ]
    assert claims(at_two) == [
        ("2026-03-07", utc(2026, 3, 7, 7, 0)),
        ("2026-03-08", utc(2026, 3, 8, 7, 0)),  # 03:00 EDT, the first moment past 02:00
        ("2026-03-09", utc(2026, 3, 9, 6, 0)),
    ]


def test_fall_back_in_new_york(app, person):
    """1 November 2026: 02:00 EDT becomes 01:00 EST; 01:00 to 02:00 happens twice."""
    at_nine = person("nine@example.com", timezone="America/New_York", cadence="daily", hour=9)
    at_one = person("one@example.com", timezone="America/New_York", cadence="daily", hour=1)
    run_wakes(utc(2026, 10, 31, 4), utc(2026, 11, 3, 5))  # from local midnight (EDT)
    assert claims(at_nine) == [
        ("2026-10-31", utc(2026, 10, 31, 13, 0)),
        ("2026-11-01", utc(2026, 11, 1, 14, 0)),
        ("2026-11-02", utc(2026, 11, 2, 14, 0)),
    ]
    assert claims(at_one) == [
        ("2026-10-31", utc(2026, 10, 31, 5, 0)),
        ("2026-11-01", utc(2026, 11, 1, 5, 0)),  # 01:00 EDT; 01:00 EST an hour later sends nothing
        ("2026-11-02", utc(2026, 11, 2, 6, 0)),
    ]


@pytest.mark.parametrize("zone, first_monday, second_monday", [
    # the week of the change: Monday before in standard time, Monday after in summer time
    ("America/New_York", utc(2026, 3, 2, 14, 0), utc(2026, 3, 9, 13, 0)),
    ("Europe/Paris", utc(2026, 3, 23, 8, 0), utc(2026, 3, 30, 7, 0)),
    ("Europe/Paris", utc(2026, 10, 19, 7, 0), utc(2026, 10, 26, 8, 0)),
    ("America/New_York", utc(2026, 10, 26, 13, 0), utc(2026, 11, 2, 14, 0)),
])
def test_weekly_goes_out_on_monday_at_the_local_hour_across_dst(app, person, zone, first_monday, second_monday):
    weekly = person("weekly@example.com", timezone=zone, cadence="weekly", hour=9)
    first_midnight = first_monday - timedelta(hours=9)  # Monday 00:00 local (the send hour is 09:00)
    second_midnight = second_monday - timedelta(hours=9)
    # every quarter hour on both Mondays, hourly in between (a wrong claim would show up either way)
    run_wakes(first_midnight, first_midnight + timedelta(days=1))
    run_wakes(first_midnight + timedelta(days=1), second_midnight, every=timedelta(hours=1))
    run_wakes(second_midnight, second_midnight + timedelta(days=1))
    periods = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in (first_monday, second_monday)]
    assert claims(weekly) == [(periods[0], first_monday), (periods[1], second_monday)]


def test_machine_off_at_nine_sends_at_the_next_wake_once(app, person):
    daily = person("daily@example.com", cadence="daily", hour=9)
    weekly = person("weekly@example.com", cadence="weekly", hour=9)
    # Monday 2 March: the machine is off from 07:00 to 13:07 UTC, then wakes at odd minutes.
    off = (utc(2026, 3, 2, 7), utc(2026, 3, 2, 13, 7))
    run_wakes(utc(2026, 3, 2), utc(2026, 3, 2, 13, 7), skip=[off])
    run_wakes(utc(2026, 3, 2, 13, 7), utc(2026, 3, 3, 12))
    assert claims(daily) == [("2026-03-02", utc(2026, 3, 2, 13, 7)), ("2026-03-03", utc(2026, 3, 3, 9, 7))]
    assert claims(weekly) == [("2026-W10", utc(2026, 3, 2, 13, 7))]


def test_weekly_missed_monday_catches_up_within_the_week(app, person):
    weekly = person("weekly@example.com", cadence="weekly", hour=9)
    build_digests(utc(2026, 3, 1, 23, 0))  # Sunday: the previous week's Monday has passed
    build_digests(utc(2026, 3, 4, 10, 0))  # Wednesday: the machine was off all Monday and Tuesday
    build_digests(utc(2026, 3, 8, 23, 45))  # Sunday night
    build_digests(utc(2026, 3, 9, 8, 45))  # next Monday before 09:00
    assert [period for period, _ in claims(weekly)] == ["2026-W09", "2026-W10"]


@pytest.mark.parametrize("cadence, local, hour, expected", [
    ("daily", datetime(2026, 3, 2, 8, 59), 9, None),
    ("daily", datetime(2026, 3, 2, 9, 0), 9, "2026-03-02"),
    ("daily", datetime(2026, 3, 2, 23, 59), 9, "2026-03-02"),
    ("daily", datetime(2026, 3, 3, 0, 0), 0, "2026-03-03"),
    ("weekly", datetime(2026, 3, 2, 8, 59), 9, None),  # Monday before the hour
    ("weekly", datetime(2026, 3, 2, 9, 0), 9, "2026-W10"),
    ("weekly", datetime(2026, 3, 8, 23, 59), 9, "2026-W10"),  # Sunday: still that week
    ("weekly", datetime(2026, 12, 28, 9, 0), 9, "2026-W53"),
    ("weekly", datetime(2027, 1, 3, 9, 0), 9, "2026-W53"),  # ISO year, not calendar year
    ("off", datetime(2026, 3, 2, 12, 0), 9, None),
])
def test_due_period(cadence, local, hour, expected):
    assert due_period(cadence, local, hour) == expected
