"""Declarative base, naming convention and the column types every model shares."""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ARRAY,
    JSON,
    DateTime,
    Integer,
    MetaData,
    Table,
    any_,
    bindparam,
    event,
    func,
    literal_column,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
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
                conflict_columns: list[str] | None = None, shared: dict | None = None) -> list[tuple]:
    """INSERT many rows (every row with the same keys) and return `returning` of each inserted one,
    in no particular order; with `conflict_columns`, rows that would break that unique key are
    skipped (ON CONFLICT DO NOTHING) and not returned. `shared` holds the values every row has in
    common (a status, a timestamp): each is sent once rather than once per row.

    On PostgreSQL the rows go as one array per column through a single `unnest`, so the statement
    has a parameter per column, not per value: psycopg does not cache statements thousands of
    placeholders long and re-parsed each one, which cost more than the insert itself. The arrays
    travel in binary (`%b`): as text, every element of a mail's body was quoted and escaped by
    psycopg and parsed back by the server, 2.5x the cost of the insert it fed. A shared value is
    one parameter beside the arrays (dumping a round's timestamps and statuses element by element
    was a tenth of writing its mail).

    On SQLite the rows go as a multi-row VALUES that an INSERT ... SELECT reads, each column's
    values converted by its type at once and a shared value once. SQLAlchemy's own multi-row
    insert converted and bound every value of every row one by one, shared ones too: a fifth
    of writing a digest batch's mail.
    """
    if not rows:
        return []
    shared = shared or {}
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return [tuple(row) for sql, parameters in _sqlite_inserts(connection.dialect, table, rows, returning,
                                                                 conflict_columns, shared)
                for row in connection.exec_driver_sql(sql, parameters)]
    sql, parameters = _postgresql_insert(table, rows, returning, conflict_columns, shared)
    return [tuple(row) for row in connection.exec_driver_sql(sql, parameters)]


#: SQLite's limit on a statement's parameters (SQLITE_MAX_VARIABLE_NUMBER, since 3.32)
_SQLITE_MAX_PARAMETERS = 32766


def _sqlite_inserts(dialect, table: Table, rows: list[dict], returning: list[str], conflict_columns: list[str] | None,
                    shared: dict) -> Iterator[tuple[str, tuple]]:
    """`bulk_insert`'s statements and parameters on SQLite: as many rows per statement as its
    parameter limit allows, the shared values once in each."""
    def converted(name: str, values: list) -> list:
        convert = table.c[name].type._cached_bind_processor(dialect)
        return values if convert is None else [convert(value) for value in values]

    names = list(rows[0])
    columns = [converted(name, [row[name] for row in rows]) for name in names]
    shared_values = [converted(name, [value])[0] for name, value in shared.items()]
    per_statement = (_SQLITE_MAX_PARAMETERS - len(shared_values)) // len(names)
    # VALUES names its columns column1, column2, ...; WHERE true lets ON CONFLICT follow a SELECT
    selected = ", ".join([*(f"column{n}" for n in range(1, len(names) + 1)), *("?" for _ in shared_values)])
    tail = (f" WHERE true ON CONFLICT ({', '.join(conflict_columns)}) DO NOTHING" if conflict_columns else "") \
        + f" RETURNING {', '.join(returning)}"
    placeholders = "(" + ", ".join("?" for _ in names) + ")"
    for start in range(0, len(rows), per_statement):
        count = min(per_statement, len(rows) - start)
        values = [value for row in zip(*(column[start:start + count] for column in columns)) for value in row]
        yield (f"INSERT INTO {table.name} ({', '.join([*names, *shared])}) SELECT {selected} "
               f"FROM (VALUES {', '.join([placeholders] * count)}){tail}", (*shared_values, *values))


def _postgresql_insert(table: Table, rows: list[dict], returning: list[str], conflict_columns: list[str] | None,
                       shared: dict) -> tuple[str, tuple]:
    """`bulk_insert`'s statement and parameters on PostgreSQL: one array per column, shared values once."""
    import json

    def pg_type(name: str) -> tuple[str, bool]:
        visit = getattr(table.c[name].type, "impl", table.c[name].type).__visit_name__
        return _PG_ARRAYS[visit], visit == "JSON"

    names = list(rows[0])
    arrays = []
    for name in names:
        array_type, is_json = pg_type(name)
        values = [row[name] for row in rows]
        if is_json:
            values = [None if v is None else json.dumps(v) for v in values]
        arrays.append((f"%b::{array_type}", values))
    scalars = []
    for name, value in shared.items():
        array_type, is_json = pg_type(name)
        scalars.append((f"%b::{array_type.removesuffix('[]')}",
                        json.dumps(value) if is_json and value is not None else value))
    columns = ", ".join([*names, *shared])
    selected = ", ".join(["u.*", *(p for p, _ in scalars)])
    sql = (f"INSERT INTO {table.name} ({columns}) SELECT {selected} FROM unnest({', '.join(a for a, _ in arrays)}) AS u"
           + (f" ON CONFLICT ({', '.join(conflict_columns)}) DO NOTHING" if conflict_columns else "")
           + f" RETURNING {', '.join(returning)}")
    return sql, tuple(v for _, v in scalars) + tuple(v for _, v in arrays)  # in the order of the SQL


@contextmanager
def inserts_sent_ahead(session) -> Iterator[Callable[..., list[tuple]]]:
    """`with inserts_sent_ahead(db.session) as insert:` -- `insert(table, rows, returning, shared=...)`
    is `bulk_insert`, except that on PostgreSQL it does not wait for the server: the statement is
    sent (psycopg's pipeline mode) and Python carries on while the server writes. The list it
    returns is filled with the returned rows when the block ends; an error is raised there too.

    A digest batch composes its mail in parts and sends each part's INSERT as it is ready, so the
    server writes one part while Python composes the next, on the machine's other core. Elsewhere
    each insert runs at once. The statements still go through the engine's cursor events (the
    query counts of tests and benchmarks see them). Nothing else may use the session inside the
    block (SQLAlchemy cannot read results the pipeline holds back): compose there, do not query.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield lambda table, rows, returning, shared=None: bulk_insert(session, table, rows, returning, shared=shared)
        return
    connection = session.connection()
    driver = connection.connection.driver_connection
    sent: list[tuple[Any, list[tuple]]] = []

    def insert(table: Table, rows: list[dict], returning: list[str], shared: dict | None = None) -> list[tuple]:
        found: list[tuple] = []
        if rows:
            sql, parameters = _postgresql_insert(table, rows, returning, None, shared or {})
            cursor = driver.cursor()
            connection.dispatch.before_cursor_execute(connection, cursor, sql, parameters, None, False)
            cursor.execute(sql, parameters)
            sent.append((cursor, found))
        return found

    driver_error = connection.dialect.loaded_dbapi.Error
    try:
        with driver.pipeline():
            yield insert
        for cursor, found in sent:
            found.extend(tuple(row) for row in cursor.fetchall())
            cursor.close()
    except driver_error as error:
        # The driver's own error, outside SQLAlchemy's execution: raised as SQLAlchemy raises its
        # errors (an OperationalError for a lost server, which callers and the 503 page know), and a
        # dead connection is invalidated so the pool never hands it out again.
        lost = connection.dialect.is_disconnect(error, driver, None)
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance(None, None, error, driver_error, connection_invalidated=lost) from error


T = TypeVar("T")


_END = object()


@contextmanager
def read_ahead(items: Iterator[T]) -> Iterator[Iterator[T]]:
    """`items` again, each one made on a thread while the caller works on the one before.

    For a reader that mostly waits on a database server: the server reads the next item on another
    core while the caller composes this one. Only the thread advances `items`, one item ahead, so
    at most two are held at once. An error raised making an item is raised to the caller when it
    asks for that item. When the block ends (early too, or by an error), the thread finishes the
    item in hand and then closes `items`, so that whatever connection it holds is given back.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="read-ahead") as pool:
        def ahead() -> Iterator[T]:
            # the item goes straight from its future to the caller: a local holding it would keep
            # it alive (and walked by the cycle collector) while the caller works on the next one
            futures = deque([pool.submit(next, items, _END)])
            while futures[0].result() is not _END:
                futures.append(pool.submit(next, items, _END))
                yield cast(T, futures.popleft().result())

        try:
            yield ahead()
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                pool.submit(close).result()


def one_of(column, name: str, postgresql: bool):
    """`column IN (ids)`, the ids bound as `name`, as one parameter: on PostgreSQL `= ANY(array)`,
    on SQLite `IN (SELECT value FROM json_each(list))`.

    An expanding IN list would be a placeholder per id, so every batch's statement is new text:
    psycopg re-parsed statements hundreds of placeholders long on every run, and on SQLite
    SQLAlchemy rendered and bound the list afresh each time and the driver prepared it again.
    """
    if postgresql:
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(select(literal_column("value")).select_from(func.json_each(bindparam(name, type_=JSON))))
