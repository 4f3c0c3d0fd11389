"""Whether the database answers, and whether it takes writes: for /healthz, the logs and the 503 page.

`database_status()` never raises: it opens its own connection (not the request's session, which
may be the thing that failed) and says in one line what is wrong, for an admin to read.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError

from onboarding.core.db import Base
from onboarding.extensions import db

logger = logging.getLogger(__name__)

#: errors that mean the database cannot be used right now (down, restarting, read-only, locked,
#: full), as opposed to a bad statement or a constraint: answered with 503 and Retry-After
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, PendingRollbackError)


OK, READ_ONLY, DOWN = "ok", "read-only", "down"


@dataclass(frozen=True)
class DatabaseStatus:
    #: "ok", "read-only" (answers, refuses writes) or "down" (does not answer)
    state: str
    #: what is wrong, for an admin (empty when ok)
    detail: str = ""

    @property
    def is_ok(self) -> bool:
        return self.state == OK


def describe(error: BaseException) -> str:
    """A database error in one line, without the SQL statement SQLAlchemy appends."""
    original = getattr(error, "orig", None) or error
    message = " ".join(str(original).split()) or type(original).__name__
    return message[:300]


def is_read_only_error(error: BaseException) -> bool:
    message = describe(error).lower()
    return "readonly database" in message or "read-only transaction" in message or "read only" in message


def database_status() -> DatabaseStatus:
    """Ask the database on a connection of its own: does it answer, and would it take a write?

    The write test changes nothing: SQLite is asked to delete no rows from a table inside a
    transaction that is rolled back (a read-only file refuses even that); PostgreSQL is asked
    whether its transactions are read-only (a standby, or default_transaction_read_only).
    """
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if connection.dialect.name == "postgresql":
                if connection.execute(text("SHOW transaction_read_only")).scalar() == "on":
                    return DatabaseStatus(READ_ONLY, "the PostgreSQL server only accepts read-only transactions")
            elif connection.dialect.name == "sqlite":
                table = next((t.name for t in Base.metadata.sorted_tables), None)
                if table is not None:
                    try:
                        connection.execute(text(f'DELETE FROM "{table}" WHERE 1 = 0'))
                    finally:
                        connection.rollback()
    except DBAPIError as exc:
        state = READ_ONLY if is_read_only_error(exc) else DOWN
        return DatabaseStatus(state, describe(exc))
    return DatabaseStatus(OK)
