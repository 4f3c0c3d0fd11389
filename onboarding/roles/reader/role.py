"""From blocks to a role: sections, phases, guidance, KPIs, title, level.

A blueprint has twenty numbered sections ("1) Role Summary" ... "20) Final Role Scorecard
Summary"). Section 6 holds the plan: one sub-heading per phase ("30-day goals (diagnose and
align)") followed by a list of milestones, then "Role success definition" and "What high
performance looks like". Section 7 holds the KPI table; section 20's scorecard names the role.
"""
from __future__ import annotations

from onboarding.roles.reader.document import Block, Document
from onboarding.roles.reader.kpis import read_kpis
from onboarding.roles.reader.model import BlueprintError, ParsedRole
from onboarding.roles.reader.plan import is_plan_heading, read_plan
from onboarding.roles.reader.repair import is_noise_line
from onboarding.roles.reader.sections import (
    GOALS_TITLE,
    KPI_TITLE,
    SUMMARY_TITLE,
    find_section,
    split_sections,
)
from onboarding.roles.reader.titles import role_title, seniority


def build_role(doc: Document, source: str) -> ParsedRole:
    """Everything the application keeps from one document."""
    blocks = _without_noise(doc.blocks)
    sections = split_sections(blocks)
    if not sections:
        raise BlueprintError(
            'not a role blueprint: no numbered sections such as "6) Goals, Objectives, and '
            'Milestones" were found'
        )
    warnings = list(doc.warnings)
    goals = find_section(sections, 6, GOALS_TITLE)
    if goals is None:
        raise BlueprintError('no section 6 ("Goals, Objectives, and Milestones") was found')
    plan = read_plan(goals.blocks, warnings)
    # A document without a name is reported as such first: that is what names it in a batch.
    title = role_title(doc, blocks, sections)
    if not plan.phases:
        raise BlueprintError(
            "section 6 has no recognisable phase (such as \"30-day goals\" or "
            "\"6-month milestones\") with milestones"
        )
    summary_section = find_section(sections, 1, SUMMARY_TITLE)
    summary = ""
    if summary_section is not None:
        summary = next((b.text for b in summary_section.blocks if b.kind == "para"), "")
    if not summary:
        warnings.append("no role summary found in section 1")
    kpi_section = find_section(sections, 7, KPI_TITLE)
    kpis = read_kpis(kpi_section.blocks if kpi_section else [])
    if not kpis:
        warnings.append("no KPI table found in section 7")
    return ParsedRole(
        title=title,
        source=source,
        format=doc.format,
        summary=summary,
        level=seniority(title),
        phases=plan.phases,
        success=plan.success,
        high_performance=plan.high_performance,
        kpis=kpis,
        warnings=warnings,
    )


def _without_noise(blocks: list[Block]) -> list[Block]:
    """Drop template boilerplate lines, and the short lines after the document's last table or
    list (advertising such as "Find Trusted Cardiac Hospitals" pasted along with the page)."""
    kept = [b for b in blocks if not (b.kind == "para" and is_noise_line(b.text))]
    end = len(kept)
    while end > 0 and kept[end - 1].kind == "para" and len(kept[end - 1].text) < 200:
        end -= 1
    trailing = kept[end:]
    # A short document can end with "Role success definition" and its paragraph: keep those.
    if any(is_plan_heading(b.text) for b in trailing):
        return kept
    if 0 < end < len(kept) and kept[end - 1].kind in ("table", "list"):
        return kept[:end]
    return kept

