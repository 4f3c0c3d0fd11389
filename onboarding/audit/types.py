"""Every kind of event the audit log records, defined once.

The first seven are DESIGN's webhook event types (a contract: outside systems subscribe to them by
these names); the rest are recorded and shown in a plan's history but not sent out.
"""
from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    PLAN_CREATED = "plan.created"
    ITEM_COMPLETED = "item.completed"
    ITEM_REOPENED = "item.reopened"
    ITEM_SIGNED_OFF = "item.signed_off"
    ITEM_SENT_BACK = "item.sent_back"
    CHECKIN_RECORDED = "checkin.recorded"
    PLAN_COMPLETED = "plan.completed"

    PLAN_START_MOVED = "plan.start_moved"
    PLAN_UPGRADED = "plan.upgraded"
    PLAN_PEOPLE_CHANGED = "plan.people_changed"
    PLAN_NUDGED = "plan.nudged"
    ITEM_WAIVED = "item.waived"
    ITEM_DERIVED = "item.derived"
    ITEM_ADDED = "item.added"
    ITEM_EDITED = "item.edited"
    CHECKIN_SELF_ASSESSED = "checkin.self_assessed"
    COMMENT_ADDED = "comment.added"
    HOLIDAY_ADDED = "holiday.added"
    HOLIDAY_REMOVED = "holiday.removed"
    SETTINGS_WORKING_DAYS = "settings.working_days"

    PERSON_ADDED = "person.added"
    PERSON_EDITED = "person.edited"
    PERSON_INVITED = "person.invited"
    PERSON_PASSWORD_SET = "person.password_set"
    PERSON_PASSWORD_RESET_REQUESTED = "person.password_reset_requested"
    PERSON_DEACTIVATED = "person.deactivated"
    PERSON_REACTIVATED = "person.reactivated"
    PERSON_SIGNED_IN_SSO = "person.signed_in_sso"
    PERSON_EXPORTED = "person.exported"
    PERSON_ERASED = "person.erased"
    PERSON_PASSWORD_CHANGED = "person.password_changed"
    PERSON_PREFERENCES_CHANGED = "person.preferences_changed"
    PERSON_TOKEN_CREATED = "person.token_created"
    PERSON_TOKEN_REVOKED = "person.token_revoked"


#: the types a webhook endpoint can subscribe to (DESIGN, "API and integrations")
WEBHOOK_TYPES: tuple[str, ...] = (
    EventType.PLAN_CREATED, EventType.ITEM_COMPLETED, EventType.ITEM_REOPENED, EventType.ITEM_SIGNED_OFF,
    EventType.ITEM_SENT_BACK, EventType.CHECKIN_RECORDED, EventType.PLAN_COMPLETED,
)
