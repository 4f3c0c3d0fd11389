"""What the resource modules share: the validated body and query, error responses for the document."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import request
from spectree import Response

from onboarding.api.errors import ApiProblem
from onboarding.api.schemas import Problem


def _validated() -> Any:
    """What spectree validated for this request: its `query`, `json` ... as the route's models."""
    # spectree's Flask plugin sets `request.context` on the request; Flask's Request does not declare it
    return request.context  # type: ignore[attr-defined]


def body() -> Any:
    """The request body as its validated model."""
    return _validated().json


def query() -> Any:
    """The query string as its validated model."""
    return _validated().query


def responses(ok_status: int, ok_model, *errors: int) -> Response:
    """The answers an operation documents: its success and the problems it can answer (401, 429 and
    503, the database being away, always)."""
    codes = {401, 429, 503, *errors}
    return Response(**{f"HTTP_{ok_status}": ok_model}, **{f"HTTP_{code}": Problem for code in sorted(codes)})


def require_admin(user) -> None:
    if not user.is_admin:
        raise ApiProblem(403, "Only an admin's token may do this.")


def next_cursor(rows: Sequence[Any], limit: int, key: Callable[[Any], object] = lambda row: row.id) -> str | None:
    """The page's cursor: the last id, when the page is full (there may be more)."""
    return str(key(rows[limit - 1])) if len(rows) > limit else None
