"""The digests benchmark runs on both databases and reports what it promises (timings are not
asserted: `python benchmarks/run.py digests` prints them at 10,000 plans)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import seeds_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_digests_benchmark_prints_its_figures_on_one_line(database):
    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", "digests", "--plans", "60", "--managers", "3", "--small-plans", "20",
         "--small-managers", "2", "--database", database],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "ONBOARDING_SEEDS_DIR": str(seeds_dir())})
    assert done.returncode == 0, done.stderr  # it fails when the server received fewer mails than were queued
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["plans"] == 60 and result["database"] == database
    # everyone is due at the benchmark's moment, and most have something to say
    assert 0 < result["messages"] <= result["people"] and result["delivered_per_second"] > 0
    assert result["queries_per_batch"] == result["queries_per_batch_small"] > 0
    # from the unrounded seconds (a small run's floor is a few milliseconds: rounding shows)
    assert result["build_vs_floor"] == pytest.approx(result["build_seconds"] / result["floor_seconds"], rel=0.25)
    assert len(result["floor_runs"]) == 3 and result["floor_seconds"] == sorted(result["floor_runs"])[1]
    assert 0 < result["build_peak_mb"] < result["peak_memory_mb"]
