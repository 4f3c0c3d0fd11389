"""What every concept's views share: the signed-in user, the page argument, a refused form's problem,
and running an operation with one commit and conflict handling."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import Flask, current_app, request
from flask_login import current_user
from flask_wtf import FlaskForm

from onboarding.core.errors import ConflictError, ServiceError, stale_as_conflict
from onboarding.extensions import db

T = TypeVar("T")

CONFLICT_TEXT = ("Someone else changed this item while you were looking at it. Here is the current state; "
                 "nothing was overwritten. Check it, then try again if you still need to.")


@dataclass
class Problem:
    """A refused form, shown next to the thing it was about, with what the person typed kept."""

    message: str
    status: int = 400
    item_id: int | None = None
    #: which phase form (self-assessment, check-in) it belongs to
    phase: str | None = None
    #: which of an item's forms ("edit", "waive") it belongs to
    form: str | None = None
    values: dict = field(default_factory=dict)

    @property
    def is_conflict(self) -> bool:
        return self.status == 409

    def after(self, prefix: str) -> str:
        """The message as the rest of a sentence: "Not added: " + "no person with ..."."""
        return prefix + self.message[:1].lower() + self.message[1:]


def form_errors(form: FlaskForm) -> str:
    """A form's errors as one sentence (CSRF failures included)."""
    messages = []
    for name, errors in form.errors.items():
        label = getattr(getattr(form, name, None), "label", None)
        for error in errors if isinstance(errors, list) else [str(errors)]:
            if name == "csrf_token":
                messages.append("The form expired; reload the page and try again.")
            elif name == "version":
                messages.append("The form is out of date; reload the page and try again.")
            else:
                messages.append(f"{label.text if label else name}: {error}")
    return " ".join(dict.fromkeys(messages)) or "The form could not be read."


def run_action(action: Callable[[], T], **problem) -> tuple[T | None, Problem | None]:
    """Run a service call and commit; a conflict or refusal rolls back and comes back as a Problem."""
    try:
        with stale_as_conflict():
            result = action()
            db.session.commit()
    except ConflictError:
        db.session.rollback()
        return None, Problem(CONFLICT_TEXT, status=409, **problem)
    except ServiceError as exc:
        db.session.rollback()
        message = str(exc)
        return None, Problem(message[:1].upper() + message[1:] + ("" if message.endswith(".") else "."), **problem)
    return result, None


def current_app_object() -> Flask:
    """The app behind Flask's `current_app` proxy, to keep past the request or hand to a thread."""
    # Flask types `current_app` as a Flask, not as the werkzeug LocalProxy it is, so mypy does not
    # see the proxy's own `_get_current_object` (Flask's documented way to reach the real app).
    return current_app._get_current_object()  # type: ignore[attr-defined]


def signed_in_user():
    """The signed-in person as a model instance (not Flask-Login's proxy), to pass to operations."""
    return current_user._get_current_object()


def page_arg(limit: int = 100_000) -> int:
    """The `page` query argument, clamped to 1..limit (junk or huge values read as page 1 or the last)."""
    return max(1, min(request.args.get("page", 1, type=int) or 1, limit))
