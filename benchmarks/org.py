"""Shared pieces of the benchmark organisations: seed roles, template rows, plausible item states."""
from __future__ import annotations

import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def throwaway_postgres(prefix: str) -> Iterator:
    """A PostgreSQL server of its own for one benchmark run, started as the tests start theirs
    (tests/pg.py), stopped and removed afterwards; yields the server (`create_database(name)` gives a URL)."""
    from tests.pg import PostgresServer

    root = Path(tempfile.mkdtemp(prefix=prefix))
    server = PostgresServer(root / "cluster")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def seed_roles() -> list[dict]:
    """The seed role documents, read by the app's own reader."""
    from onboarding.roles.reader import read_paths

    seeds = Path(os.environ.get("ONBOARDING_SEEDS_DIR", ROOT.parent / "shared" / "seeds"))
    roles, errors = read_paths([seeds])
    if errors or not roles:
        raise SystemExit(f"could not read the seed roles in {seeds}: {errors or 'no documents'}")
    return [role.to_dict() for role in roles]


def template_rows(version) -> list[tuple[int | None, str, str, int | None, int | None]]:
    """A template version's milestones as (parent row index, phase key, text, offset days, offset months)."""
    from onboarding.plans.due_dates import dated_phases

    rows: list[tuple[int | None, str, str, int | None, int | None]] = []
    for phase in dated_phases(version):
        due = phase["due"] or {}
        days, months = due.get("days"), due.get("months")

        def walk(milestones, parent):
            for milestone in milestones:
                rows.append((parent, phase["key"], milestone["text"], days if months is None else None, months))
                walk(milestone.get("children") or [], len(rows) - 1)

        walk(phase.get("milestones") or [], None)
    return rows


def leaf_state(due_on: date, today: date, rng: random.Random, *, recent_done: float = 0.4) -> str:
    """What a hire and their manager would have done by today with an item due on `due_on`."""
    roll = rng.random()
    if due_on < today - timedelta(days=14):
        return "signed_off" if roll < 0.85 else "done" if roll < 0.93 else "waived" if roll < 0.95 else "open"
    if due_on < today + timedelta(days=30):
        return "done" if roll < recent_done else "signed_off" if roll < recent_done + 0.15 else "open"
    return "done" if roll < 0.1 else "open"
