"""The project's own export format: written by `dump_export`, read back exactly."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from onboarding.roles.reader import (
    BlueprintError,
    Kpi,
    Milestone,
    ParsedRole,
    Phase,
    dump_export,
    parse_document,
    read_paths,
    role_to_export,
)

GOOD_FIXTURES = [
    "customer-success-manager.damaged.txt",
    "data-analyst.cp1252-mojibake.md",
    "posts-list.wordpress.json",
    "product-designer.page.html",
    "qa-analyst.paste.txt",
    "security-engineer.md",
    "site-reliability-engineer.fragment.html",
    "support-engineer.wordpress.json",
]


def content(role: ParsedRole) -> dict[str, Any]:
    data = role.to_dict()
    for key in ("source", "format", "warnings"):
        del data[key]
    return data


def roundtrip(roles: list[ParsedRole], fmt: str) -> list[ParsedRole]:
    text = dump_export(role_to_export([r.to_dict() for r in roles]), fmt)
    return parse_document(text.encode("utf-8"), f"export.{fmt}")


def test_the_fixture_folder_holds_exactly_the_good_documents(fixtures: Path) -> None:
    assert sorted(p.name for p in fixtures.iterdir() if p.is_file()) == GOOD_FIXTURES


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("name", GOOD_FIXTURES)
def test_fixture_roundtrip(fixtures: Path, name: str, fmt: str) -> None:
    roles, errors = read_paths([fixtures / name])
    assert errors == [] and roles
    back = roundtrip(roles, fmt)
    assert [content(r) for r in back] == [content(r) for r in roles]
    assert [r.content_hash() for r in back] == [r.content_hash() for r in roles]
    assert {r.format for r in back} == {f"export-{fmt}"}
    assert all(r.warnings == [] and r.source == f"export.{fmt}" for r in back)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_seed_roundtrip(seeds: Path, fmt: str) -> None:
    roles, errors = read_paths([seeds])
    assert errors == [] and len(roles) == 4
    back = roundtrip(roles, fmt)  # all four in one export file
    assert [content(r) for r in back] == [content(r) for r in roles]


TRICKY = [
    "yes", "no", "null", "~", "true", "1.0", "007", "0x1F", "2026-01-31", "12:30", "- dash",
    "#hash", "a: b", "a #b", "@at", "`tick", "%pct", "&amp", "*star", "!bang", "|pipe", ">gt",
    "'single'", '"double"', " leading space", "trailing space ", "tab\there", "line\nbreak",
    "→ “quotes” – ’ — é ✓ 🚀", "\u2028separator", "ไทย โ", "{braces}", "[brackets]", "",
    "x" * 5000,
]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_tricky_strings_roundtrip_exactly(fmt: str) -> None:
    role = ParsedRole(
        title="Tricky: Role", source="s", format="text", summary=TRICKY[0], level="",
        phases=[
            Phase("day-30", "30-day goals", "", {"days": 30}, [
                Milestone(text, [Milestone(text + "!", [Milestone("deep", [])])]) for text in TRICKY if text
            ]),
            Phase("long-term", "Long-term impact goals (x)", "x", None, [Milestone("one", [])]),
        ],
        success="", high_performance=list(TRICKY),
        kpis=[Kpi(name=text or "empty", measures=text, why=text, target=text, frequency=text) for text in TRICKY],
    )
    [back] = roundtrip([role], fmt)
    assert content(back) == content(role)


def test_yaml_export_layout() -> None:
    role = ParsedRole(
        title="Support Engineer", source="s", format="text", summary=("Long " * 100).strip(), level="",
        phases=[Phase("day-30", "30-day goals (start)", "start", {"days": 30}, [Milestone("Learn:", [Milestone("a")])])],
        success="ok", high_performance=["good"], kpis=[],
    )
    text = dump_export(role_to_export([role.to_dict()]), "yaml")
    assert text.startswith("kind: onboarding/role-template\nversion: 1\nroles:\n- title: Support Engineer\n")
    assert "  summary: " + ("Long " * 100).strip() in text  # not folded over several lines
    assert list(yaml.safe_load(text)["roles"][0]) == ["title", "level", "summary", "phases", "guidance", "kpis"]
    dumped_json = dump_export(role_to_export([role.to_dict()]), "json")
    assert json.loads(dumped_json)["roles"][0]["phases"][0]["milestones"][0]["children"] == [{"text": "a", "children": []}]
    with pytest.raises(ValueError):
        dump_export({}, "xml")


def test_role_to_export_drops_where_it_came_from(fixtures: Path) -> None:
    [role] = read_paths([fixtures / "qa-analyst.paste.txt"])[0]
    export = role_to_export([role.to_dict()])
    assert export["kind"] == "onboarding/role-template" and export["version"] == 1
    assert export["roles"] == [content(role)]


def test_content_hash_ignores_source_format_and_warnings(fixtures: Path) -> None:
    [role] = read_paths([fixtures / "qa-analyst.paste.txt"])[0]
    before = role.content_hash()
    role.source, role.format, role.warnings = "other.md", "markdown", ["something"]
    assert role.content_hash() == before
    role.phases[0].milestones[0].children.append(Milestone("new"))
    assert role.content_hash() != before
    assert len(before) == 64 and int(before, 16) >= 0


def export_text(**changes: Any) -> bytes:
    role = {
        "title": "Support Engineer", "level": "", "summary": "Helps.",
        "phases": [{"key": "day-30", "heading": "30-day goals", "theme": "", "due": {"days": 30},
                    "milestones": [{"text": "Learn.", "children": []}]}],
        "guidance": {"success": "", "high_performance": []}, "kpis": [],
    }
    role.update(changes)
    return yaml.safe_dump({"kind": "onboarding/role-template", "version": 1, "roles": [role]}).encode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "role 1 of the export: 'title' is empty"),
        ({"title": 5}, "role 1 of the export: 'title' must be text"),
        ({"phases": []}, "role 1 of the export: it has no phases"),
        ({"phases": "x"}, "role 1 of the export: 'phases' must be a list"),
        ({"extra": 1}, "role 1 of the export: unknown keys ['extra']"),
        ({"phases": [{"key": "day-45", "heading": "x"}]},
         "role 1 of the export: phase 1 has an unknown key 'day-45' (expected one of day-30, day-60, day-90, month-6, month-12, long-term)"),
        ({"phases": [{"key": "day-30", "heading": "x", "due": {"days": 31}}]},
         "role 1 of the export: phase 1 (day-30) must have due {'days': 30}, not {'days': 31}"),
        ({"phases": [{"key": "day-30", "heading": "x", "milestones": [{"children": []}]}]},
         "role 1 of the export: phase 1 milestone 1 'text' must be text"),
        ({"kpis": [{"measures": "x"}]}, "role 1 of the export: KPI 1 has no name"),
        ({"summary": "2026-01-01"}, None),
    ],
)
def test_export_shape_errors(changes: dict[str, Any], message: str | None) -> None:
    if message is None:
        [role] = parse_document(export_text(**changes), "e.yaml")
        assert role.summary == "2026-01-01"  # quoted by the dumper, read back as text
        return
    with pytest.raises(BlueprintError) as error:
        parse_document(export_text(**changes), "e.yaml")
    assert str(error.value) == message


def test_export_kind_and_version() -> None:
    with pytest.raises(BlueprintError, match="unsupported export version 2"):
        parse_document(export_text().replace(b"version: 1", b"version: 2"), "e.yaml")
    with pytest.raises(BlueprintError, match="the export has no roles"):
        parse_document(b"kind: onboarding/role-template\nversion: 1\nroles: []\n", "e.yaml")
    with pytest.raises(BlueprintError, match="the export has no roles"):
        parse_document(b'{"kind": "onboarding/role-template", "version": 1}', "e.json")


def test_yaml_aliases_are_refused() -> None:
    bomb = (
        b"kind: onboarding/role-template\nversion: 1\n"
        b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
        b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nroles: [*c]\n"
    )
    with pytest.raises(BlueprintError, match="anchors or aliases"):
        parse_document(bomb, "bomb.yaml")


def test_invalid_yaml_export() -> None:
    with pytest.raises(BlueprintError, match=r"^invalid YAML: did not find expected ',' or ']' \(line 4, column 1\)$"):
        parse_document(b"kind: onboarding/role-template\nversion: 1\nroles: [unclosed\n", "e.yaml")


def test_yaml_without_the_kind_line_is_not_read_as_yaml() -> None:
    # Arbitrary YAML is never handed to the loader: it is just (not a blueprint) text.
    with pytest.raises(BlueprintError, match="not a role blueprint"):
        parse_document(b"kind: something-else\nroles:\n  - title: x\n", "x.yaml")


def test_an_edited_template_without_headings_still_exports_and_reads_back() -> None:
    content = {
        "title": "Support Engineer", "slug": "support-engineer",
        "phases": [{"key": "day-30", "milestones": [{"text": "Learn."}]},
                   {"key": "long-term", "theme": None, "milestones": [{"text": "Stay."}]}],
    }
    text = dump_export(role_to_export([content]), "yaml")
    [role] = parse_document(text.encode(), "e.yaml")
    assert [(p.key, p.heading, p.theme, p.due) for p in role.phases] == [
        ("day-30", "30-day goals", "", {"days": 30}),
        ("long-term", "Long-term impact goals", "", None),
    ]
    assert (role.summary, role.level, role.success, role.high_performance, role.kpis) == ("", "", "", [], [])
