"""What a digest says: the lines of each section, as plain data that building fills and composing lays out."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from onboarding.core.phases import phase_label

#: a hire's digest lists open items due within this many days
DUE_SOON_DAYS = 14


#: a manager's digest lists check-ins whose phase ends within this many days (or has ended)
CHECK_IN_NOTICE_DAYS = 7


#: the admin report lists plans with an item overdue by more than this many days
ADMIN_OVERDUE_DAYS = 14


#: how many entries of each list the admin report shows (the total is always given)
ADMIN_LIST_LIMIT = 15


PERSON = "person"


ADMIN = "admin"


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    name: str
    role: str
    timezone: str
    cadence: str
    hour: int
    unsubscribe_version: int
    #: where the digest goes: "email", "slack", "teams", comma-separated
    channels: str = "email"
    teams_url: str = ""


@dataclass
class ItemLine:
    text: str
    #: the text of the item's parent ("Learn the tools:") when it is a sub-item
    parent_text: str
    due_on: date | None
    hire_name: str = ""
    comment: str = ""


@dataclass
class CheckInLine:
    phase_key: str
    due_on: date
    hire_name: str = ""
    manager_name: str = ""

    @property
    def label(self) -> str:
        return f"{phase_label(self.phase_key)} check-in"


@dataclass
class ReportLine:
    hire_name: str
    status: str
    overdue: int


@dataclass
class PlanLine:
    hire_name: str
    manager_name: str
    start_on: date | None = None
    oldest_due_on: date | None = None
    overdue_items: int = 0


@dataclass
class FailedLine:
    to_addr: str
    subject: str
    last_error: str
    created_at: datetime


@dataclass
class AdminReport:
    overdue_plans: list[PlanLine]
    overdue_total: int
    unmanaged_plans: list[PlanLine]
    unmanaged_total: int
    failed_mail: list[FailedLine]
    failed_total: int


@dataclass
class DigestContent:
    """Everything one message says; empty lists mean nothing to say in that section."""

    recipient: Recipient
    kind: str
    period: str
    today: date
    # hire section
    overdue: list[ItemLine] = field(default_factory=list)
    due_soon: list[ItemLine] = field(default_factory=list)
    sent_back: list[ItemLine] = field(default_factory=list)
    next_check_in: CheckInLine | None = None
    # manager section
    waiting: list[ItemLine] = field(default_factory=list)
    check_ins_due: list[CheckInLine] = field(default_factory=list)
    attention: list[ReportLine] = field(default_factory=list)
    # admin report
    admin: AdminReport | None = None

    @property
    def key(self) -> tuple[int, str]:
        return (self.recipient.id, self.kind)

    @property
    def check_in_is_soon(self) -> bool:
        return self.next_check_in is not None and self.next_check_in.due_on <= self.today + timedelta(DUE_SOON_DAYS)

    @property
    def has_hire_section(self) -> bool:
        return bool(self.overdue or self.due_soon or self.sent_back or self.check_in_is_soon)

    @property
    def has_manager_section(self) -> bool:
        return bool(self.waiting or self.check_ins_due or self.attention)

    @property
    def has_admin_section(self) -> bool:
        a = self.admin
        return a is not None and bool(a.overdue_total or a.unmanaged_total or a.failed_total)

    @property
    def is_empty(self) -> bool:
        if self.kind == ADMIN:
            return not self.has_admin_section
        return not (self.has_hire_section or self.has_manager_section)
