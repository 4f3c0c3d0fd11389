"""Fuzzing the reader: whatever bytes come in, it returns roles or raises BlueprintError with one line.

Bounded and reproducible (derandomize: the same examples on every run, no example database), so a
new escape fails CI instead of showing up as a 500 on an upload. Before the fixes this found a
RecursionError (a deeply nested Markdown list) and a ValueError (an impossible YAML date).
"""
from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onboarding.roles.reader.export import dump_export, role_to_export
from onboarding.roles.reader.model import BlueprintError
from onboarding.roles.reader.read import parse_document
from tests.conftest import sample_role

FUZZ = settings(max_examples=80, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def read_or_refuse(data: bytes, source: str) -> None:
    try:
        roles = parse_document(data, source)
    except BlueprintError as exc:
        message = str(exc)
        assert message and "\n" not in message, repr(message)
        return
    for role in roles:
        json.dumps(role.to_dict())  # what the preview prints must serialise


SECTION_LINES = st.sampled_from([
    "1) Role Summary", "6) Goals, Objectives, and Milestones", "7) Key Performance Indicators (KPIs)",
    "20) Final Role Scorecard Summary", "30-day goals (diagnose and align)", "60-day goals (deliver)",
    "90-day goals (own it)", "6-month milestones (trusted)", "12-month objectives (lead)",
    "Long-term impact goals (beyond)", "Role success definition", "What high performance looks like",
    "| Metric | What it measures | Why | Target | Frequency |", "| --- | --- | --- | --- | --- |",
    "| Role title | Data Engineer |", "Build a precise understanding of:", "The help desk",
    "Ship the first pipeline.", "7) stray numbered line", "companyโs data", "&nbsp;&amp;", "<ul><li>x",
    "</li></ul>", "<h2>6) Goals</h2>", "```", "---", "kind: onboarding-roles", "{", "}", "[", "]",
])
LINE = st.one_of(SECTION_LINES, st.text(max_size=40))
PREFIX = st.sampled_from(["", "- ", "* ", "1. ", "2) ", "  - ", "    - ", "# ", "## ", "### ", "> ", "\t"])


@FUZZ
@given(st.lists(st.tuples(PREFIX, LINE), max_size=60), st.sampled_from(["doc.txt", "doc.md", "doc.html", "doc"]))
def test_text_like_documents(lines, source):
    read_or_refuse("\n".join(prefix + line for prefix, line in lines).encode("utf-8", "surrogatepass"), source)


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["x.txt", "x.json", "x.yaml", "x.html", "x.md"]))
def test_arbitrary_bytes(data, source):
    read_or_refuse(data, source)


HEAD = "## 1) Role Summary\n\nThe Engineer ships.\n\n## 6) Goals, Objectives, and Milestones\n\n### 30-day goals (x)\n\n"


@FUZZ
@given(st.integers(min_value=0, max_value=1200), st.sampled_from(["md", "html"]))
def test_deep_nesting(depth, kind):
    if kind == "md":
        body = "".join("  " * level + "- item\n" for level in range(depth))
        read_or_refuse((HEAD + body).encode(), "deep.md")
    else:
        body = "<ul><li>item" * depth + "</li></ul>" * depth
        html = ("<html><body><article><h2>1) Role Summary</h2><p>The Engineer ships.</p>"
                "<h2>6) Goals, Objectives, and Milestones</h2><h3>30-day goals (x)</h3>" + body + "</article></body></html>")
        read_or_refuse(html.encode(), "deep.html")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, path + (index,))


EXPORT = role_to_export([sample_role()])
PATHS = [p for p in _paths(EXPORT) if p]


@FUZZ
@given(st.sampled_from(PATHS), JSON_VALUES, st.sampled_from(["json", "yaml"]))
def test_exports_with_one_value_replaced(path, value, fmt):
    doc = json.loads(json.dumps(EXPORT))
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    text = dump_export(doc, fmt) if fmt == "json" else yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    read_or_refuse(text.encode(), f"export.{fmt}")


YAML_SCALARS = st.sampled_from(["2026-02-30", "2026-13-01", "0000-01-01", "9999-99-99", "2026-02-30 25:61:00",
                                "1e999999", "0x", "!!binary zz", "!!timestamp 2026-02-30", "~", ".nan", "-.inf",
                                "!!python/object:os.system x", "[1, 2", "{a: 1}", "&a x", "*a", "? [a, b]\n  : 1",
                                "|\n  text", "'unterminated"])


@FUZZ
@given(st.sampled_from(["title", "summary", "heading", "key", "text", "theme"]), YAML_SCALARS)
def test_yaml_exports_with_hostile_scalars(field, scalar):
    text = yaml.safe_dump(EXPORT, allow_unicode=True, sort_keys=False)
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if line.lstrip(" -").startswith(f"{field}:"):
            lines[n] = line[: line.index(f"{field}:") + len(field) + 1] + " " + scalar
            break
    read_or_refuse("\n".join(lines).encode(), "export.yaml")
