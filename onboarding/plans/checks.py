"""Input checks the plan operations share: lengths, versions, finished plans."""
from __future__ import annotations

from onboarding.core.errors import ConflictError, ServiceError
from onboarding.plans.models import Plan, PlanItem

MAX_ITEM_TEXT = 2000


MAX_NOTE = 5000


MAX_COMMENT = 5000


MAX_REASON = 1000


#: gap between neighbouring positions, so that an added item slots in without renumbering the plan
POSITION_STEP = 1024


def check_version(item: PlanItem, expected_version) -> None:
    if expected_version is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError, OverflowError):
        raise ConflictError() from None
    if expected != item.version:
        raise ConflictError()


def check_active(plan: Plan) -> None:
    if not plan.is_active:
        raise ServiceError("this plan is finished and can no longer be changed")
