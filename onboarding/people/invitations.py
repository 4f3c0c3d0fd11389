"""Invitations: a mail with a 7-day, single-use link to set a first password."""
from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from onboarding.audit.record import record_event, record_events
from onboarding.audit.types import EventType
from onboarding.core.db import table_of
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.outbox.channels.email import sender_domain
from onboarding.outbox.models import OutboxMessage
from onboarding.people.mail import account_mail_values, link_url, queue_account_mail
from onboarding.people.models import User
from onboarding.people.passwords import INVITATION, link_serializer, make_link_token

logger = logging.getLogger(__name__)


def password_login_on() -> bool:
    return bool(current_app.config.get("PASSWORD_LOGIN", True))


INVITATION_SUBJECT = "You are invited to Onboarding"


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
    queue_account_mail(user, "invitation", INVITATION_SUBJECT, now, url=url,
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


def invite_new_people(user_ids: list[int], *, actor: User | None, now: datetime) -> int:
    """invite_new_person for many just-added people (bulk imports), set-based: one look-up, then one
    statement each for their invited_at, their mails and their events, however many they are.
    Returns how many were invited."""
    if not user_ids or not password_login_on():
        return 0
    users = db.session.scalars(select(User).where(
        User.id.in_(user_ids), User.password_hash.is_(None), User.is_active_account.is_(True))).all()
    if not users:
        return 0
    inviter = actor.name if actor is not None else ""
    domain, serializer = sender_domain(current_app), link_serializer(INVITATION)
    messages, events = [], []
    for user in users:
        set_committed_value(user, "invited_at", now)  # written below, in one UPDATE; the link depends on it
        url = link_url("auth.set_password", kind=INVITATION, token=make_link_token(user, INVITATION, now,
                                                                                serializer=serializer))
        messages.append(account_mail_values(user, "invitation", INVITATION_SUBJECT, now, domain=domain, url=url,
                                            inviter=inviter))
        events.append({"plan_id": None, "item_id": None, "actor_id": actor.id if actor is not None else None,
                       "person_id": user.id, "kind": str(EventType.PERSON_INVITED), "old_value": None,
                       "new_value": {"email": user.email}, "created_at": now})
    connection = db.session.connection()
    users_table = table_of(User)
    connection.execute(update(users_table).where(users_table.c.id == bindparam("user_id"))
                       .values(invited_at=bindparam("invited")), [{"user_id": u.id, "invited": now} for u in users])
    connection.execute(insert(table_of(OutboxMessage)), messages)
    record_events(events)
    logger.info("%d invitation(s) queued", len(users))
    return len(users)
