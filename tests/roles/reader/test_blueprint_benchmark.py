"""The benchmark script runs and reports what it promises (timings are not asserted here)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from onboarding.roles.reader import MAX_BYTES, parse_document

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "parse.py"


def load_benchmark():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("blueprint_benchmark", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_prints_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    # A small size keeps the suite quick; the full 5 MB run is `python benchmarks/parse.py`.
    assert load_benchmark().main(["--repeat", "1", "--bytes", "300000"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    for key in ("parse_5mb_text_s", "parse_5mb_html_s", "parse_5mb_json_s", "parse_seeds_s"):
        assert key in result
    for name in ("text", "html", "json"):
        assert 250_000 < result[f"parse_5mb_{name}_bytes"] <= 300_000


def test_padded_documents_still_parse_to_the_same_plan(fixtures: Path) -> None:
    bench = load_benchmark()
    for pad, name in ((bench._pad_text, "qa-analyst.paste.txt"), (bench._pad_html, "product-designer.page.html"),
                      (bench._pad_json, "support-engineer.wordpress.json")):
        size = len(pad((fixtures / name).read_text("utf-8"), bench.TARGET).encode())
        assert MAX_BYTES - 100_000 < size <= MAX_BYTES
    text = bench._pad_text((fixtures / "qa-analyst.paste.txt").read_text("utf-8"), 1_000_000)
    [role] = parse_document(text.encode(), "big.txt")
    assert role.title == "Associate QA Analyst"
    first = role.phases[0].milestones[0]
    assert first.text == "Review these release trains:" and len(first.children) > 500
    html = bench._pad_html((fixtures / "product-designer.page.html").read_text("utf-8"), 1_000_000)
    [page] = parse_document(html.encode(), "big.html")
    assert [p.key for p in page.phases] == ["day-30", "day-60", "day-90", "month-6", "month-12", "long-term"]
