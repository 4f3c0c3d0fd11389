"""Damaged text: the Thai-code-page glyph, UTF-8 read as cp1252, odd spaces, wrong encodings."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from onboarding.roles.reader import ParsedRole, parse_document
from onboarding.roles.reader.repair import clean_text, repair_mojibake, repair_warning


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("the companyโs data", "the company’s data"),
        ("we donโt, theyโre, weโve, Iโm, sheโd, youโll", "we don’t, they’re, we’ve, I’m, she’d, you’ll"),
        ("often โData Engineer IIโ in levels", "often “Data Engineer II” in levels"),
        ("questions: โWhy?โ, โWhen?โ", "questions: “Why?”, “When?”"),
        ("(โgoldโ datasets)", "(“gold” datasets)"),
        ("as โsomeone elseโs job.โ", "as “someone else’s job.”"),
        ("1โ3 releases, 60โ90 minutes", "1–3 releases, 60–90 minutes"),
        ("2 โ 6 weeks", "2 – 6 weeks"),
        ("ingestion โ curated model โ monitoring", "ingestion → curated model → monitoring"),
        ("the symptomโreduces incidents", "the symptom—reduces incidents"),
        ("the usersโ accounts", "the users’ accounts"),
        ("โ a dash used as a bullet", "– a dash used as a bullet"),
        ("it costs 10\ufffd20 dollars", "it costs 10–20 dollars"),
        ("the teamโ", "the team”"),
    ],
)
def test_lost_glyph_inference(damaged: str, repaired: str) -> None:
    text, count = repair_mojibake(damaged)
    assert text == repaired
    assert count == damaged.count("โ") + damaged.count("\ufffd")


def test_every_lost_glyph_is_replaced_even_when_nothing_can_be_inferred() -> None:
    for damaged in ("โ", "โโ", "aโ-", "(โ)", "x โ", "โ\n", "\ufffd"):
        text, count = repair_mojibake(damaged)
        assert "โ" not in text and "\ufffd" not in text
        assert count == len([c for c in damaged if c in "โ\ufffd"])


def test_real_thai_text_is_left_alone() -> None:
    thai = "ภาษาไทยเป็นภาษาราชการของประเทศไทย โดยมีผู้ใช้เป็นภาษาแม่ และโรงเรียน"
    assert repair_mojibake(thai) == (thai, 0)


@pytest.mark.parametrize(
    ("damaged", "repaired", "count"),
    [
        ("the teamâ€™s plan", "the team’s plan", 1),
        ("â€œquotedâ€\x9d", "“quoted”", 2),
        ("cafÃ© and naÃ¯ve", "café and naïve", 2),
        ("1â€“3 weeks", "1–3 weeks", 1),
        ("plain ASCII", "plain ASCII", 0),
        ("real text: café, naïve, “quotes”, 1–3", "real text: café, naïve, “quotes”, 1–3", 0),
        ("straÃŸe â€” ðŸš€", "straße — 🚀", 3),
        # Genuine French that happens to be valid UTF-8 when re-encoded is left alone.
        ("à\u00a0« texte »", "à\u00a0« texte »", 0),
    ],
)
def test_utf8_read_as_cp1252_is_undone_exactly(damaged: str, repaired: str, count: int) -> None:
    assert repair_mojibake(damaged) == (repaired, count)


def test_warning_wording() -> None:
    assert repair_warning(90) == "repaired 90 characters damaged by a wrong text encoding"
    assert repair_warning(1) == "repaired 1 character damaged by a wrong text encoding"


def test_damaged_fixture(fixtures: Path, parse_file: Callable[..., list[ParsedRole]]) -> None:
    [role] = parse_file(fixtures / "customer-success-manager.damaged.txt")
    # 29 damaged glyphs in the file, counted before the advertising lines are dropped.
    assert role.warnings == ["repaired 29 characters damaged by a wrong text encoding"]
    assert role.title == "Customer Success Manager"
    assert role.summary.endswith("this is the person a customer calls “my contact”.")
    day30 = role.phases[0].milestones
    assert day30[0].text == (
        "Review every assigned account’s history: contract, usage, open tickets, and last QBR notes."
    )
    assert day30[2].text == "Learn the health score model and what moves it:"
    assert [c.text for c in day30[2].children] == [
        "Product usage signals", "Support ticket trends", "Executive sponsor engagement",
    ]
    day60 = role.phases[1].milestones
    assert day60[0].text == (
        "Introduce yourself to every account’s sponsor and agree on a “definition of success”."
    )
    assert day60[1].text == "Run onboarding for two new customers end to end (kickoff → go-live)."
    assert role.phases[2].milestones[0].text == "Deliver 2–3 quarterly business reviews with measurable outcomes."
    assert role.phases[4].milestones[0].text == "Reach 100% gross retention for the book—or explain every loss."
    assert role.success.endswith("say “they understand our business” about their CSM.")
    assert role.high_performance[1] == "Speaks the customer’s language, not the product’s."
    assert role.kpis[0].target == "90–95%"
    dumped = json.dumps(role.to_dict(), ensure_ascii=False)
    assert "โ" not in dumped
    assert "Find Top Rated" not in dumped and "Explore CRM" not in dumped


def test_cp1252_mojibake_fixture(fixtures: Path, parse_file: Callable[..., list[ParsedRole]]) -> None:
    [role] = parse_file(fixtures / "data-analyst.cp1252-mojibake.md")
    assert role.warnings[0] == "repaired 13 characters damaged by a wrong text encoding"
    assert "last quarter’s “big launch” moved anything" in role.summary
    assert role.phases[0].milestones[2].text == (
        "Meet the café-style “data office hours” regulars and list their open questions."
    )
    assert role.phases[2].milestones[1].text == (
        "Cut the dashboard refresh time from hours to minutes – or explain why it can’t be done."
    )
    dumped = json.dumps(role.to_dict(), ensure_ascii=False)
    assert "â€" not in dumped and "Ã" not in dumped


def test_a_file_that_is_not_utf8_is_read_as_windows_1252(fixtures: Path) -> None:
    text = (fixtures / "qa-analyst.paste.txt").read_text("utf-8")
    [role] = parse_document(text.encode("cp1252"), "qa.txt")
    assert role.warnings == ["the file is not valid UTF-8; it was read as Windows-1252"]
    assert role.phases[0].milestones[1].text == "Learn the team’s test management tool and conventions for:"
    assert role.kpis[2].target == "5–10 per quarter"


def test_damage_in_a_wordpress_post_is_repaired_and_counted_per_post(fixtures: Path) -> None:
    post = json.loads((fixtures / "support-engineer.wordpress.json").read_text("utf-8"))
    post["content"]["rendered"] = post["content"]["rendered"].replace("customer&#8217;s", "customerโs")
    post["title"]["rendered"] = "Support Engineer โ Role Blueprint: responsibilities"
    [role] = parse_document(json.dumps(post, ensure_ascii=False).encode(), "post.json")
    assert role.warnings == ["repaired 2 characters damaged by a wrong text encoding"]
    assert "between the customer’s day-to-day experience" in role.summary
    assert role.title == "Support Engineer → Role Blueprint"


def test_clean_text_makes_odd_spaces_plain_and_keeps_typography() -> None:
    assert clean_text("a\u00a0b\u2009c\u202fd\u3000e  \t f\n") == "a b c d e f"
    assert clean_text("“quoted” – dash — and ’") == "“quoted” – dash — and ’"


def test_invisible_characters_are_removed(make_text_doc: Callable[..., bytes]) -> None:
    doc = make_text_doc("30-day goals (start)\n- Ship\u200b one\u00ad fix.\n- Learn\u00a0the\u2009queue.\n")
    [role] = parse_document(doc, "x.txt")
    assert [m.text for m in role.phases[0].milestones] == ["Ship one fix.", "Learn the queue."]


def test_entities_in_a_text_paste_are_decoded(make_text_doc: Callable[..., bytes]) -> None:
    doc = make_text_doc("30-day goals (start)\n- Learn billing &amp; accounts&nbsp;&#8211; fast.\n")
    [role] = parse_document(doc, "x.txt")
    assert role.phases[0].milestones[0].text == "Learn billing & accounts – fast."


def test_ftfy_repairs_mojibake_of_other_code_pages() -> None:
    # UTF-8 read as MacRoman ("café" -> "caf√©") is not the cp1252 kind repaired by hand.
    text, count = repair_mojibake("The caf\u221a\u00a9 team owns the r\u221a\u00a9sum\u221a\u00a9 flow.")
    assert text == "The café team owns the résumé flow."
    assert count == 3
