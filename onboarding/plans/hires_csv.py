"""Reading a hires CSV (spreadsheet exports in UTF-8, UTF-16 or cp1252), row by row with line numbers."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from onboarding.core.errors import ServiceError

#: CSV header names (lower-case, single spaces) accepted for each column
COLUMNS = {
    "name": ("name", "full name"),
    "email": ("email", "email address"),
    "role": ("role", "role template", "template", "role title"),
    "start": ("start date", "start", "start on", "starts on"),
    "manager": ("manager email", "manager"),
    "buddy": ("buddy email", "buddy"),
    "timezone": ("timezone", "time zone"),
}


REQUIRED_COLUMNS = ("name", "email", "role", "start")


def _header_name(cell: str) -> str:
    """'  Start_Date ' -> 'start date'; 'E-mail' -> 'email'."""
    name = " ".join(re.sub(r"[_\-]+", " ", cell.replace("\ufeff", "")).split()).lower()
    return re.sub(r"\be mail\b", "email", name)


@dataclass
class CsvRow:
    line: int
    values: dict[str, str]


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM (spreadsheets' "Unicode text"), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ServiceError("this is not a CSV text file (damaged UTF-16 text)") from None
    if b"\x00" in data:
        raise ServiceError("this is not a CSV text file (it contains binary data)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ServiceError("this is not a CSV text file (not UTF-8 text)") from None


def read_hires_csv(data: bytes) -> list[CsvRow]:
    """Rows of a hires CSV with their first line number; ServiceError for a file that is not one."""
    return list(iter_hires_csv(data))


def iter_hires_csv(data: bytes) -> Iterator[CsvRow]:
    """The same rows one at a time: the file and its header are checked at once (ServiceError),
    the rows as they are read (a damaged row further down raises ServiceError then)."""
    if not data.strip():
        raise ServiceError("the file is empty")
    text = _decode(data)
    if not text.strip():
        raise ServiceError("the file is empty")
    if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in text):
        raise ServiceError("this is not a CSV text file (it contains control characters)")
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if any(d in first_line for d in ",;\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ServiceError("the file has no header row") from None
    names = [_header_name(h) for h in header]
    index: dict[str, int] = {}
    for key, aliases in COLUMNS.items():
        for n, name in enumerate(names):
            if name in aliases and key not in index:
                index[key] = n
    missing = [key for key in REQUIRED_COLUMNS if key not in index]
    if missing:
        wanted = ", ".join(COLUMNS[key][0] for key in missing)
        raise ServiceError(f"the header row lacks the column(s) {wanted}; expected: name, email, role, "
                           "start date, manager email, buddy email")
    return _rows(reader, index, len(header))


def _rows(reader, index: dict[str, int], width: int) -> Iterator[CsvRow]:
    line = reader.line_num
    try:
        for record in reader:
            first_line, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            values = {key: (record[n].strip() if n < len(record) else "") for key, n in index.items()}
            if len(record) > width and any(cell.strip() for cell in record[width:]):
                values["_extra"] = "1"
            yield CsvRow(first_line, values)
    except csv.Error as exc:
        raise ServiceError(f"line {reader.line_num}: the CSV is damaged ({exc})") from None
