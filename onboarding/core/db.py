"""Declarative base, naming convention and the column types every model shares."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import cast

from sqlalchemy import ARRAY, DateTime, Integer, MetaData, Table, any_, bindparam, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database.

    SQLite forgets time zones, so values are stored as naive UTC and UTC is re-attached on read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware UTC datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def table_of(model: type[Base]) -> Table:
    """The Core table behind an ORM model, for bulk insert/update/delete statements.

    Declarative models always map a Table, but SQLAlchemy types `__table__` as a FromClause.
    """
    return cast(Table, model.__table__)


def utcnow() -> datetime:
    """The current time, aware, in UTC (only for defaults; services take `now` as an argument)."""
    return datetime.now(timezone.utc)


@contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block, in order (for query-count tests and benchmarks)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


#: PostgreSQL array types for `bulk_insert`, by the SQLAlchemy type's visit name
_PG_ARRAYS = {"integer": "int[]", "big_integer": "bigint[]", "string": "text[]", "text": "text[]",
              "boolean": "bool[]", "JSON": "json[]", "date": "date[]", "datetime": "timestamptz[]"}


def bulk_insert(session, table: Table, rows: list[dict], returning: list[str], *,
                conflict_columns: list[str] | None = None) -> list[tuple]:
    """INSERT many rows (every row with the same keys) and return `returning` of each inserted one,
    in no particular order; with `conflict_columns`, rows that would break that unique key are
    skipped (ON CONFLICT DO NOTHING) and not returned.

    On PostgreSQL the rows go as one array per column through a single `unnest`, so the statement
    has a parameter per column, not per value: psycopg does not cache statements thousands of
    placeholders long and re-parsed each one, which cost more than the insert itself. The arrays
    travel in binary (`%b`): as text, every element of a mail's body was quoted and escaped by
    psycopg and parsed back by the server, 2.5x the cost of the insert it fed. SQLite uses
    SQLAlchemy's multi-row VALUES.
    """
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        from sqlalchemy import Insert
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt: Insert = sqlite_insert(table)
        if conflict_columns:
            stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=conflict_columns)
        return [tuple(row) for row in session.execute(stmt.returning(*(table.c[n] for n in returning)), rows)]
    import json

    names = list(rows[0])
    arrays = []
    for name in names:
        visit = getattr(table.c[name].type, "impl", table.c[name].type).__visit_name__
        values = [row[name] for row in rows]
        if visit == "JSON":
            values = [None if v is None else json.dumps(v) for v in values]
        arrays.append((f"%b::{_PG_ARRAYS[visit]}", values))
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({', '.join(a for a, _ in arrays)})"
           + (f" ON CONFLICT ({', '.join(conflict_columns)}) DO NOTHING" if conflict_columns else "")
           + f" RETURNING {', '.join(returning)}")
    return [tuple(row) for row in session.connection().exec_driver_sql(sql, tuple(v for _, v in arrays))]


def one_of(column, name: str, postgresql: bool):
    """`column IN (ids)`, the ids bound as `name`: on PostgreSQL `= ANY(array)`, one parameter (psycopg
    re-parses a statement with hundreds of placeholders on every run), elsewhere an expanding IN list."""
    if postgresql:
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(bindparam(name, expanding=True))
