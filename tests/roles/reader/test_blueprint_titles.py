"""Where the role title comes from, and the seniority level read from it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from onboarding.roles.reader import BlueprintError, parse_document, slugify
from onboarding.roles.reader.titles import seniority

FRAGMENT_BODY = (
    "<h2>1) Role Summary</h2><p>Helps customers.</p>"
    "<h2>6) Goals, Objectives, and Milestones</h2><h3>30-day goals (start)</h3>"
    "<ul><li>Learn the queue.</li></ul>"
    "<h2>7) KPIs and Productivity Metrics</h2><p>None yet.</p>"
    "<h2>20) Final Role Scorecard Summary</h2>"
)
SCORECARD = "<table><tr><th>Category</th><th>Summary</th></tr><tr><td>Role title</td><td>Scorecard Title</td></tr></table>"


def post(title: str, body: str) -> bytes:
    return json.dumps({"id": 1, "title": {"rendered": title}, "content": {"rendered": body}}).encode()


def page(head_title: str, h1: str, body: str) -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>{head_title}</title></head><body>"
        f"<nav><h1>Site Name</h1></nav><article>{h1}<div class='entry-content'>{body}</div>"
        "</article></body></html>"
    ).encode()


def test_the_wordpress_title_wins_and_is_cut_at_the_colon() -> None:
    [role] = parse_document(post("Support &amp; Success <em>Engineer</em>: Role Blueprint", FRAGMENT_BODY + SCORECARD), "p.json")
    assert role.title == "Support & Success Engineer"


def test_an_empty_wordpress_title_falls_back_to_the_scorecard() -> None:
    [role] = parse_document(post("", FRAGMENT_BODY + SCORECARD), "p.json")
    assert role.title == "Scorecard Title"


def test_the_scorecard_row_wins_over_page_headings() -> None:
    [role] = parse_document(page("Head Title: x", "<h1>Heading Title: Role Blueprint</h1>", FRAGMENT_BODY + SCORECARD), "p.html")
    assert role.title == "Scorecard Title"


def test_a_page_without_scorecard_row_uses_the_article_h1() -> None:
    [role] = parse_document(page("Head Title - Example", "<h1>Product Designer: Role Blueprint</h1>", FRAGMENT_BODY), "p.html")
    assert role.title == "Product Designer"


@pytest.mark.parametrize(
    ("head_title", "expected"),
    [
        ("Product Designer - Example Careers", "Product Designer"),
        ("Product Designer | Example Careers", "Product Designer"),
        ("Product Designer: Role Blueprint, Responsibilities, Skills - Example", "Product Designer"),
        ("Role Blueprint: Product Designer", "Product Designer"),
    ],
)
def test_a_page_without_h1_uses_its_title_element(head_title: str, expected: str) -> None:
    [role] = parse_document(page(head_title, "", FRAGMENT_BODY), "p.html")
    assert role.title == expected


def test_markdown_h1_title(make_text_doc: Callable[..., bytes]) -> None:
    md = (
        "# Site Reliability Engineer: Role Blueprint\n\n## 1) Role Summary\n\nKeeps things up.\n\n"
        "## 6) Goals, Objectives, and Milestones\n\n### 30-day goals (learn)\n\n- Join on-call.\n"
    ).encode()
    [role] = parse_document(md, "x.md")
    assert role.title == "Site Reliability Engineer"


def test_plain_text_title_comes_from_the_scorecard(make_text_doc: Callable[..., bytes]) -> None:
    [role] = parse_document(make_text_doc("30-day goals (x)\n- Learn.", title="Principal Data Scientist"), "x.txt")
    assert (role.title, role.level) == ("Principal Data Scientist", "Principal")


def test_a_markdown_scorecard_row_may_be_bold(make_text_doc: Callable[..., bytes]) -> None:
    doc = make_text_doc("30-day goals (x)\n- Learn.", title=None).replace(
        b"| Role purpose", b"| **Role title** | Head of Support |\n| Role purpose"
    )
    [role] = parse_document(doc, "x.txt")
    assert (role.title, role.level) == ("Head of Support", "Head of")


def test_no_title_anywhere_is_an_error(make_text_doc: Callable[..., bytes]) -> None:
    with pytest.raises(BlueprintError, match="^no role title found"):
        parse_document(make_text_doc("30-day goals (x)\n- Learn.", title=None), "x.txt")


def test_fragment_h1_with_a_dash_suffix(fixtures: Path) -> None:
    [role] = parse_document((fixtures / "site-reliability-engineer.fragment.html").read_bytes(), "f.html")
    assert role.title == "Staff Site Reliability Engineer"


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("Data Engineer", ""),
        ("Senior Data Engineer", "Senior"),
        ("Sr. Data Engineer", "Senior"),
        ("Junior Developer", "Junior"),
        ("Associate QA Analyst", "Associate"),
        ("Staff Engineer", "Staff"),
        ("Principal Architect", "Principal"),
        ("Distinguished DataOps Engineer", "Distinguished"),
        ("Lead Product Designer", "Lead"),
        ("Engineering Team Lead", "Lead"),
        ("Head of Customer Success", "Head of"),
        ("Software Engineering Intern", "Intern"),
        ("Chief Technology Officer", "Chief"),
        ("Internal Tools Engineer", ""),
        ("Staffing Coordinator", ""),
        ("Leadership Coach", ""),
    ],
)
def test_seniority_from_the_title(title: str, level: str) -> None:
    assert seniority(title) == level


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Distinguished Data Engineer", "distinguished-data-engineer"),
        ("Head of Customer Success", "head-of-customer-success"),
        ("Café Manager / Barista (Lead)", "cafe-manager-barista-lead"),
        ("SRE — Platform", "sre-platform"),
        ("“Quoted” ", "quoted"),
        ("→", "role"),
    ],
)
def test_slug(title: str, slug: str) -> None:
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("post_title", "expected"),
    [
        ("Data Engineer – Role Blueprint, Responsibilities and KPIs", "Data Engineer"),
        ("Data Engineer | Role Blueprint", "Data Engineer"),
        ("Full-Stack Engineer - Job Description", "Full-Stack Engineer"),
        ("Data Engineer – Platform", "Data Engineer – Platform"),
    ],
)
def test_a_wordpress_title_with_a_dash_suffix(post_title: str, expected: str) -> None:
    [role] = parse_document(post(post_title, FRAGMENT_BODY + SCORECARD), "p.json")
    assert role.title == expected
