"""The digests benchmark runs on both databases and reports what it promises (timings are not
asserted: `python benchmarks/run.py digests` prints them at 10,000 plans)."""
from __future__ import annotations

import pytest

from tests.conftest import run_benchmark


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_digests_benchmark_prints_its_figures_on_one_line(database):
    # it fails (and run_benchmark with it) when the server received fewer mails than were queued
    result, _ = run_benchmark("digests", "--plans", "60", "--managers", "3", "--small-plans", "20",
                              "--small-managers", "2", "--database", database)
    assert result["plans"] == 60 and result["database"] == database
    # everyone is due at the benchmark's moment, and most have something to say
    assert 0 < result["messages"] <= result["people"] and result["delivered_per_second"] > 0
    assert result["smtp_connections"] == 3  # delivered as the app delivers by default
    assert result["digest_processes"] == 1  # 63 people: one batch, built in one process
    assert result["queries_per_batch"] == result["queries_per_batch_small"] > 0
    # from the unrounded seconds (a small run's floor is a few milliseconds: rounding shows)
    assert result["build_vs_floor"] == pytest.approx(result["build_seconds"] / result["floor_seconds"], rel=0.25)
    assert len(result["floor_runs"]) == 3 and result["floor_seconds"] == sorted(result["floor_runs"])[1]
    assert 0 < result["build_peak_mb"] < result["peak_memory_mb"]
