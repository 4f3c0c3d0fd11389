"""Page furniture and advertising never reach the parsed role, nor even the block stream."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from onboarding.roles.reader import parse_document
from onboarding.roles.reader.detect import read_documents
from onboarding.roles.reader.document import Block
from onboarding.roles.reader.role import _without_noise


def all_text(blocks: list[Block]) -> str:
    """Every piece of text in a block stream, for "does X appear anywhere" checks."""
    parts: list[str] = []

    def items(entries) -> None:  # type: ignore[no-untyped-def]
        for item in entries:
            parts.append(item.text)
            items(item.children)

    for block in blocks:
        parts.append(block.text)
        items(block.items)
        for row in block.rows:
            parts.extend(row)
    return "\n".join(parts)


PAGE_NOISE = [
    "Skip to content", "Example Careers", "Home", "Role Blueprints", "30-day goals: a guide",
    "6-month milestones explained", "Contact", "Blueprints", "Posted on", "March 9, 2026",
    "dataLayer", "gtag", "Find Trusted Cardiac Hospitals", "Explore Hospitals", "sponsored",
    "Sponsored", "Advertisement", "Hire Designers Fast", "Share this", "Share on X",
    "Posted in Design", "Previous: QA Analyst", "Leave a Reply", "Your comment", "©",
    "All rights reserved", "Privacy Policy", "Find Trusted Design Schools",
    "Compare design courses", "Explore Courses", "margin-top", "noopener", "headline",
]


def test_saved_page_furniture_never_reaches_the_blocks(fixtures: Path) -> None:
    text = (fixtures / "product-designer.page.html").read_text("utf-8")
    [doc] = read_documents(text, "page.html")
    blocks = all_text(_without_noise(doc.blocks))
    for noise in PAGE_NOISE:
        assert noise not in blocks, noise
    # ... while the article is all there, from the first section to the scorecard.
    assert "1) Role Summary" in blocks and "Design a product customers understand without a manual." in blocks


def test_saved_page_furniture_never_reaches_the_role(fixtures: Path) -> None:
    [role] = parse_document((fixtures / "product-designer.page.html").read_bytes(), "page.html")
    dumped = json.dumps(role.to_dict(), ensure_ascii=False)
    for noise in PAGE_NOISE:
        assert noise not in dumped, noise


@pytest.mark.parametrize(
    ("name", "noise"),
    [
        ("qa-analyst.paste.txt", ["Find Affordable Testing Courses", "Compare bootcamps", "Explore Courses"]),
        ("customer-success-manager.damaged.txt", ["Find Top Rated CRM Tools", "Compare CRM vendors", "Explore CRM Tools"]),
    ],
)
def test_advertising_after_the_last_table_is_dropped(fixtures: Path, name: str, noise: list[str]) -> None:
    text = (fixtures / name).read_text("utf-8")
    [doc] = read_documents(text, name)
    before = all_text(doc.blocks)
    after = all_text(_without_noise(doc.blocks))
    for line in noise:
        assert line in before  # the fixture really has it ...
        assert line not in after  # ... and the reader drops it


def test_advertising_never_leaks_into_the_last_phase_of_a_short_document() -> None:
    doc = (
        "1) Role Summary\nKeeps customers happy.\n"
        "6) Goals, Objectives, and Milestones\n"
        "30-day goals (start)\n- Learn the queue.\n- Ship a fix.\n"
        "Long-term impact goals (legacy)\n- Calm support floor.\n"
        "Find Trusted Cardiac Hospitals\nCompare heart hospitals by city and services — all in one place.\n"
        "Explore Hospitals\n"
    )
    with pytest.raises(Exception) as error:  # no title anywhere: the point is what is kept
        parse_document(doc.encode(), "short.txt")
    assert "no role title" in str(error.value)
    [role] = parse_document(
        doc.replace("1) Role Summary", "# Support Engineer\n1) Role Summary").encode(), "short.txt"
    )
    assert [m.text for m in role.phases[-1].milestones] == ["Calm support floor."]
    assert "Hospitals" not in json.dumps(role.to_dict())


def test_a_list_ends_at_the_next_heading(make_text_doc: Callable[..., bytes]) -> None:
    doc = make_text_doc(
        "30-day goals (start)\n- Learn:\n- the queue\n"
        "Related reading\n- Not a milestone\n"
        "60-day goals (grow)\n- Own a queue.\n"
    )
    [role] = parse_document(doc, "x.txt")
    assert [[m.text for m in p.milestones] for p in role.phases] == [["Learn:"], ["Own a queue."]]
    assert [c.text for c in role.phases[0].milestones[0].children] == ["the queue"]


def test_hidden_and_advertising_elements_inside_the_article_are_dropped() -> None:
    html = (
        "<article><div class='entry-content'>"
        "<h2>1) Role Summary</h2><p>Keeps customers happy.</p>"
        "<p style='display:none'>Hidden tracking text</p>"
        "<h2>6) Goals, Objectives, and Milestones</h2><h3>30-day goals (start)</h3>"
        "<ul><li>Learn the queue.</li><li hidden>Secret item</li>"
        "<li aria-hidden='true'>Icon text</li></ul>"
        "<div class='adsbygoogle'>Buy now</div><ins class='ad-unit'>Cheap flights</ins>"
        "<script>var x = '<li>Injected</li>';</script><style>li { color: red }</style>"
        "<noscript>Enable JavaScript</noscript><!-- <li>Commented out</li> -->"
        "<h2>20) Final Role Scorecard Summary</h2>"
        "<table><tr><td>Role title</td><td>Support Engineer</td></tr></table>"
        "</div></article>"
    ).encode()
    [role] = parse_document(html, "x.html")
    assert [m.text for m in role.phases[0].milestones] == ["Learn the queue."]
    dumped = json.dumps(role.to_dict())
    for noise in ("Hidden tracking", "Secret item", "Icon text", "Buy now", "Cheap flights",
                  "Injected", "color: red", "Enable JavaScript", "Commented out"):
        assert noise not in dumped


def test_a_document_ending_with_its_success_definition_keeps_it() -> None:
    doc = (
        "# Support Engineer\n1) Role Summary\nKeeps customers happy.\n"
        "6) Goals, Objectives, and Milestones\n30-day goals (start)\n- Learn the queue.\n"
        "Role success definition\nCustomers get answers fast.\n"
    )
    [role] = parse_document(doc.encode(), "short.txt")
    assert role.success == "Customers get answers fast."
