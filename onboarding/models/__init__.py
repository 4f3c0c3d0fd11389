"""All models, importable from one place (and all registered on the metadata for Alembic)."""
from onboarding.models.base import Base, UTCDateTime, utcnow
from onboarding.models.events import Event
from onboarding.models.mail import Digest, OutboxMessage
from onboarding.models.org import Holiday, OrgSettings
from onboarding.models.people import ApiToken, LoginFailure, User
from onboarding.models.plans import CheckIn, Comment, Plan, PlanItem
from onboarding.models.roles import RoleTemplate, RoleTemplateVersion

__all__ = [
    "ApiToken", "Base", "CheckIn", "Comment", "Digest", "Event", "Holiday", "LoginFailure", "OrgSettings",
    "OutboxMessage", "Plan", "PlanItem", "RoleTemplate", "RoleTemplateVersion", "User", "UTCDateTime", "utcnow",
]
