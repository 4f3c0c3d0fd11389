"""The pages benchmark runs on both databases and reports what it promises (timings are not
asserted: `python benchmarks/run.py pages` prints them at 2,000 plans)."""
from __future__ import annotations

import pytest

from tests.conftest import run_benchmark


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_pages_benchmark_prints_its_figures_on_one_line(database):
    # it fails (and run_benchmark with it) when a page does not answer 200 or shows too few reports
    result, stderr = run_benchmark("pages", "--plans", "40", "--reports", "10", "--runs", "3", "--database", database)
    assert result["plans"] == 40 and result["database"] == database
    # the floor runs the page's own SELECTs, so it has some; the queries do not grow with the team
    assert result["plan_page_queries"] > 1 and result["dashboard_300_queries"] == result["dashboard_10_queries"]
    assert result["plan_page_to_floor"] == pytest.approx(result["plan_page_ms_interleaved"] / result["plan_floor_ms"],
                                                          rel=0.05)
    assert 0 < result["bare_empty_ms"] < result["signed_in_empty_ms"]
    assert "bare view with its" in stderr
