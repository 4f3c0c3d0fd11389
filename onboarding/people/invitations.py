"""Invitations: a mail with a 7-day, single-use link to set a first password."""
from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app

from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.errors import ServiceError
from onboarding.people.mail import link_url, queue_account_mail
from onboarding.people.models import User
from onboarding.people.passwords import INVITATION, make_link_token

logger = logging.getLogger(__name__)


def password_login_on() -> bool:
    return bool(current_app.config.get("PASSWORD_LOGIN", True))


def send_invitation(user: User, *, actor: User | None, now: datetime) -> None:
    """Queue an invitation; links of earlier invitations stop working."""
    if not password_login_on():
        raise ServiceError("password sign-in is switched off: people sign in with single sign-on, no invitation needed")
    if not user.is_active_account or user.erased_at is not None:
        raise ServiceError(f"{user.email} is deactivated: reactivate them before inviting")
    if user.password_hash:
        raise ServiceError(f"{user.email} already has a password; they can use \u201cForgot your password?\u201d")
    user.invited_at = now
    url = link_url("auth.set_password", kind=INVITATION, token=make_link_token(user, INVITATION, now))
    queue_account_mail(user, "invitation", "You are invited to Onboarding", now, url=url,
                       inviter=actor.name if actor is not None else "")
    record_event(None, EventType.PERSON_INVITED, actor, now, person=user, new={"email": user.email})
    logger.info("invitation queued for %s", user.email)


def invite_new_person(user: User, *, invite: bool, actor: User | None, now: datetime) -> bool:
    """After adding a person: invite them unless told not to, they were given a password, or password
    sign-in is switched off (single sign-on only: there is no password to set)."""
    if not invite or user.password_hash or not password_login_on():
        return False
    send_invitation(user, actor=actor, now=now)
    return True
