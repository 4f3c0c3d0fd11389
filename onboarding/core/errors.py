"""The errors operations raise for people to read: a refusal, and a conflict between two editors."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm.exc import StaleDataError

from onboarding.extensions import db

CONFLICT_MESSAGE = "someone else changed this item while you were looking at it; reload the page and try again"


class ServiceError(ValueError):
    """A user-facing refusal: the message says what is wrong and what to do."""


class ConflictError(ServiceError):
    """Two people changed the same item: the later change is refused, never silently lost."""

    def __init__(self, message: str = CONFLICT_MESSAGE):
        super().__init__(message)


@contextmanager
def stale_as_conflict() -> Iterator[None]:
    """Turn the optimistic lock's StaleDataError (raised at flush or commit) into a ConflictError.

    Usage in a view or command: `with stale_as_conflict(): complete_item(...); db.session.commit()`.
    The session is rolled back, so the caller can show the message and carry on.
    """
    try:
        yield
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError() from exc
