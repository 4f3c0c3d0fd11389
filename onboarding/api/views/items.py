"""Items: complete (with a note or evidence link), reopen, sign off, send back with a comment, waive with a
reason. Each answers the item with its new state; `version` in the body is the optimistic lock."""
from __future__ import annotations

from onboarding.api.auth import api_user
from onboarding.api.blueprint import bp, spec
from onboarding.api.idempotency import perform
from onboarding.api.schemas import CompleteIn, Item, ReopenIn, SendBackIn, SignOffIn, WaiveIn
from onboarding.api.views.common import body, responses
from onboarding.core import clock
from onboarding.plans.access import get_item_or_404
from onboarding.plans.models import PlanItem
from onboarding.plans.states import (
    complete_item,
    reopen_item,
    send_back_item,
    sign_off_item,
    waive_item,
)

TAGS = ["items"]
ITEM_ANSWERS = responses(200, Item, 404, 409, 422)


def item_json(item: PlanItem) -> dict:
    return {"id": item.id, "plan_id": item.plan_id, "parent_id": item.parent_id, "phase": item.phase_key,
            "text": item.text, "due_on": item.due_on.isoformat() if item.due_on else None, "state": item.state,
            "version": item.version, "note": item.note or "", "evidence_url": item.evidence_url or "",
            "review_comment": item.review_comment or "", "waived_reason": item.waived_reason or ""}


def _act(item_id: int, action: str, change) -> tuple:
    user = api_user()
    item = get_item_or_404(user, item_id, action)

    def run() -> dict:
        change(item, user)
        return item_json(item)

    return perform(run)


@bp.post("/items/<int:item_id>/complete")
@spec.validate(json=CompleteIn, resp=ITEM_ANSWERS, tags=TAGS)
def complete(item_id: int):
    """The hire ticks an open item, optionally with a note and an evidence link (http or https)."""
    data: CompleteIn = body()
    return _act(item_id, "complete", lambda item, user: complete_item(
        item, user, note=data.note, evidence_url=data.evidence_url, now=clock.now(), expected_version=data.version))


@bp.post("/items/<int:item_id>/reopen")
@spec.validate(json=ReopenIn, resp=ITEM_ANSWERS, tags=TAGS)
def reopen(item_id: int):
    """The hire unticks a done item (before it is signed off)."""
    data: ReopenIn = body()
    return _act(item_id, "reopen", lambda item, user: reopen_item(
        item, user, now=clock.now(), expected_version=data.version))


@bp.post("/items/<int:item_id>/sign-off")
@spec.validate(json=SignOffIn, resp=ITEM_ANSWERS, tags=TAGS)
def sign_off(item_id: int):
    """The manager accepts a done item (on a parent: every done sub-item)."""
    data: SignOffIn = body()
    return _act(item_id, "sign_off", lambda item, user: sign_off_item(
        item, user, clock.now(), expected_version=data.version))


@bp.post("/items/<int:item_id>/send-back")
@spec.validate(json=SendBackIn, resp=ITEM_ANSWERS, tags=TAGS)
def send_back(item_id: int):
    """The manager asks for changes: a done item goes back to open with the comment."""
    data: SendBackIn = body()
    return _act(item_id, "send_back", lambda item, user: send_back_item(
        item, user, data.comment, clock.now(), expected_version=data.version))


@bp.post("/items/<int:item_id>/waive")
@spec.validate(json=WaiveIn, resp=ITEM_ANSWERS, tags=TAGS)
def waive(item_id: int):
    """The manager marks an item not needed for this hire, with a reason."""
    data: WaiveIn = body()
    return _act(item_id, "waive", lambda item, user: waive_item(
        item, user, data.reason, clock.now(), expected_version=data.version))
