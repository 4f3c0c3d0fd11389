"""Ramp figures, set-based: four queries whatever the number of plans, rolled up in Python.

Counting every plan (an admin, the command line; by role or whole start months), the queries sum
the insight tallies (insights/models.py, kept with every change by insights/tallies.py): a few
thousand rows whatever the number of items. Counting one manager's reports, they read the items
themselves; the two give the same figures (tests/insights/test_insight_tallies.py).

What is counted (the page says the same in words, next to each figure):

- The units are dated *leaf* items (an item with sub-items is done when all of them are), as on
  every other page (plans/status.py).
- **On-time rate** of a phase: among its items that are due so far (due date before today) or done,
  not waived, the share done (ticked, or ticked and signed off) on or before the due date. "Done
  on" is the UTC date of the completion that stands (`item.completed`; a send-back or a reopen
  cancels it). `null` when there is nothing to count yet.
- **Median days to sign-off** of a phase: for each plan whose phase is finished (every item signed
  off or waived, at least one signed off), the days from the plan's start date to the phase's last
  `item.signed_off`; the median over those plans, `null` when none.
- **Sent-back rate**: among the phase's items handed in at least once (done now, or sent back), the
  share sent back at least once (`item.sent_back`).
- **Overdue now**: open items of active plans whose due date is before today.
- **Hardest milestones** of a role, by item text: *late* (done after its due date, or open past
  it), *sent back* at least once, *waived* (`item.waived`); the texts with the most of the three.
- **Check-ins** (`checkin.recorded`) per phase: on track / at risk / off track; *late* when recorded
  more than CHECK_IN_GRACE_DAYS days after the phase's due date (its latest item due date); *missing*
  when the phase is that far past due and none is recorded (active plans only).
- **Cohorts** group plans by the month of their (current) start date.

A manager counts only the plans they manage; an admin every plan; anyone else nothing.
The state operations write the columns read here (done_at, signed_off_at, sent_back_at, state,
check_ins.recorded_at) in the same transaction as the audit events named above, so the figures are
the audit log's without scanning it: one pass over the items instead of one over every event.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Integer, and_, case, exists, false, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from onboarding.core.phases import (
    CLOSED_STATES,
    DATED_PHASES,
    CheckInRating,
    ItemState,
    phase_rank,
)
from onboarding.extensions import db
from onboarding.insights.models import CheckInTally, DueTally, MilestoneTally, PhaseTally, PlanTally, SignOffTally
from onboarding.insights.sql import days_between, month_of, utc_date
from onboarding.insights.tallies import CHECK_IN_GRACE_DAYS
from onboarding.people.models import User
from onboarding.plans.access import visible_plans_stmt
from onboarding.plans.models import CheckIn, Plan, PlanItem
from onboarding.roles.models import RoleTemplate, RoleTemplateVersion

#: how many of a role's hardest milestones are listed
HARDEST_COUNT = 5
RATINGS: tuple[str, ...] = tuple(CheckInRating)


@dataclass(frozen=True)
class InsightFilters:
    role: str = ""  # a template slug, "" for every role
    manager_id: int | None = None  # only this manager's reports
    start_from: date | None = None  # first day of the first start month
    start_until: date | None = None  # first day of the month after the last start month (exclusive)


# --- the measures ----------------------------------------------------------------------------------


@dataclass
class Measures:
    """Sums over plan phases, and the figures made from them."""

    items: int = 0
    counted: int = 0  # due so far or done, not waived
    on_time: int = 0
    handed_in: int = 0
    sent_back: int = 0
    overdue_now: int = 0
    waived: int = 0
    #: days from start to the phase's last sign-off -> how many finished plan phases took that long
    days: Counter = field(default_factory=Counter)

    def add(self, other: Measures) -> None:
        self.items += other.items
        self.counted += other.counted
        self.on_time += other.on_time
        self.handed_in += other.handed_in
        self.sent_back += other.sent_back
        self.overdue_now += other.overdue_now
        self.waived += other.waived
        if other.days:
            self.days.update(other.days)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.counted)

    @property
    def sent_back_rate(self) -> float | None:
        return _rate(self.sent_back, self.handed_in)

    @property
    def finished(self) -> int:
        return sum(self.days.values())

    @property
    def median_days_to_sign_off(self) -> float | int | None:
        return _median(self.days)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _median(histogram: Counter) -> float | int | None:
    """The median of values given as value -> count (a half when it falls between two values)."""
    total = sum(histogram.values())
    if not total:
        return None
    ordered = sorted(histogram.items())

    def nth(n: int) -> int:  # 0-based
        seen = 0
        for value, count in ordered:
            seen += count
            if n < seen:
                return value
        raise IndexError(n)

    if total % 2:
        return nth(total // 2)
    low, high = nth(total // 2 - 1), nth(total // 2)
    return (low + high) // 2 if (low + high) % 2 == 0 else (low + high) / 2


@dataclass
class CheckIns:
    ratings: Counter = field(default_factory=Counter)
    late: int = 0
    missing: int = 0

    @property
    def recorded(self) -> int:
        return sum(self.ratings[r] for r in RATINGS)

    @property
    def late_rate(self) -> float | None:
        return _rate(self.late, self.recorded)

    def add(self, other: CheckIns) -> None:
        self.ratings.update(other.ratings)
        self.late += other.late
        self.missing += other.missing


@dataclass
class Group:
    """Plans of one role, template version or cohort, with their measures per phase."""

    key: str
    label: str
    plans: int = 0
    active: int = 0
    complete: int = 0
    phases: dict[str, Measures] = field(default_factory=dict)

    @property
    def total(self) -> Measures:
        total = Measures()
        for measures in self.phases.values():
            total.add(measures)
        return total

    def phase(self, key: str) -> Measures:
        measures = self.phases.get(key)
        if measures is None:
            measures = self.phases[key] = Measures()
        return measures

    def ordered_phases(self) -> list[tuple[str, Measures]]:
        return sorted(self.phases.items(), key=lambda kv: phase_rank(kv[0]))


@dataclass
class Hardest:
    text: str
    late: int
    sent_back: int
    waived: int

    @property
    def score(self) -> int:
        return self.late + self.sent_back + self.waived


@dataclass
class RoleInsight(Group):
    slug: str = ""
    hardest: list[Hardest] = field(default_factory=list)
    versions: list[Group] = field(default_factory=list)


@dataclass
class Insights:
    today: date
    roles: list[RoleInsight]
    cohorts: list[Group]
    check_ins: dict[str, CheckIns]  # per phase key

    @property
    def check_in_totals(self) -> CheckIns:
        total = CheckIns()
        for value in self.check_ins.values():
            total.add(value)
        return total

    @property
    def plans(self) -> int:
        return sum(r.plans for r in self.roles)

    def as_json(self) -> dict:
        """DESIGN's `onboarding insights --json` shape (a contract: keep the keys exactly)."""
        totals = self.check_in_totals.ratings
        return {
            "roles": [{
                "role": role.slug, "title": role.label, "plans": role.plans, "active": role.active,
                "complete": role.complete,
                "phases": [{"key": key, "items": m.items, "on_time_rate": m.on_time_rate,
                            "median_days_to_sign_off": m.median_days_to_sign_off,
                            "sent_back_rate": m.sent_back_rate, "overdue_now": m.overdue_now}
                           for key, m in role.ordered_phases()],
                "hardest": [{"text": h.text, "late": h.late, "sent_back": h.sent_back, "waived": h.waived}
                            for h in role.hardest],
            } for role in self.roles],
            "check_ins": {rating: int(totals[rating]) for rating in RATINGS},
        }


# --- the queries -----------------------------------------------------------------------------------


def _is_everything(user: User | None, filters: InsightFilters, everyone: bool) -> bool:
    """Whether every plan is counted (then the item scans need not look plans up to filter them)."""
    return (everyone or bool(user is not None and getattr(user, "is_admin", False))) and filters == InsightFilters()


def _plans_in_scope(user: User | None, filters: InsightFilters, everyone: bool):
    """A subquery of the plans these figures count: id, version, template, start, active."""
    stmt = (
        (select(Plan) if everyone else visible_plans_stmt(user))
        .with_only_columns(Plan.id.label("plan_id"), Plan.template_version_id.label("version_id"),
                           RoleTemplateVersion.template_id.label("template_id"), Plan.start_on.label("start_on"),
                           Plan.is_active.label("is_active"))
        .join(RoleTemplateVersion, RoleTemplateVersion.id == Plan.template_version_id)
    )
    if not everyone and (user is None or not getattr(user, "is_admin", False)):
        # A manager's insights count their own reports, not the plans they buddy or their own plan.
        stmt = stmt.where(Plan.manager_id == user.id) if user is not None and user.id else stmt.where(false())
    if filters.role:
        stmt = stmt.join(RoleTemplate, RoleTemplate.id == RoleTemplateVersion.template_id).where(
            RoleTemplate.slug == filters.role)
    if filters.manager_id is not None:
        stmt = stmt.where(Plan.manager_id == filters.manager_id)
    if filters.start_from is not None:
        stmt = stmt.where(Plan.start_on >= filters.start_from)
    if filters.start_until is not None:
        stmt = stmt.where(Plan.start_on < filters.start_until)
    return stmt.subquery("scope")


def _leaf(every_plan: bool):
    """The item has no sub-items. Counting every plan, one set of parent ids for the whole scan beats a
    lookup per item; for a few plans (a manager's), the lookup per item beats reading every parent id."""
    child = aliased(PlanItem)
    if every_plan:
        return PlanItem.id.not_in(select(child.parent_id).where(child.parent_id.is_not(None)))
    return ~exists().where(child.parent_id == PlanItem.id)


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


def ramp_insights(user: User | None, filters: InsightFilters, today: date, *, everyone: bool = False) -> Insights:
    """Every figure of the Insights page for the plans this person may count, in four queries.

    `everyone`: count every plan whoever asks (the command line, run by whoever runs the server)."""
    roles = _roles(filters)
    if _is_tallied(user, filters, everyone):
        return _roll_up(today, roles, *_tallied(roles, filters, today))
    return _counted_from_items(user, filters, today, everyone, roles)


def _counted_from_items(user: User | None, filters: InsightFilters, today: date, everyone: bool,
                        roles: list[_Role]) -> Insights:
    """The figures read from the items themselves: for one manager's reports (a few plans), and the
    definition the tallies are checked against."""
    dialect = db.engine.dialect.name
    scope = _plans_in_scope(user, filters, everyone)
    every_plan = _is_everything(user, filters, everyone)

    # 1. Per plan and phase, sums over its leaf items; then summed per (version, start month, phase,
    #    days to sign-off, check-in rating, late, missing): a few hundred rows for any number of plans.
    state = PlanItem.state
    is_done = state.in_((ItemState.DONE, ItemState.SIGNED_OFF))
    done_on = utc_date(PlanItem.done_at, dialect)
    per_phase_rows = (
        select(
            PlanItem.plan_id.label("plan_id"), PlanItem.phase_key.label("phase_key"),
            func.count().label("item_count"),
            _count(state == ItemState.WAIVED).label("waived"),
            _count(state.in_(CLOSED_STATES)).label("closed"),
            _count(and_(state != ItemState.WAIVED, or_(is_done, PlanItem.due_on < today))).label("counted"),
            _count(and_(is_done, PlanItem.done_at.is_not(None), done_on <= PlanItem.due_on)).label("on_time"),
            _count(or_(and_(is_done, PlanItem.done_at.is_not(None)), PlanItem.sent_back_at.is_not(None))
                   ).label("handed_in"),
            _count(PlanItem.sent_back_at.is_not(None)).label("sent_back"),
            _count(and_(state == ItemState.OPEN, PlanItem.due_on < today)).label("overdue"),
            func.max(PlanItem.signed_off_at).label("last_sign_off"),
            func.max(PlanItem.due_on).label("phase_due"),
        )
        .where(PlanItem.due_on.is_not(None), _leaf(every_plan))
        .group_by(PlanItem.plan_id, PlanItem.phase_key)
    )
    if not every_plan:
        per_phase_rows = per_phase_rows.where(PlanItem.plan_id.in_(select(scope.c.plan_id)))
    per_phase = per_phase_rows.subquery("per_phase")
    finished = and_(per_phase.c.closed == per_phase.c.item_count, per_phase.c.last_sign_off.is_not(None))
    days = case((finished, days_between(utc_date(per_phase.c.last_sign_off, dialect), scope.c.start_on, dialect)))
    recorded = and_(CheckIn.recorded_at.is_not(None), CheckIn.status != "")
    check_in_late = case((and_(recorded, days_between(utc_date(CheckIn.recorded_at, dialect), per_phase.c.phase_due,
                                                       dialect) > CHECK_IN_GRACE_DAYS), 1), else_=0)
    check_in_missing = case((and_(~recorded, scope.c.is_active,
                                  days_between(literal(today), per_phase.c.phase_due, dialect) > CHECK_IN_GRACE_DAYS),
                             1), else_=0)
    rating = case((recorded, CheckIn.status), else_="")
    month = month_of(scope.c.start_on, dialect)
    cube_columns = (scope.c.version_id, month, per_phase.c.phase_key, days, rating, check_in_late, check_in_missing)
    cube = db.session.execute(
        select(*cube_columns, func.sum(per_phase.c.item_count), func.sum(per_phase.c.counted),
               func.sum(per_phase.c.on_time), func.sum(per_phase.c.handed_in), func.sum(per_phase.c.sent_back),
               func.sum(case((scope.c.is_active, per_phase.c.overdue), else_=0)), func.sum(per_phase.c.waived),
               func.count())
        .select_from(per_phase)
        .join(scope, scope.c.plan_id == per_phase.c.plan_id)
        .outerjoin(CheckIn, and_(CheckIn.plan_id == per_phase.c.plan_id, CheckIn.phase_key == per_phase.c.phase_key))
        .group_by(*cube_columns)
    ).all()

    # 2. Plans per (version, start month): how many, how many active, how many complete.
    open_leaf = aliased(PlanItem)
    child = aliased(PlanItem)
    unfinished = exists().where(open_leaf.plan_id == scope.c.plan_id, open_leaf.due_on.is_not(None),
                                open_leaf.state.not_in(CLOSED_STATES),
                                ~exists().where(child.parent_id == open_leaf.id))
    any_dated = exists().where(open_leaf.plan_id == scope.c.plan_id, open_leaf.due_on.is_not(None))
    plan_month = month_of(scope.c.start_on, dialect)
    plan_rows = db.session.execute(
        select(scope.c.version_id, plan_month, func.count(), _count(scope.c.is_active),
               _count(and_(any_dated, ~unfinished)))
        .group_by(scope.c.version_id, plan_month)
    ).all()

    # 3. The hardest milestones: per template and item text, late / sent back / waived.
    late = and_(state != ItemState.WAIVED, or_(
        and_(is_done, PlanItem.done_at.is_not(None), done_on > PlanItem.due_on),
        and_(state == ItemState.OPEN, PlanItem.due_on < today)))
    hard = (_count(late), _count(PlanItem.sent_back_at.is_not(None)), _count(state == ItemState.WAIVED))
    hardest_rows = db.session.execute(
        select(scope.c.template_id, PlanItem.text, *hard)
        .join(scope, scope.c.plan_id == PlanItem.plan_id)
        .where(PlanItem.due_on.is_not(None), _leaf(every_plan))
        .group_by(scope.c.template_id, PlanItem.text)
        .having(or_(*(h > 0 for h in hard)))
    ).all()

    return _roll_up(today, roles, cube, plan_rows, hardest_rows)


def _is_tallied(user: User | None, filters: InsightFilters, everyone: bool) -> bool:
    """Whether the tallies can answer: every plan (of a role, of whole start months), nobody's reports."""
    whole_months = all(day is None or day.day == 1 for day in (filters.start_from, filters.start_until))
    counts_everyone = everyone or bool(user is not None and getattr(user, "is_admin", False))
    return counts_everyone and filters.manager_id is None and whole_months


def _tallied(roles: list[_Role], filters: InsightFilters, today: date) -> tuple[Sequence, Sequence, Sequence]:
    """The rows _roll_up reads, summed from the tallies (insights/models.py) in three queries: the
    same sums as the item-level queries, over a few thousand rows instead of every item."""
    versions = [vid for role in roles for vid in role.versions]

    def scoped(stmt, model):
        stmt = stmt.where(model.version_id.in_(versions))
        if filters.start_from is not None:
            stmt = stmt.where(model.month >= filters.start_from.strftime("%Y-%m"))
        if filters.start_until is not None:
            stmt = stmt.where(model.month < filters.start_until.strftime("%Y-%m"))
        return stmt

    none, nothing, zero = literal(None, Integer), literal(""), literal(0)
    key = (PhaseTally.version_id, PhaseTally.month, PhaseTally.phase_key)
    phases = scoped(select(*key, none, nothing, zero, zero, PhaseTally.items, PhaseTally.done, PhaseTally.on_time,
                           PhaseTally.handed_in, PhaseTally.sent_back, zero, PhaseTally.waived, zero)
                    .where(PhaseTally.items > 0), PhaseTally)
    missing_before = today - timedelta(days=CHECK_IN_GRACE_DAYS)
    counted, overdue = func.sum(DueTally.open), func.sum(DueTally.open_active)
    missing = func.sum(case((DueTally.due_on < missing_before, DueTally.unrecorded), else_=0))
    due_key = (DueTally.version_id, DueTally.month, DueTally.phase_key)
    due = scoped(select(*due_key, none, nothing, zero, literal(1), zero, counted, zero, zero, zero, overdue, zero,
                        missing)
                 .where(DueTally.due_on < today).group_by(*due_key)
                 .having(or_(counted > 0, overdue > 0, missing > 0)), DueTally)
    sign_offs = scoped(select(SignOffTally.version_id, SignOffTally.month, SignOffTally.phase_key, SignOffTally.days,
                              nothing, zero, zero, zero, zero, zero, zero, zero, zero, zero, SignOffTally.phases)
                       .where(SignOffTally.phases > 0), SignOffTally)
    check_ins = scoped(select(CheckInTally.version_id, CheckInTally.month, CheckInTally.phase_key, none,
                              CheckInTally.rating, case((CheckInTally.is_late, 1), else_=0), zero, zero, zero, zero,
                              zero, zero, zero, zero, CheckInTally.check_ins)
                       .where(CheckInTally.check_ins > 0), CheckInTally)
    cube = db.session.execute(union_all(phases, due, sign_offs, check_ins)).all()

    plan_rows = db.session.execute(scoped(
        select(PlanTally.version_id, PlanTally.month, func.sum(PlanTally.plans),
               func.sum(case((PlanTally.is_active, PlanTally.plans), else_=0)),
               func.sum(case((PlanTally.is_complete, PlanTally.plans), else_=0)))
        .where(PlanTally.plans > 0).group_by(PlanTally.version_id, PlanTally.month), PlanTally)).all()

    # late: done after the due date, or open with the due date passed (open rows by due date, the
    # rest on tallies.NO_DATE, which is before any today)
    hard = (func.sum(MilestoneTally.late_done + MilestoneTally.open), func.sum(MilestoneTally.sent_back),
            func.sum(MilestoneTally.waived))
    hardest_rows = db.session.execute(scoped(
        select(RoleTemplateVersion.template_id, func.min(MilestoneTally.text), *hard)
        .join(RoleTemplateVersion, RoleTemplateVersion.id == MilestoneTally.version_id)
        .where(MilestoneTally.due_on < today)
        .group_by(RoleTemplateVersion.template_id, MilestoneTally.text_key)
        .having(or_(*(h > 0 for h in hard))), MilestoneTally)).all()
    return cube, plan_rows, hardest_rows


@dataclass
class _Role:
    id: int
    slug: str
    title: str
    phase_keys: list[str]
    versions: dict[int, int]  # version id -> number


def _roles(filters: InsightFilters) -> list[_Role]:
    """4. Every role template (in scope), its versions and the dated phases of its newest one."""
    stmt = (
        select(RoleTemplate.id, RoleTemplate.slug, RoleTemplate.title, RoleTemplate.latest_number,
               RoleTemplateVersion.id, RoleTemplateVersion.number,
               case((RoleTemplateVersion.number == RoleTemplate.latest_number, RoleTemplateVersion.content)))
        .join(RoleTemplateVersion, RoleTemplateVersion.template_id == RoleTemplate.id)
        .order_by(func.lower(RoleTemplate.title), RoleTemplate.id, RoleTemplateVersion.number)
    )
    if filters.role:
        stmt = stmt.where(RoleTemplate.slug == filters.role)
    roles: dict[int, _Role] = {}
    for template_id, slug, title, _latest, version_id, number, content in db.session.execute(stmt):
        role = roles.setdefault(template_id, _Role(template_id, slug, title, [], {}))
        role.versions[version_id] = number
        if content:
            role.phase_keys = [p.get("key") for p in content.get("phases") or []
                               if p.get("key") in DATED_PHASES and p.get("due")]
    return list(roles.values())


def _roll_up(today: date, roles: list[_Role], cube, plan_rows, hardest_rows) -> Insights:
    by_version = {vid: role for role in roles for vid in role.versions}
    role_groups = {role.id: RoleInsight(str(role.id), role.title, slug=role.slug) for role in roles}
    for role in roles:
        for key in role.phase_keys:
            role_groups[role.id].phase(key)
    version_groups: dict[int, Group] = {}
    cohorts: dict[str, Group] = {}
    check_ins: dict[str, CheckIns] = defaultdict(CheckIns)

    def version_group(vid: int) -> Group:
        if vid not in version_groups:
            role = by_version[vid]
            version_groups[vid] = Group(str(vid), f"{role.title} v{role.versions[vid]}")
        return version_groups[vid]

    def cohort(month: str) -> Group:
        return cohorts.setdefault(month, Group(month, month))

    for (vid, month, key, days, rating, ci_late, ci_missing, items, counted, on_time, handed_in, sent_back,
         overdue, waived, _plan_phases) in cube:
        if vid not in by_version:
            continue
        sums = (int(items or 0), int(counted or 0), int(on_time or 0), int(handed_in or 0), int(sent_back or 0),
                int(overdue or 0), int(waived or 0))
        measures = Measures(*sums) if any(sums) else None  # many rows carry only a sign-off or a check-in
        for group in (role_groups[by_version[vid].id], version_group(vid), cohort(month)):
            phase = group.phase(key)
            if measures is not None:
                phase.add(measures)
            if days is not None:
                phase.days[int(days)] += int(_plan_phases)
        ci = check_ins[key]
        if rating in RATINGS:
            ci.ratings[rating] += int(_plan_phases)
        ci.late += int(ci_late or 0) * int(_plan_phases)
        ci.missing += int(ci_missing or 0) * int(_plan_phases)

    for vid, month, count, active, complete in plan_rows:
        if vid not in by_version:
            continue
        for group in (role_groups[by_version[vid].id], version_group(vid), cohort(month)):
            group.plans += int(count)
            group.active += int(active or 0)
            group.complete += int(complete or 0)

    hardest: dict[int, list[Hardest]] = defaultdict(list)
    for template_id, text, n_late, n_sent_back, n_waived in hardest_rows:
        hardest[template_id].append(Hardest(text, int(n_late or 0), int(n_sent_back or 0), int(n_waived or 0)))
    result = []
    for role in roles:
        group = role_groups[role.id]
        group.hardest = sorted(hardest.get(role.id, []), key=lambda h: (-h.score, -h.late, -h.sent_back,
                                                                        h.text.casefold()))[:HARDEST_COUNT]
        group.versions = [version_groups[vid] for vid in sorted(role.versions, key=lambda vid: role.versions[vid])
                          if vid in version_groups]
        result.append(group)
    return Insights(
        today=today, roles=result, cohorts=[cohorts[m] for m in sorted(cohorts)],
        check_ins={key: check_ins[key] for key in sorted(check_ins, key=phase_rank)},
    )


def managers_with_reports() -> list[tuple[int, str, str]]:
    """(id, name, email) of everyone who manages a plan, for the manager filter (one query)."""
    return [(user_id, name, email) for user_id, name, email in db.session.execute(
        select(User.id, User.name, User.email)
        .where(User.id.in_(select(Plan.manager_id).where(Plan.manager_id.is_not(None))))
        .order_by(func.lower(User.name), User.id))]
