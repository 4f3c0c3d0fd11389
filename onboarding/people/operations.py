"""Creating, editing and deactivating people; checking passwords (rate-limited, same time for unknown emails)."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.db import utcnow
from onboarding.core.errors import ServiceError
from onboarding.core.health import describe
from onboarding.extensions import db
from onboarding.people.limits import SIGN_IN, forget_failures, reserve_attempt
from onboarding.people.models import CADENCES, ROLES, User, new_token

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 200


def normalise_email(email: str) -> str:
    """Validate an address's form (no DNS lookup) and return it lower-cased."""
    email = (email or "").strip()
    if not email:
        raise ServiceError("an email address is required")
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ServiceError(f"'{email[:80]}' is not a valid email address: {exc}") from None


def check_timezone(name: str) -> str:
    name = (name or "").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError(f"unknown time zone '{name[:64]}': use an IANA name such as Europe/Paris") from None
    return name


def check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError("a name is required")
    if len(name) > MAX_NAME_LENGTH:
        raise ServiceError(f"the name is longer than {MAX_NAME_LENGTH} characters")
    return name


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")
    if len(password) > 1000:
        raise ServiceError("the password is longer than 1000 characters")
    return password


def hash_password(password: str) -> str:
    """Hash with the configured method (scrypt by default; tests use a cheap one to stay fast)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def create_user(
    *,
    email: str,
    name: str,
    role: str = "hire",
    password: str | None = None,
    manager_email: str | None = None,
    timezone: str = "UTC",
    digest_cadence: str = "weekly",
    digest_hour: int = 9,
    actor: User | None = None,
    now: datetime | None = None,
) -> User:
    """Create a person; refuses a duplicate email, an unknown role, manager or time zone."""
    email = normalise_email(email)
    if role not in ROLES:
        raise ServiceError(f"unknown role '{role}': choose one of {', '.join(ROLES)}")
    if digest_cadence not in CADENCES:
        raise ServiceError(f"unknown digest cadence '{digest_cadence}': choose one of {', '.join(CADENCES)}")
    if not 0 <= int(digest_hour) <= 23:
        raise ServiceError("the send hour must be between 0 and 23")
    if get_user_by_email(email) is not None:
        raise ServiceError(f"a person with the email {email} already exists")
    manager = None
    if manager_email:
        manager = get_user_by_email(normalise_email(manager_email))
        if manager is None:
            raise ServiceError(f"no person with the email {manager_email.strip().lower()}: add the manager first")
    user = User(
        email=email,
        name=check_name(name),
        role=role,
        password_hash=hash_password(check_password(password)) if password else None,
        manager=manager,
        timezone=check_timezone(timezone),
        digest_cadence=digest_cadence,
        digest_hour=int(digest_hour),
    )
    db.session.add(user)
    db.session.flush()
    record_event(None, EventType.PERSON_ADDED, actor, now or utcnow(), person=user,
                 new={"email": email, "name": user.name, "role": role,
                      "manager": manager.email if manager else None, "timezone": user.timezone})
    logger.info("created %s %s", role, email)
    return user


def set_password(user: User, password: str) -> None:
    """Change a password and end every other session of this person."""
    user.password_hash = hash_password(check_password(password))
    rotate_session_token(user)


def rotate_session_token(user: User) -> None:
    user.session_token = new_token()


_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash made with the configured method, checked when there is no account, so that an unknown
    email costs the same time as a known one."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(new_token(), method=method)
    return _dummy_hashes[method]


def password_matches(user: User | None, password: str) -> bool:
    """Check a password in the same time whether or not the person exists or has a password."""
    stored = user.password_hash if user is not None and user.password_hash else None
    matches = check_password_hash(stored or _dummy_hash(), password or "")
    return matches and stored is not None


def authenticate(email: str, password: str, remote_addr: str, *, now: datetime,
                 config: dict) -> User | None | Literal[False]:
    """The person whose password this is; None for a wrong one; False when too many attempts were made.

    The attempt is recorded (and committed) before the check; see people/limits.py. The bookkeeping
    is the only write a sign-in makes: when the database refuses writes (a read-only SQLite file, a
    PostgreSQL standby) the sign-in still gets its answer, the write is dropped and the error logged
    for the admin, and the limit counts only the attempts already recorded.
    """
    email = (email or "").strip().lower()[:254]
    attempt = reserve_attempt(SIGN_IN, email, remote_addr, now=now, config=config)
    if attempt is None:
        return False
    user = get_user_by_email(email)
    if not password_matches(user, password) or user is None or not user.is_active or user.erased_at is not None:
        return None
    try:
        forget_failures(attempt)
        user.last_signed_in_at = now
        db.session.flush()
    except OperationalError as exc:
        db.session.rollback()
        logger.error("sign-in for %s answered, but not recorded: the database refused the write (%s)",
                     email, describe(exc))
    return user


#: fields an admin edits on the people page, in the order the audit log shows them
EDITABLE = ("name", "email", "role", "manager", "timezone")


def edit_person(user: User, *, actor: User | None, now: datetime, name: str, email: str, role: str,
                manager: User | None, timezone: str) -> bool:
    """Change a person's details; records what changed. Returns False when nothing did."""
    email = normalise_email(email)
    if role not in ROLES:
        raise ServiceError(f"unknown role '{role}': choose one of {', '.join(ROLES)}")
    if email != user.email and get_user_by_email(email) is not None:
        raise ServiceError(f"a person with the email {email} already exists")
    if manager is not None:
        if manager.id == user.id:
            raise ServiceError("a person cannot be their own manager")
        boss: User | None = manager
        seen: set[int] = set()
        while boss is not None and boss.id not in seen:
            if boss.id == user.id:
                raise ServiceError(f"{manager.name} reports to {user.name}: that would be a circle of managers")
            seen.add(boss.id)
            boss = boss.manager
    before = {"name": user.name, "email": user.email, "role": user.role,
              "manager": user.manager.email if user.manager else None, "timezone": user.timezone}
    user.name, user.email, user.role = check_name(name), email, role
    user.manager, user.timezone = manager, check_timezone(timezone)
    after = {"name": user.name, "email": user.email, "role": user.role,
             "manager": manager.email if manager else None, "timezone": user.timezone}
    changed = [key for key in EDITABLE if before[key] != after[key]]
    if not changed:
        return False
    if "email" in changed:
        rotate_session_token(user)  # a changed sign-in name ends sessions and pending links
    record_event(None, EventType.PERSON_EDITED, actor, now, person=user,
                 old={k: before[k] for k in changed}, new={k: after[k] for k in changed})
    logger.info("%s edited: %s", user.email, ", ".join(changed))
    return True


def deactivate_person(user: User, *, actor: User | None, now: datetime) -> None:
    """A deactivated person cannot sign in and gets no digests; their plan and history stay."""
    if actor is not None and actor.id == user.id:
        raise ServiceError("you cannot deactivate yourself")
    if not user.is_active_account:
        raise ServiceError(f"{user.email} is already deactivated")
    user.is_active_account = False
    rotate_session_token(user)
    record_event(None, EventType.PERSON_DEACTIVATED, actor, now, person=user)


def reactivate_person(user: User, *, actor: User | None, now: datetime) -> None:
    if user.erased_at is not None:
        raise ServiceError("an erased person cannot be reactivated")
    if user.is_active_account:
        raise ServiceError(f"{user.email} is already active")
    user.is_active_account = True
    record_event(None, EventType.PERSON_REACTIVATED, actor, now, person=user)
