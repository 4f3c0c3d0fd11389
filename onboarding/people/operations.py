"""Creating people, checking passwords, rate-limiting sign-in."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from onboarding.core.errors import ServiceError
from onboarding.core.health import describe
from onboarding.extensions import db
from onboarding.people.models import CADENCES, ROLES, LoginFailure, User, new_token

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
    logger.info("created %s %s", role, email)
    return user


def set_password(user: User, password: str) -> None:
    """Change a password and end every other session of this person."""
    user.password_hash = hash_password(check_password(password))
    rotate_session_token(user)


def rotate_session_token(user: User) -> None:
    user.session_token = new_token()


def is_login_blocked(email: str, remote_addr: str, *, now: datetime, config: dict) -> bool:
    """Too many recent failures for this email, or from this address."""
    since = now - timedelta(seconds=config["LOGIN_WINDOW_SECONDS"])
    by_email = db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.email == email, LoginFailure.failed_at >= since)
    )
    by_addr = db.session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.remote_addr == remote_addr, LoginFailure.failed_at >= since)
    )
    return by_email >= config["LOGIN_MAX_FAILURES"] or by_addr >= config["LOGIN_MAX_FAILURES_PER_IP"]


def authenticate(email: str, password: str, remote_addr: str, *, now: datetime, config: dict) -> User | None:
    """Return the user if the password matches; record a failure otherwise. Callers check the block first.

    The bookkeeping (clearing this email's failures, recording a failure, pruning old ones) is the
    only write a sign-in makes. When the database refuses writes (a read-only SQLite file, a
    PostgreSQL standby) the sign-in still gets its answer: the write is dropped and the error
    logged for the admin, and the limit counts only the failures already recorded.
    """
    email = (email or "").strip().lower()[:254]
    user = get_user_by_email(email)
    matched = (user is not None and user.password_hash and user.is_active
               and check_password_hash(user.password_hash, password))
    try:
        if matched:
            db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
        else:
            db.session.add(LoginFailure(email=email, remote_addr=remote_addr[:64], failed_at=now))
            # Keep the table small: failures older than the window no longer count.
            db.session.execute(
                delete(LoginFailure).where(LoginFailure.failed_at < now - timedelta(seconds=config["LOGIN_WINDOW_SECONDS"]))
            )
        db.session.flush()
    except OperationalError as exc:
        db.session.rollback()
        logger.error("sign-in for %s answered, but not recorded: the database refused the write (%s); "
                     "new failed sign-ins are not counted towards the limit until it takes writes again",
                     email, describe(exc))
    return user if matched else None
