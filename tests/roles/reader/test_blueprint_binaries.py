"""Word and PDF documents read to the same role as the page they were made from.

The .docx and .pdf fixtures are made by tests/fixtures/blueprints/binary/make_binaries.py (python-docx in
Word's list styles, LibreOffice's "Save as Word", Chromium's "Save as PDF"); the seeds are printed to PDF here, in a temporary
folder, by the same Chromium.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from onboarding.roles.reader import BlueprintError, parse_document, read_paths


def _content(path: Path) -> dict[str, Any]:
    [role] = parse_document(path.read_bytes(), path.name)
    data = role.to_dict()
    del data["source"], data["format"]
    return data


@pytest.mark.parametrize(
    ("source", "binary", "fmt"),
    [
        ("technical-writer.source.html", "technical-writer.docx", "docx"),
        ("technical-writer.source.html", "technical-writer.libreoffice.docx", "docx"),
        ("technical-writer.source.html", "technical-writer.pdf", "pdf"),
        ("product-designer.page.html", "product-designer.page.pdf", "pdf"),
    ],
)
def test_binary_reads_like_its_source(fixtures: Path, source: str, binary: str, fmt: str) -> None:
    made = fixtures / "binary"
    [role] = parse_document((made / binary).read_bytes(), binary)
    assert role.format == fmt
    assert _content(made / binary) == _content(made / source if (made / source).exists() else fixtures / source)


def test_docx_keeps_real_nesting_and_the_flat_rule(fixtures: Path) -> None:
    [role] = parse_document((fixtures / "binary" / "technical-writer.docx").read_bytes(), "tw.docx")
    day_30, day_60 = role.phases[0], role.phases[1]
    assert [c.text for c in day_30.milestones[0].children] == [
        "Public guides and who keeps them current", "Internal runbooks kept by the support team",
    ]
    assert [m.text for m in day_60.milestones][1] == "Set up a review for every new page by:"
    assert len(day_60.milestones[1].children) == 2  # by the nesting rule: the list is flat
    assert [k.name for k in role.kpis] == ["Ticket deflection", "Same-day docs", "Page helpfulness"]


def test_pdf_joins_wrapped_lines_and_drops_page_furniture(fixtures: Path) -> None:
    [role] = parse_document((fixtures / "binary" / "technical-writer.pdf").read_bytes(), "tw.pdf")
    texts = [m.text for phase in role.phases for m in phase.milestones]
    assert any(t.startswith("Interview at least six people") and t.endswith("one shared list.") for t in texts)
    everything = str(role.to_dict())
    assert "file://" not in everything and "Role Blueprint" not in everything  # header, footer


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("scanned.pdf", "this PDF has no text layer; export it from the original document"),
        ("encrypted.docx", "this Word document is password-protected; remove the password and save it again"),
        # made by pypdf with an open password (make_binaries.py): PDFium refuses it without one
        ("encrypted.pdf", "this PDF is password-protected; remove the password and try again"),
    ],
)
def test_unreadable_binaries_say_why(fixtures: Path, name: str, message: str) -> None:
    with pytest.raises(BlueprintError) as error:
        parse_document((fixtures / "bad" / name).read_bytes(), name)
    assert str(error.value) == message


def test_damaged_binaries_are_one_line_errors_and_the_batch_goes_on(fixtures: Path, tmp_path: Path) -> None:
    docx = (fixtures / "binary" / "technical-writer.docx").read_bytes()
    pdf = (fixtures / "binary" / "technical-writer.pdf").read_bytes()
    (tmp_path / "a-cut.docx").write_bytes(docx[: len(docx) // 2])
    (tmp_path / "b-cut.pdf").write_bytes(pdf[:1500])
    (tmp_path / "c-good.pdf").write_bytes(pdf)
    (tmp_path / "d-named-docx.txt").write_bytes(docx)  # the bytes decide, not the name
    roles, errors = read_paths([tmp_path])
    assert [(r.source, r.format) for r in roles] == [("c-good.pdf", "pdf"), ("d-named-docx.txt", "docx")]
    assert errors == [
        {"source": "a-cut.docx", "error": "this Word document is damaged and cannot be read"},
        {"source": "b-cut.pdf", "error": "this PDF is damaged and cannot be read"},
    ]


def test_the_size_limit_applies_to_binaries(fixtures: Path) -> None:
    data = (fixtures / "binary" / "technical-writer.docx").read_bytes()
    with pytest.raises(BlueprintError, match="larger than the"):
        parse_document(data, "big.docx", max_bytes=len(data) - 1)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("chromium is needed to print the seeds to PDF (scripts/setup.sh --test installs it)")
    return found


def _printable(seed: Path, folder: Path) -> Path:
    """What a user prints: a text document as it is, a WordPress post as its page shows it."""
    try:
        post = json.loads(seed.read_text("utf-8"))
    except ValueError:
        return seed.resolve()
    page = folder / f"{seed.stem}.html"
    page.write_text(
        f"<!doctype html><meta charset=utf-8><title>{post['title']['rendered']}</title>"
        # WordPress's own table block style rules the cells (the reader needs ruled PDF tables).
        "<style>table{border-collapse:collapse}td,th{border:1px solid}</style>"
        f"<h1>{post['title']['rendered']}</h1>{post['content']['rendered']}",
        "utf-8",
    )
    return page


def test_seeds_printed_to_pdf_read_the_same(seeds: Path, tmp_path: Path) -> None:
    chromium = _chromium()
    checked = 0
    for seed in sorted(p for p in seeds.iterdir() if p.is_file() and not p.name.startswith(".")):
        [original] = parse_document(seed.read_bytes(), seed.name)
        target = tmp_path / f"{seed.stem}.pdf"
        page = _printable(seed, tmp_path)
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}",
             f"--print-to-pdf={target}", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )
        [printed] = parse_document(target.read_bytes(), target.name)
        assert printed.format == "pdf"
        assert printed.title == original.title, seed.name
        assert [(p.key, len(p.milestones)) for p in printed.phases] == [
            (p.key, len(p.milestones)) for p in original.phases
        ], seed.name
        assert len(printed.kpis) == len(original.kpis), seed.name
        checked += 1
    assert checked


def test_docx_list_levels_come_from_word_numbering(tmp_path: Path) -> None:
    # Word's list buttons write "List Paragraph" with a numbering level on each paragraph.
    from docx import Document

    doc = Document()
    doc.add_heading("1) Role Summary", level=2)
    doc.add_paragraph("The role keeps the lights on.")
    doc.add_heading("6) Goals, Objectives, and Milestones", level=2)
    doc.add_heading("30-day goals (settle in)", level=3)
    for level, text in [(0, "Meet the team"), (1, "The on-call rotation"), (1, "The release managers"), (0, "Read the runbooks")]:
        paragraph = doc.add_paragraph(text, style="List Paragraph")
        numbering = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        numbering.get_or_add_ilvl().val = level
        numbering.get_or_add_numId().val = 1
    doc.add_heading("20) Final Role Scorecard Summary", level=2)
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Role title", "Operations Engineer"
    doc.save(str(tmp_path / "ops.docx"))
    [role] = parse_document((tmp_path / "ops.docx").read_bytes(), "ops.docx")
    assert role.title == "Operations Engineer"
    assert [(m.text, [c.text for c in m.children]) for m in role.phases[0].milestones] == [
        ("Meet the team", ["The on-call rotation", "The release managers"]),
        ("Read the runbooks", []),
    ]
