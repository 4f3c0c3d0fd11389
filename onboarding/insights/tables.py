"""The insights as tables: one definition each, read by the page, the CSV downloads and the command."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from onboarding.core.phases import CHECKIN_LABELS, phase_name
from onboarding.insights.queries import RATINGS, Insights, Measures, RoleInsight

MEASURE_COLUMNS = ["Items", "On-time rate", "Median days to sign-off", "Sent-back rate", "Overdue now"]
#: which columns hold a 0..1 rate (the page shows them as percentages, CSV as decimals)
RATE_COLUMNS = frozenset({"On-time rate", "Sent-back rate", "Late rate"})


@dataclass
class Table:
    name: str  # the CSV file's name and the `table` argument
    title: str
    columns: list[str]
    rows: list[list]
    #: how many leading columns name the row (drawn as row headers)
    key_columns: int = 1


def _measures(m: Measures) -> list:
    return [m.items, m.on_time_rate, m.median_days_to_sign_off, m.sent_back_rate, m.overdue_now]


def roles_table(insights: Insights) -> Table:
    return Table("roles", "Plans per role", ["Role", "Plans", "Active", "Complete"],
                 [[r.label, r.plans, r.active, r.complete] for r in insights.roles])


def phases_table(insights: Insights, roles: list[RoleInsight] | None = None) -> Table:
    rows = [[r.label, phase_name(key), *_measures(m)] for r in (insights.roles if roles is None else roles)
            for key, m in r.ordered_phases()]
    return Table("phases", "Per role and phase", ["Role", "Phase", *MEASURE_COLUMNS], rows, key_columns=2)


def versions_table(insights: Insights) -> Table:
    rows = [[v.label, phase_name(key), v.plans, *_measures(m)]
            for r in insights.roles for v in r.versions for key, m in v.ordered_phases()]
    return Table("versions", "Per template version", ["Template version", "Phase", "Plans", *MEASURE_COLUMNS], rows,
                 key_columns=2)


def cohorts_table(insights: Insights) -> Table:
    rows = []
    for cohort in insights.cohorts:
        rows.append([cohort.label, "All phases", cohort.plans, *_measures(cohort.total)])
        rows.extend([cohort.label, phase_name(key), cohort.plans, *_measures(m)] for key, m in cohort.ordered_phases())
    return Table("cohorts", "Cohorts by start month", ["Start month", "Phase", "Plans", *MEASURE_COLUMNS], rows,
                 key_columns=2)


def hardest_table(insights: Insights, roles: list[RoleInsight] | None = None) -> Table:
    rows = [[r.label, h.text, h.late, h.sent_back, h.waived] for r in (insights.roles if roles is None else roles)
            for h in r.hardest]
    return Table("hardest", "Hardest milestones", ["Role", "Milestone", "Late", "Sent back", "Waived"], rows,
                 key_columns=2)


def check_ins_table(insights: Insights) -> Table:
    rows = [[phase_name(key), *(ci.ratings[r] for r in RATINGS), ci.recorded, ci.late, ci.late_rate, ci.missing]
            for key, ci in insights.check_ins.items()]
    return Table("check-ins", "Check-ins by phase",
                 ["Phase", *CHECKIN_LABELS.values(), "Recorded", "Late check-ins", "Late rate", "Missing"], rows)


def without_role(table: Table) -> Table:
    """One role's rows of a per-role table, without the role column (a heading names the role)."""
    return Table(table.name, table.title, table.columns[1:], [row[1:] for row in table.rows],
                 max(1, table.key_columns - 1))


TABLES: dict[str, Callable[[Insights], Table]] = {
    "roles": roles_table, "phases": phases_table, "versions": versions_table, "cohorts": cohorts_table,
    "hardest": hardest_table, "check-ins": check_ins_table,
}
#: the per-role tables, which can be drawn for some roles only (the page draws one per role)
ROLE_TABLES: dict[str, Callable[[Insights, list[RoleInsight] | None], Table]] = {
    "phases": phases_table, "hardest": hardest_table,
}


def all_tables(insights: Insights) -> dict[str, Table]:
    return {name: build(insights) for name, build in TABLES.items()}
