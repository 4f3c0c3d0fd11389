"""The nesting rule for flat lists, and real nesting where the source has it."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from onboarding.roles.reader import Milestone, parse_document
from onboarding.roles.reader.document import Item
from onboarding.roles.reader.nesting import (
    ends_terminal,
    milestones_from_items,
    nest_flat,
)


def flat(*texts: str) -> list[Milestone]:
    return nest_flat([Item(text) for text in texts])


def shape(milestones: list[Milestone]) -> list[Any]:
    return [(m.text, shape(m.children)) if m.children else m.text for m in milestones]


def test_an_item_ending_in_a_colon_opens_a_group() -> None:
    assert shape(flat("Learn:", "the queue", "the tools", "Ship a fix.")) == [
        ("Learn:", ["the queue", "the tools"]),
        "Ship a fix.",
    ]


def test_a_colon_in_the_middle_of_a_sentence_is_not_a_group() -> None:
    assert shape(flat("Adopt the paved road: templates and CI gates.", "Measure adoption")) == [
        "Adopt the paved road: templates and CI gates.",
        "Measure adoption",
    ]
    # ... even without a full stop: only a trailing colon counts.
    assert shape(flat("Adopt the paved road: templates", "Measure adoption")) == [
        "Adopt the paved road: templates",
        "Measure adoption",
    ]


def test_a_group_is_closed_by_an_item_ending_in_a_full_stop() -> None:
    assert shape(flat("Map:", "systems", "owners", "Agree priorities.", "Not a child")) == [
        ("Map:", ["systems", "owners"]),
        "Agree priorities.",
        "Not a child",
    ]


def test_a_group_at_the_end_of_the_list() -> None:
    assert shape(flat("Ship it.", "File bug reports with:", "steps", "logs")) == [
        "Ship it.",
        ("File bug reports with:", ["steps", "logs"]),
    ]


def test_a_new_colon_item_closes_the_group_and_opens_another() -> None:
    assert shape(flat("Learn:", "the queue", "Improve:", "macros", "triage rules")) == [
        ("Learn:", ["the queue"]),
        ("Improve:", ["macros", "triage rules"]),
    ]


def test_a_colon_item_followed_by_a_sentence_has_no_children() -> None:
    assert shape(flat("Learn:", "Read the handbook.")) == ["Learn:", "Read the handbook."]


@pytest.mark.parametrize(
    "text",
    [
        "Done.", "Really done!", "Done?", "Group:", "Pick one (or two).", "Say “ship it.”",
        "Quoted 'end.'", "Bracketed [end.]", "Trailing space.  ", "Wait…",
    ],
)
def test_terminal_punctuation_including_closing_quotes_and_brackets(text: str) -> None:
    assert ends_terminal(text)


@pytest.mark.parametrize("text", ["No stop", "Ends with a bracket (x, y)", "Quoted “term”", "e.g", "50%"])
def test_items_without_terminal_punctuation(text: str) -> None:
    assert not ends_terminal(text)


def test_children_end_with_terminal_punctuation_close_the_group() -> None:
    # "(x)." ends in a full stop after the bracket: top-level, group closed.
    assert shape(flat("Check:", "alerts (paging)", "dashboards (x).", "loose")) == [
        ("Check:", ["alerts (paging)"]),
        "dashboards (x).",
        "loose",
    ]


def test_real_nesting_is_used_as_is() -> None:
    items = [
        Item("Learn:", [Item("the queue"), Item("the tools")]),
        Item("Not a child of anything"),
        Item("Parent", [Item("child", [Item("grandchild")])]),
    ]
    assert shape(milestones_from_items(items)) == [
        ("Learn:", ["the queue", "the tools"]),
        "Not a child of anything",
        ("Parent", [("child", ["grandchild"])]),
    ]


def test_flat_lists_get_the_rule() -> None:
    assert shape(milestones_from_items([Item("Learn:"), Item("a"), Item("b.")])) == [
        ("Learn:", ["a"]),
        "b.",
    ]


def test_the_rule_in_a_plain_text_document(make_text_doc: Callable[..., bytes]) -> None:
    doc = make_text_doc(
        "30-day goals (start)\n"
        "- Build an understanding of:\n"
        "- The product\n"
        "- The customers\n"
        "- Ship one fix.\n"
        "- Publish notes on: what you learned.\n"
        "- Unpunctuated top-level item\n"
        "60-day goals (grow)\n"
        "- Own a queue:\n"
        "- Billing\n"
    )
    [role] = parse_document(doc, "x.txt")
    assert [shape(p.milestones) for p in role.phases] == [
        [
            ("Build an understanding of:", ["The product", "The customers"]),
            "Ship one fix.",
            "Publish notes on: what you learned.",
            "Unpunctuated top-level item",
        ],
        [("Own a queue:", ["Billing"])],
    ]


def test_indented_bullets_in_text_are_real_nesting(make_text_doc: Callable[..., bytes]) -> None:
    doc = make_text_doc(
        "30-day goals (start)\n"
        "- Learn the stack\n"
        "    - ticketing\n"
        "    - paging\n"
        "- Ship one fix\n"
    )
    [role] = parse_document(doc, "x.txt")
    assert shape(role.phases[0].milestones) == [("Learn the stack", ["ticketing", "paging"]), "Ship one fix"]


def test_real_nesting_from_html() -> None:
    html = (
        "<h2>1) Role Summary</h2><p>Helps.</p>"
        "<h2>6) Goals, Objectives, and Milestones</h2><h3>30-day goals (x)</h3>"
        "<ul><li>Learn the product<ul><li>one</li><li>two.</li></ul></li>"
        "<li>Next item</li><li>Last item</li></ul>"
        "<h2>7) KPIs and Productivity Metrics</h2>"
        "<h2>20) Final Role Scorecard Summary</h2>"
        "<table><tr><td>Role title</td><td>Support Engineer</td></tr></table>"
    ).encode()
    [role] = parse_document(html, "x.html")
    assert role.format == "html-fragment"
    assert shape(role.phases[0].milestones) == [("Learn the product", ["one", "two."]), "Next item", "Last item"]


def test_real_nesting_from_markdown() -> None:
    md = (
        "# Support Engineer\n\n## 1) Role Summary\n\nHelps.\n\n"
        "## 6) Goals, Objectives, and Milestones\n\n### 30-day goals (x)\n\n"
        "- Learn:\n  - one\n    - deeper\n  - two\n- Next\n\n"
        "## 7) KPIs and Productivity Metrics\n\nNone yet.\n"
    ).encode()
    [role] = parse_document(md, "x.md")
    assert role.format == "markdown"
    assert shape(role.phases[0].milestones) == [("Learn:", [("one", ["deeper"]), "two"]), "Next"]


def test_lines_without_bullets_under_a_phase_become_milestones(make_text_doc: Callable[..., bytes]) -> None:
    # Copying from a browser sometimes drops the bullets: each line is then an item.
    doc = make_text_doc(
        "30-day goals (start)\n"
        "Learn the product through:\n"
        "Customer calls\n"
        "Ship one fix.\n"
        "Role success definition\n"
        "Customers are happy.\n"
    )
    [role] = parse_document(doc, "x.txt")
    assert shape(role.phases[0].milestones) == [("Learn the product through:", ["Customer calls"]), "Ship one fix."]
    assert role.success == "Customers are happy."
