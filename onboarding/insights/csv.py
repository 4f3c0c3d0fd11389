"""The insights tables as CSV downloads and command output (core/csv_files.py writes the cells safely)."""
from __future__ import annotations

from flask import Response

from onboarding.core.csv_files import csv_response, csv_text
from onboarding.insights.tables import Table


def table_response(table: Table) -> Response:
    """A table as a download named insights-<table>.csv."""
    return csv_response(f"insights-{table.name}.csv", table.columns, table.rows)


def table_text(table: Table) -> str:
    return csv_text(table.columns, table.rows)
