"""Sections, phase headings, themes, KPI columns and format detection, one rule at a time."""
from __future__ import annotations

from typing import Callable

import pytest

from onboarding.roles.reader import parse_document
from onboarding.roles.reader.detect import detect_format
from onboarding.roles.reader.plan import phase_key, phase_theme


@pytest.mark.parametrize(
    ("heading", "key"),
    [
        ("30-day goals (diagnose and align)", "day-30"),
        ("30-Day Goals", "day-30"),
        ("30 day goals", "day-30"),
        ("30–day goals (en dash)", "day-30"),
        ("30\u2011day goals", "day-30"),
        ("First 30 days", "day-30"),
        ("In the first 30 days: learn", "day-30"),
        ("Day 30 goals", "day-30"),
        ("60-day goals (implement foundations)", "day-60"),
        ("90-day objectives", "day-90"),
        ("6-month milestones (institutionalize)", "month-6"),
        ("6 month milestones", "month-6"),
        ("6-Month Goals", "month-6"),
        ("Six-month milestones", "month-6"),
        ("12-month objectives (transform outcomes)", "month-12"),
        ("12-month milestones", "month-12"),
        ("12 Month Goals", "month-12"),
        ("1-year objectives", "month-12"),
        ("Long-term impact goals (multi-year)", "long-term"),
        ("Long term goals", "long-term"),
        ("Long–term impact goals", "long-term"),
        ("Beyond 12 months", "long-term"),
        ("**30-day goals**", "day-30"),
        # Not phases:
        ("45-day goals", None),
        ("6-day goals", None),
        ("1 day: objectives", None),
        ("12 days of goals", None),
        ("3-month milestones", None),
        ("30-day check-in with your manager", None),
        ("6-month review", None),
        ("Role success definition", None),
        ("Goals, Objectives, and Milestones", None),
        ("30 percent of the goals", None),
        ("Long-standing habits", None),
    ],
)
def test_phase_headings(heading: str, key: str | None) -> None:
    assert phase_key(heading) == key


@pytest.mark.parametrize(
    ("heading", "theme"),
    [
        ("30-day goals (diagnose, align, establish credibility)", "diagnose, align, establish credibility"),
        ("30-day goals", ""),
        ("60-day goals: own a queue", "own a queue"),
        ("90-day goals – make it stick", "make it stick"),
        ("Long-term impact goals (beyond 12 months)", "beyond 12 months"),
    ],
)
def test_phase_themes(heading: str, theme: str) -> None:
    assert phase_theme(heading) == theme


@pytest.mark.parametrize(
    "heading",
    ["6) Goals, Objectives, and Milestones", "6. Goals, Objectives, and Milestones",
     "Section 6: Goals, Objectives, and Milestones", "Section 6 – Goals, Objectives, and Milestones"],
)
def test_section_heading_styles_in_text(make_text_doc: Callable[..., bytes], heading: str) -> None:
    doc = make_text_doc("30-day goals (x)\n- Learn.").replace(b"6) Goals, Objectives, and Milestones", heading.encode())
    doc = doc.replace(b"1) Role Summary", heading.replace("6", "1").replace("Goals, Objectives, and Milestones", "Role Summary").encode())
    [role] = parse_document(doc, "x.txt")
    assert [p.key for p in role.phases] == ["day-30"]
    assert role.summary == "The role keeps customers productive."


def test_numbered_lines_inside_sections_are_not_taken_for_section_headings(make_text_doc: Callable[..., bytes]) -> None:
    doc = make_text_doc("30-day goals (x)\n- Learn.").replace(
        b"3) Core Responsibilities\n",
        b"3) Core Responsibilities\n1) Triage tickets\n2) Reproduce bugs\n3) Escalate\n4) Document\n5) Review\n6) Mentor\n7) Improve\n",
    )
    [role] = parse_document(doc, "x.txt")
    assert [m.text for m in role.phases[0].milestones] == ["Learn."]
    assert role.kpis[0].name == "First-response time"


def test_unnumbered_html_sections_are_found_by_title() -> None:
    html = (
        "<h1>Support Engineer</h1>"
        "<h2>Role Summary</h2><p>Helps customers.</p>"
        "<h2>Goals, Objectives, and Milestones</h2><h3>30-day goals (start)</h3><ul><li>Learn.</li></ul>"
        "<h2>KPIs and Productivity Metrics</h2>"
        "<table><tr><th>Metric</th><th>Target</th></tr><tr><td>CSAT</td><td>90%</td></tr></table>"
    ).encode()
    [role] = parse_document(html, "x.html")
    assert (role.title, role.summary) == ("Support Engineer", "Helps customers.")
    assert [p.key for p in role.phases] == ["day-30"]
    assert [(k.name, k.target) for k in role.kpis] == [("CSAT", "90%")]


def test_kpi_columns_found_by_header_in_any_order(make_text_doc: Callable[..., bytes]) -> None:
    kpis = (
        "| Frequency | Why it matters | Example target / benchmark | What it measures | Metric name |\n"
        "|---|---|---|---|---|\n"
        "| Weekly | Speed | < 30 min | Minutes to reply | First response |\n"
        "| | | | | |\n"
    )
    [role] = parse_document(make_text_doc("30-day goals (x)\n- Learn.", kpis=kpis), "x.txt")
    assert [k.to_dict() for k in role.kpis] == [
        {"name": "First response", "measures": "Minutes to reply", "why": "Speed", "target": "< 30 min", "frequency": "Weekly"}
    ]


def test_success_paragraph_and_high_performance_paragraphs(make_text_doc: Callable[..., bytes]) -> None:
    doc = make_text_doc(
        "30-day goals (x)\n- Learn.\n"
        "Role success definition\nCustomers are happy.\nEngineers trust the reports.\n"
        "What high performance looks like\nSolves root causes.\nTeaches others.\n"
    )
    [role] = parse_document(doc, "x.txt")
    assert role.success == "Customers are happy. Engineers trust the reports."
    assert role.high_performance == ["Solves root causes.", "Teaches others."]


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('{"a": 1}', "json"),
        ("  [1]", "json"),
        ("kind: onboarding/role-template\nversion: 1\n", "export-yaml"),
        ("<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        ("<!-- saved -->\n<html lang='en'><p>x</p></html>", "html"),
        ("<h2>1) Role Summary</h2><p>x</p><ul><li>a</li></ul>", "html-fragment"),
        ("# Title\n\n## 1) Role Summary\n\nText\n", "markdown"),
        ("## 1) Role Summary\n\nText with <br> inside\n", "markdown"),
        ("1) Role Summary\nText\n- a bullet\n", "text"),
        ("# Title only\n1) Role Summary\nText\n", "text"),
        ("Notes about <p> tags in prose\n", "text"),
    ],
)
def test_detect_format(text: str, fmt: str) -> None:
    assert detect_format(text) == fmt


def test_tab_separated_table_copied_from_a_page(make_text_doc: Callable[..., bytes]) -> None:
    kpis = (
        "Metric name\tWhat it measures\tWhy it matters\tExample target / benchmark\tFrequency\n"
        "First response\tMinutes to reply\tSpeed\t< 30 min\tWeekly\n"
    )
    doc = make_text_doc("30-day goals (x)\n- Learn.", kpis=kpis, title=None).replace(
        b"| Role purpose", b"Role title\tSupport Engineer\n| Role purpose"
    )
    [role] = parse_document(doc, "x.txt")
    assert [(k.name, k.target, k.frequency) for k in role.kpis] == [("First response", "< 30 min", "Weekly")]
    assert role.title == "Support Engineer"


def test_pipe_table_without_outer_pipes(make_text_doc: Callable[..., bytes]) -> None:
    kpis = (
        "Metric name | What it measures | Why it matters | Example target / benchmark | Frequency\n"
        "---|---|---|---|---\n"
        "First response | Minutes to reply | Speed | < 30 min | Weekly\n"
    )
    [role] = parse_document(make_text_doc("30-day goals (x)\n- Learn.", kpis=kpis), "x.txt")
    assert [(k.name, k.measures) for k in role.kpis] == [("First response", "Minutes to reply")]


def test_a_title_line_pasted_above_the_first_section(make_text_doc: Callable[..., bytes]) -> None:
    doc = b"Site Reliability Engineer: Role Blueprint, Responsibilities, Skills, KPIs\n" + make_text_doc(
        "30-day goals (x)\n- Learn.", title=None
    )
    [role] = parse_document(doc, "x.txt")
    assert role.title == "Site Reliability Engineer"


def test_bullet_and_number_markers_of_unbulleted_lines_are_dropped() -> None:
    html = (
        "<h2>1) Role Summary</h2><p>Helps.</p>"
        "<h2>6) Goals, Objectives, and Milestones</h2>"
        "<h3>30-day goals (start)</h3><p>- Learn the queue:<br>- tickets<br>- paging<br>- Ship one fix.</p>"
        "<h3>60-day goals (grow)</h3><p>1. Own a queue.</p><p>2) Mentor a newcomer.</p>"
        "<h2>20) Final Role Scorecard Summary</h2>"
        "<table><tr><td>Role title</td><td>Support Engineer</td></tr></table>"
    ).encode()
    [role] = parse_document(html, "x.html")
    assert [(m.text, [c.text for c in m.children]) for m in role.phases[0].milestones] == [
        ("Learn the queue:", ["tickets", "paging"]),
        ("Ship one fix.", []),
    ]
    assert [m.text for m in role.phases[1].milestones] == ["Own a queue.", "Mentor a newcomer."]


def test_prose_that_mentions_tags_is_not_html() -> None:
    assert detect_format("Use <p> for paragraphs, <ul> for lists and <li> for items.\n") == "text"


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('{\n  "id": 1', "json"),
        ("[\n  {", "json"),
        ("[]", "json"),
        ("{", "json"),
        ("[Back to the blog](/blog)\n\n# Support Engineer\n\n## 1) Role Summary\n", "markdown"),
        ("[Draft] Support Engineer\n1) Role Summary\n", "text"),
        ("{{template}} notes\n", "text"),
    ],
)
def test_only_json_like_brackets_are_json(text: str, fmt: str) -> None:
    assert detect_format(text) == fmt


def test_of_two_sections_with_a_goals_title_the_one_numbered_6_is_the_plan():
    from onboarding.roles.reader.sections import GOALS_TITLE, Section, find_section

    earlier = Section(2, "Team goals and how they are set")
    plan = Section(6, "Goals, Objectives, and Milestones")
    assert find_section([earlier, plan, Section(7, "KPIs")], 6, GOALS_TITLE) is plan
    assert find_section([earlier, Section(7, "KPIs")], 6, GOALS_TITLE) is earlier  # else by title
    assert find_section([Section(5, "Tools"), Section(6, "The plan")], 6, GOALS_TITLE).title == "The plan"  # else by number
