"""Choosing a person (a manager, a buddy) from the people who can be one."""
from __future__ import annotations

from sqlalchemy import func, select

from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.people.operations import get_user_by_email, normalise_email


def eligible_people(*, managers_only: bool = False, limit: int = 2000) -> list[tuple[str, str]]:
    """(email, name) of the people who can be chosen: active, not erased; managers and admins for a manager."""
    stmt = select(User.email, User.name).where(User.is_active_account.is_(True), User.erased_at.is_(None))
    if managers_only:
        stmt = stmt.where(User.role.in_(("manager", "admin")))
    return [(email, name) for email, name in db.session.execute(stmt.order_by(func.lower(User.name)).limit(limit))]


def chosen_manager(email: str | None, *, current: User | None = None) -> User | None:
    """The manager picked from the list: an active manager or admin; a clear refusal otherwise.
    The person's `current` manager may stay (saving a name does not fail because the manager left)."""
    if not email or not email.strip():
        return None
    person = get_user_by_email(normalise_email(email))
    if person is None:
        raise ServiceError(f"no person with the email {email.strip().lower()[:254]}: choose the manager from the list")
    if current is not None and person.id == current.id:
        return person
    if not person.is_active_account or person.role not in ("manager", "admin"):
        raise ServiceError(f"{person.name} cannot be a manager (only active managers and admins can)")
    return person
