"""Reader cases the mutation sample showed untested, and the bug it found: a numbered list 1)..7)
inside section 3 of a plain-text document took the place of sections 1 to 7, so the role summary
disappeared ("no role summary found in section 1") while the older test of that document passed."""
from __future__ import annotations

from typing import Callable

from onboarding.roles.reader import parse_document

LIST_IN_SECTION_3 = (b"3) Core Responsibilities\n1) Triage tickets\n2) Reproduce bugs\n3) Escalate\n4) Document\n"
                     b"5) Review\n6) Mentor\n7) Improve\n")


def test_a_numbered_list_inside_section_3_keeps_every_section(make_text_doc: Callable[..., bytes]) -> None:
    doc = make_text_doc("30-day goals (x)\n- Learn.").replace(b"3) Core Responsibilities\n", LIST_IN_SECTION_3)
    [role] = parse_document(doc, "x.txt")
    assert role.summary == "The role keeps customers productive."
    assert [m.text for m in role.phases[0].milestones] == ["Learn."]
    assert role.kpis[0].name == "First-response time"
    assert role.title == "Support Engineer"


def test_a_stray_numbered_line_does_not_swallow_the_real_section(make_text_doc: Callable[..., bytes]) -> None:
    doc = make_text_doc("30-day goals (x)\n- Learn.").replace(
        b"3) Core Responsibilities\n", b"3) Core Responsibilities\n7) Improve the runbook every quarter\n")
    [role] = parse_document(doc, "x.txt")
    assert role.kpis[0].name == "First-response time"  # section 7 is the real one
    assert role.summary == "The role keeps customers productive."
    assert [p.key for p in role.phases] == ["day-30"]


def test_short_lines_after_a_final_long_paragraph_are_kept() -> None:
    long_paragraph = "Solves root causes rather than symptoms, " * 8
    doc = ("Support Engineer\n1) Role Summary\nThe role keeps customers productive.\n"
           "6) Goals, Objectives, and Milestones\n30-day goals (x)\n- Learn.\n"
           "What high performance looks like\n" + long_paragraph.strip() + "\nTeaches others.\nWrites it down.\n")
    [role] = parse_document(doc.encode(), "x.txt")
    assert role.high_performance[-2:] == ["Teaches others.", "Writes it down."]


def test_short_lines_after_a_final_list_are_page_noise(make_text_doc: Callable[..., bytes]) -> None:
    doc = make_text_doc("30-day goals (x)\n- Learn.", trailer="Find Trusted Cardiac Hospitals\nBook Now\n")
    [role] = parse_document(doc, "x.txt")
    assert "Cardiac" not in repr(role.to_dict())


def test_a_kpi_column_headed_only_why(make_text_doc: Callable[..., bytes]) -> None:
    kpis = "| Metric | Why | Target |\n|---|---|---|\n| CSAT | Customers stay | 90% |"
    [role] = parse_document(make_text_doc("30-day goals (x)\n- Learn.", kpis=kpis), "x.txt")
    assert [k.to_dict() for k in role.kpis] == [
        {"name": "CSAT", "measures": "", "why": "Customers stay", "target": "90%", "frequency": ""}]
