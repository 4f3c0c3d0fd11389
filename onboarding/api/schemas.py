"""The API's request and response shapes. Pydantic validates requests with them and spectree writes the
OpenAPI document from them, so the document and the validation cannot drift apart.

Response shapes follow DESIGN.md ("API and integrations", `plans show --json`): keep the keys.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from onboarding.audit.types import EventType
from onboarding.core.phases import CheckInRating

State = Literal["open", "done", "signed_off", "waived"]
RampStatus = Literal["not started", "complete", "overdue", "at risk", "on track"]
MAX_ID = 2**31 - 1


def _an_id(value: str) -> str:
    if int(value) > MAX_ID:
        raise ValueError("is not a cursor this API gave out")
    return value


#: cursors are opaque to clients; today they are the last id of the page
Cursor = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,10}$"), AfterValidator(_an_id)]
Text = Annotated[str, StringConstraints(max_length=5000)]
Email = Annotated[str, StringConstraints(min_length=3, max_length=254)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ---

class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


# --- roles ---

class RoleSummary(BaseModel):
    slug: str
    title: str
    level: str
    version: int


class RoleList(BaseModel):
    data: list[RoleSummary]


class Milestone(BaseModel):
    text: str
    children: list[Milestone] = []


class RolePhase(BaseModel):
    key: str
    heading: str = ""
    theme: str = ""
    due: dict[str, int] | None = None
    milestones: list[Milestone] = []


class Role(RoleSummary):
    summary: str
    phases: list[RolePhase]
    guidance: dict
    kpis: list[dict]


class RoleDocument(Strict):
    """A blueprint document, as text (any format the importer reads: JSON, HTML, Markdown, plain text)."""

    document: Annotated[str, StringConstraints(min_length=1, max_length=5_000_000)]
    filename: Annotated[str, StringConstraints(max_length=200)] = "document.txt"


class RoleImport(BaseModel):
    data: list[Role]
    #: per role: "created", "updated" (a new version) or "unchanged"
    outcomes: list[str]
    warnings: list[str]


# --- people and plans ---

class PlanHire(BaseModel):
    email: str
    name: str
    manager: str | None


class ItemNode(BaseModel):
    id: int
    text: str
    due_on: date | None
    state: State
    children: list[ItemNode]


class PlanPhase(BaseModel):
    key: str
    due_on: date | None
    items: list[ItemNode]


class PlanDocument(BaseModel):
    """`onboarding plans show --json` plus the plan's id."""

    id: int
    hire: PlanHire
    role: str
    template_version: int
    start_on: date
    status: RampStatus
    phases: list[PlanPhase]


class PlanSummary(BaseModel):
    id: int
    hire: PlanHire
    role: str
    role_slug: str
    start_on: date
    status: RampStatus
    is_active: bool


class PlanPage(BaseModel):
    data: list[PlanSummary]
    next: str | None


class PlanQuery(Strict):
    role: Annotated[str, StringConstraints(max_length=200)] | None = None
    manager: Annotated[str, StringConstraints(max_length=254)] | None = Field(
        None, description="a manager's email, or 'none' for plans without a manager")
    status: RampStatus | None = None
    start_month: Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$")] | None = None
    include_finished: bool = False
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


class Hire(BaseModel):
    id: int
    email: str
    name: str
    manager: str | None
    plan_id: int | None


class HirePage(BaseModel):
    data: list[Hire]
    next: str | None


class PageQuery(Strict):
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


class HireIn(Strict):
    email: Email
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    role: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(description="a role template's slug")
    start_on: date
    manager: Email | None = None
    buddy: Email | None = None
    timezone: Annotated[str, StringConstraints(max_length=64)] = "UTC"
    invite: bool = Field(True, description="mail a new person an invitation to set a password (as the pages do)")


class HireCreated(BaseModel):
    hire: Hire
    plan: PlanDocument


class StartDateIn(Strict):
    start_on: date


class StartDateMoved(BaseModel):
    plan: PlanDocument
    items_moved: int


# --- items ---

class Versioned(Strict):
    version: int | None = Field(None, ge=1, le=2**31 - 1,
                                description="the item's version as last read; a different one answers 409")


class CompleteIn(Versioned):
    note: Text = ""
    evidence_url: Annotated[str, StringConstraints(max_length=2000)] = ""


class ReopenIn(Versioned):
    pass


class SignOffIn(Versioned):
    pass


class SendBackIn(Versioned):
    comment: Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class WaiveIn(Versioned):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class Item(BaseModel):
    id: int
    plan_id: int
    parent_id: int | None
    phase: str
    text: str
    due_on: date | None
    state: State
    #: send it back as `version` for optimistic locking
    version: int
    note: str
    evidence_url: str
    review_comment: str
    waived_reason: str


# --- check-ins ---

class CheckInIn(Strict):
    phase: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    status: Literal[tuple(CheckInRating)]  # type: ignore[valid-type]
    notes: Text = ""


class CheckIn(BaseModel):
    plan_id: int
    phase: str
    status: str
    notes: str
    self_assessment: str
    recorded_at: datetime | None


# --- events ---

class EventQuery(Strict):
    after: Cursor | None = None
    limit: int = Field(100, ge=1, le=500)


class Event(BaseModel):
    id: int
    type: Annotated[str, Field(description="an EventType: " + ", ".join(EventType))]
    at: datetime
    plan_id: int | None
    item_id: int | None
    actor: str | None
    old: dict | None
    new: dict | None


class EventPage(BaseModel):
    data: list[Event]
    next: str | None
