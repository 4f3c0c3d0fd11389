"""Rows as CSV files: UTF-8, a header row, and text cells that a spreadsheet would run as a formula
(starting with =, +, -, @, or a tab or carriage return, as OWASP lists) prefixed with a quote.

Numbers stay numbers: a figure such as -3 (days, when a start date moved after a sign-off) is not a
formula, and quoting it would turn it into text in a spreadsheet.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> object:
    """A cell safe to open in a spreadsheet: formula-looking text gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text, a line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(cell) for cell in row])
        yield buffer.getvalue()


def csv_text(header: list[str], rows: Iterable[Iterable]) -> str:
    return "".join(csv_lines(header, rows))


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    """A download: text/csv in UTF-8, named `filename`."""
    response = Response(csv_text(header, rows), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
