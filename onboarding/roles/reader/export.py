"""The project's own role-template export (YAML or JSON), which `roles import` reads back.

The export holds exactly what a parsed role holds (title, level, summary, phases, guidance,
KPIs), so exporting and importing again gives the same role, unicode and empty themes included.
Reading is strict: a hand-edited export with a wrong shape is refused with a message that says
where, rather than imported half-right.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable

import yaml

from onboarding.core.phases import PHASE_ORDER, default_heading, is_phase, standard_due
from onboarding.roles.reader.model import (
    BlueprintError,
    Kpi,
    Milestone,
    ParsedRole,
    Phase,
)

EXPORT_KIND = "onboarding/role-template"
EXPORT_VERSION = 1
#: Sub-items deeper than this are not a plan any more (and guard against runaway input).
MAX_MILESTONE_DEPTH = 8

_KIND_LINE = re.compile(
    r"^kind:[ \t]*(['\"]?)onboarding/role-template\1[ \t]*(?:#.*)?$", re.MULTILINE
)
_ROLE_KEYS = ("title", "level", "summary", "phases", "guidance", "kpis")
_KPI_KEYS = ("name", "measures", "why", "target", "frequency")


def looks_like_yaml_export(text: str) -> bool:
    """True when a top-level `kind: onboarding/role-template` line is present.

    Only such files are ever handed to the YAML loader, so arbitrary YAML is never parsed.
    """
    return bool(_KIND_LINE.search(text))


def role_to_export(roles: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """An export document for roles shaped like `ParsedRole.to_dict()` (source etc. dropped)."""
    return {
        "kind": EXPORT_KIND,
        "version": EXPORT_VERSION,
        "roles": [_role_content(role) for role in roles],
    }


def _role_content(role: dict[str, Any]) -> dict[str, Any]:
    """Copy of the role's content keys, in contract order, as plain dicts and lists."""
    guidance = role.get("guidance") or {}
    return {
        "title": role["title"],
        "level": role.get("level") or "",
        "summary": role.get("summary") or "",
        "phases": [
            {
                "key": phase["key"],
                # A template edited in the web UI may lack these; the reader requires them.
                "heading": phase.get("heading") or default_heading(phase["key"]),
                "theme": phase.get("theme") or "",
                "due": _due(phase),
                "milestones": [_milestone_content(m) for m in phase.get("milestones", [])],
            }
            for phase in role.get("phases", [])
        ],
        "guidance": {
            "success": guidance.get("success") or "",
            "high_performance": list(guidance.get("high_performance", [])),
        },
        "kpis": [{key: kpi.get(key) or "" for key in _KPI_KEYS} for kpi in role.get("kpis", [])],
    }


def _due(phase: dict[str, Any]) -> dict[str, int] | None:
    due = phase.get("due", standard_due(phase["key"]))
    return dict(due) if due is not None else None


def _milestone_content(milestone: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": milestone["text"],
        "children": [_milestone_content(child) for child in milestone.get("children", [])],
    }


def dump_export(doc: dict[str, Any], fmt: str) -> str:
    """The export document as YAML or JSON text (UTF-8 characters kept as they are)."""
    if fmt == "yaml":
        # A huge width keeps every string on one line, so the file diffs and greps well.
        return yaml.safe_dump(
            doc, allow_unicode=True, sort_keys=False, width=1_000_000_000, default_flow_style=False
        )
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    raise ValueError(f"unknown export format {fmt!r} (expected 'yaml' or 'json')")


#: The C loader when PyYAML has it (a large export loads in a fraction of the time).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _refuse_aliases(text: str) -> None:
    """An export never needs anchors or aliases, and they are how a small YAML file expands into
    an enormous structure ("billion laughs"): refuse them before anything is built."""
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise BlueprintError("the YAML export uses anchors or aliases (&name, *name), which are not allowed")


def load_export(text: str, fmt: str, source: str) -> list[ParsedRole]:
    """Read an export file's text (`fmt` is "yaml" or "json") into parsed roles."""
    if fmt == "yaml":
        try:
            _refuse_aliases(text)
            data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise BlueprintError(f"invalid YAML: {exc.problem or exc.context}{where}") from None
        except yaml.YAMLError as exc:
            raise BlueprintError(f"invalid YAML: {exc}") from None
        except (ValueError, OverflowError) as exc:  # a scalar YAML cannot build, e.g. the date 2026-02-30
            raise BlueprintError(f"invalid YAML: a value cannot be read ({exc})") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BlueprintError(
                f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
    return roles_from_export(data, fmt, source)


def roles_from_export(data: Any, fmt: str, source: str) -> list[ParsedRole]:
    """Validate a loaded export document and turn its roles into `ParsedRole`s."""
    if not isinstance(data, dict) or data.get("kind") != EXPORT_KIND:
        raise BlueprintError(f"not an onboarding export (no 'kind: {EXPORT_KIND}' at the top)")
    if data.get("version") != EXPORT_VERSION:
        raise BlueprintError(
            f"unsupported export version {data.get('version')!r} (this reader knows version 1)"
        )
    roles = data.get("roles")
    if not isinstance(roles, list) or not roles:
        raise BlueprintError("the export has no roles")
    parsed = []
    for number, role in enumerate(roles, start=1):
        try:
            parsed.append(_role_from_content(role, source, f"export-{fmt}"))
        except BlueprintError as exc:
            raise BlueprintError(f"role {number} of the export: {exc}") from None
    return parsed


def _text(value: Any, what: str, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise BlueprintError(f"{what} must be text")
    if required and not value.strip():
        raise BlueprintError(f"{what} is empty")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BlueprintError(f"{what} must be a list")
    return value


def _role_from_content(role: Any, source: str, fmt: str) -> ParsedRole:
    if not isinstance(role, dict):
        raise BlueprintError("a role must be a mapping")
    unknown = set(role) - set(_ROLE_KEYS)
    if unknown:
        raise BlueprintError(f"unknown keys {sorted(map(str, unknown))}")
    guidance = role.get("guidance") or {}
    if not isinstance(guidance, dict):
        raise BlueprintError("'guidance' must be a mapping")
    phases = [_phase(p, n) for n, p in enumerate(_list(role.get("phases"), "'phases'"), 1)]
    if not phases:
        raise BlueprintError("it has no phases")
    return ParsedRole(
        title=_text(role.get("title"), "'title'", required=True),
        source=source,
        format=fmt,
        summary=_text(role.get("summary"), "'summary'"),
        level=_text(role.get("level"), "'level'"),
        phases=phases,
        success=_text(guidance.get("success"), "'guidance.success'"),
        high_performance=[
            _text(item, "each 'guidance.high_performance' entry")
            for item in _list(guidance.get("high_performance"), "'guidance.high_performance'")
        ],
        kpis=[_kpi(k, n) for n, k in enumerate(_list(role.get("kpis"), "'kpis'"), 1)],
        warnings=[],
    )


def _phase(data: Any, number: int) -> Phase:
    what = f"phase {number}"
    if not isinstance(data, dict):
        raise BlueprintError(f"{what} must be a mapping")
    key = data.get("key")
    if not isinstance(key, str) or not is_phase(key):
        raise BlueprintError(f"{what} has an unknown key {key!r} (expected one of {', '.join(PHASE_ORDER)})")
    standard = standard_due(key)
    due = data.get("due", standard)
    if due != standard:
        raise BlueprintError(f"{what} ({key}) must have due {standard!r}, not {due!r}")
    return Phase(
        key=key,
        heading=_text(data.get("heading"), f"{what} 'heading'", required=True),
        theme=_text(data.get("theme"), f"{what} 'theme'"),
        due=dict(due) if due is not None else None,
        milestones=[
            _milestone(m, f"{what} milestone {n}", 1)
            for n, m in enumerate(_list(data.get("milestones"), f"{what} 'milestones'"), 1)
        ],
    )


def _milestone(data: Any, what: str, depth: int) -> Milestone:
    if depth > MAX_MILESTONE_DEPTH:
        raise BlueprintError(f"{what} is nested more than {MAX_MILESTONE_DEPTH} levels deep")
    if isinstance(data, str):  # a hand-written export may list plain strings
        return Milestone(data, [])
    if not isinstance(data, dict):
        raise BlueprintError(f"{what} must be a mapping with 'text'")
    return Milestone(
        text=_text(data.get("text"), f"{what} 'text'", required=True),
        children=[
            _milestone(child, f"{what}.{n}", depth + 1)
            for n, child in enumerate(_list(data.get("children"), f"{what} 'children'"), 1)
        ],
    )


def _kpi(data: Any, number: int) -> Kpi:
    if not isinstance(data, dict):
        raise BlueprintError(f"KPI {number} must be a mapping")
    values = {key: _text(data.get(key), f"KPI {number} '{key}'") for key in _KPI_KEYS}
    if not values["name"].strip():
        raise BlueprintError(f"KPI {number} has no name")
    return Kpi(**values)
