"""The few SQL expressions SQLite and PostgreSQL spell differently: a UTC date, a day count, a month."""
from __future__ import annotations

from sqlalchemy import Date, Integer, cast, func


def utc_date(column, dialect: str):
    """The UTC calendar date of a UTCDateTime column (SQLite stores naive UTC text: its first ten
    characters are the date, and cutting them is cheaper than date() on a million rows)."""
    if dialect == "sqlite":
        return func.substr(column, 1, 10)
    return cast(func.timezone("UTC", column), Date)


def days_between(later, earlier, dialect: str):
    """Whole days from `earlier` to `later` (both dates)."""
    if dialect == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return later - earlier


def month_of(column, dialect: str):
    """A date's month as 'YYYY-MM'."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")
