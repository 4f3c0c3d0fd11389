"""Role templates: importing parsed blueprints as versions, editing, comparing versions."""
from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from onboarding.core.errors import ServiceError
from onboarding.core.phases import PHASE_ORDER
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.roles.models import RoleTemplate, RoleTemplateVersion

logger = logging.getLogger(__name__)

#: the parts of a role dict that make up a template's content (not where it came from)
CONTENT_KEYS = ("title", "level", "summary", "phases", "guidance", "kpis")
MAX_MILESTONE_LENGTH = 2000
MAX_MILESTONES = 500


@dataclass
class ImportResult:
    template: RoleTemplate
    version: RoleTemplateVersion
    #: "created" (new role), "updated" (new version) or "unchanged"
    outcome: str


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:200] or "role"


def template_content(role: dict) -> dict:
    """The content stored on a version: the role dict without source, format and warnings."""
    content = {key: role.get(key) for key in CONTENT_KEYS}
    content["level"] = content["level"] or ""
    content["summary"] = content["summary"] or ""
    content["guidance"] = content["guidance"] or {"success": "", "high_performance": []}
    content["kpis"] = content["kpis"] or []
    content["phases"] = content["phases"] or []
    return content


def content_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def get_template_by_slug(slug: str) -> RoleTemplate | None:
    return db.session.scalar(select(RoleTemplate).where(RoleTemplate.slug == slug))


def latest_version(template: RoleTemplate) -> RoleTemplateVersion:
    return db.session.scalars(
        select(RoleTemplateVersion)
        .where(RoleTemplateVersion.template_id == template.id, RoleTemplateVersion.number == template.latest_number)
    ).one()


def import_role(role: dict, *, now: datetime, actor: User | None = None) -> ImportResult:
    """Store a parsed role: a new template, a new version of the same role, or nothing if unchanged."""
    content = template_content(role)
    validate_content(content)
    digest = content_hash(content)
    slug = slugify(content["title"])
    template = get_template_by_slug(slug)
    if template is None:
        template = RoleTemplate(slug=slug, title=content["title"], level=content["level"], latest_number=0, created_at=now)
        db.session.add(template)
        outcome = "created"
        previous = None
    else:
        previous = latest_version(template)
        if previous is not None and previous.content_hash == digest:
            return ImportResult(template, previous, "unchanged")
        outcome = "updated"
    version = _add_version(
        template, content, digest, now=now, actor=actor, previous=previous,
        source=role.get("source") or "", source_format=role.get("format") or "", warnings=role.get("warnings") or [],
    )
    logger.info("role %s: %s (version %s)", slug, outcome, version.number)
    return ImportResult(template, version, outcome)


def save_edited_template(
    template: RoleTemplate, content: dict, *, now: datetime, actor: User | None
) -> RoleTemplateVersion | None:
    """Save an edit made in the web UI as a new version; None when nothing changed."""
    content = template_content(content)
    validate_content(content)
    digest = content_hash(content)
    previous = latest_version(template)
    if previous is not None and previous.content_hash == digest:
        return None
    if slugify(content["title"]) != template.slug:
        other = get_template_by_slug(slugify(content["title"]))
        if other is not None:
            raise ServiceError(f"another role is already called '{other.title}'")
    template.title = content["title"]
    template.level = content["level"]
    return _add_version(template, content, digest, now=now, actor=actor, previous=previous,
                        source="edited in the web UI", source_format="edit", warnings=[])


def _add_version(template, content, digest, *, now, actor, previous, source, source_format, warnings):
    template.latest_number += 1
    template.title = content["title"]
    template.level = content["level"]
    version = RoleTemplateVersion(
        template=template, number=template.latest_number, content=content, content_hash=digest,
        source=source[:300], source_format=source_format, warnings=list(warnings),
        change_summary="; ".join(describe_changes(previous.content if previous else None, content)),
        created_by_id=actor.id if actor else None, created_at=now,
    )
    db.session.add(version)
    db.session.flush()
    return version


def validate_content(content: dict) -> None:
    """Refuse a template that could not make a plan: no title, no dated phase, empty or huge milestones."""
    if not (content.get("title") or "").strip():
        raise ServiceError("the role has no title")
    if len(content["title"]) > 300:
        raise ServiceError("the role title is longer than 300 characters")
    keys = [phase.get("key") for phase in content["phases"]]
    if len(set(keys)) != len(keys):
        raise ServiceError("a phase appears twice")
    dated = [phase for phase in content["phases"] if phase.get("due")]
    if not dated:
        raise ServiceError("the role has no dated phase (30/60/90 days, 6 or 12 months)")
    count = 0
    for phase in content["phases"]:
        if phase.get("key") not in PHASE_ORDER:
            raise ServiceError(f"unknown phase '{phase.get('key')}'")
        for milestone in iter_milestones(phase.get("milestones", [])):
            count += 1
            text = (milestone.get("text") or "").strip()
            if not text:
                raise ServiceError(f"a milestone in {phase.get('heading') or phase['key']} is empty")
            if len(text) > MAX_MILESTONE_LENGTH:
                raise ServiceError(f"a milestone is longer than {MAX_MILESTONE_LENGTH} characters")
    if count > MAX_MILESTONES:
        raise ServiceError(f"the role has more than {MAX_MILESTONES} milestones")


def iter_milestones(milestones: list[dict]):
    for milestone in milestones:
        yield milestone
        yield from iter_milestones(milestone.get("children", []))


def milestone_count(phase: dict) -> int:
    return sum(1 for _ in iter_milestones(phase.get("milestones", [])))


def describe_changes(old: dict | None, new: dict) -> list[str]:
    """What changed between two versions' content, in words a person reads in the history."""
    if old is None:
        return ["first version"]
    changes: list[str] = []
    for key, label in (("title", "title"), ("level", "level"), ("summary", "summary")):
        if (old.get(key) or "") != (new.get(key) or ""):
            changes.append(f"{label} changed")
    old_phases = {p["key"]: p for p in old.get("phases", [])}
    new_phases = {p["key"]: p for p in new.get("phases", [])}
    for key in PHASE_ORDER:
        before, after = old_phases.get(key), new_phases.get(key)
        if before is None and after is None:
            continue
        name = (after or before or {}).get("heading") or key
        if before is None:
            changes.append(f"{name}: phase added")
            continue
        if after is None:
            changes.append(f"{name}: phase removed")
            continue
        if before.get("theme") != after.get("theme"):
            changes.append(f"{key}: theme '{before.get('theme')}' → '{after.get('theme')}'")
        old_texts = [m["text"] for m in iter_milestones(before.get("milestones", []))]
        new_texts = [m["text"] for m in iter_milestones(after.get("milestones", []))]
        added = [t for t in new_texts if t not in old_texts]
        removed = [t for t in old_texts if t not in new_texts]
        for text in added:
            changes.append(f"{key}: added “{_short(text)}”")
        for text in removed:
            changes.append(f"{key}: removed “{_short(text)}”")
        if not added and not removed and old_texts != new_texts:
            changes.append(f"{key}: milestones reordered")
        elif not added and not removed and before.get("milestones") != after.get("milestones"):
            changes.append(f"{key}: sub-items regrouped")
    if old.get("guidance") != new.get("guidance"):
        changes.append("guidance changed")
    if old.get("kpis") != new.get("kpis"):
        changes.append("KPIs changed")
    return changes or ["no visible change"]


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def milestones_to_lines(milestones: list[dict], depth: int = 0) -> str:
    """The editor's text form: one milestone per line, sub-items indented by two spaces per level."""
    lines = []
    for milestone in milestones:
        lines.append("  " * depth + milestone["text"])
        if milestone.get("children"):
            lines.append(milestones_to_lines(milestone["children"], depth + 1))
    return "\n".join(lines)


def lines_to_milestones(text: str) -> list[dict]:
    """Parse the editor's text form back: indentation (or a leading '- ') makes a sub-item."""
    root: list[dict] = []
    stack: list[tuple[int, list[dict]]] = [(-1, root)]
    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        expanded = raw.replace("\t", "  ")
        stripped = expanded.strip()
        if not stripped:
            continue
        depth = (len(expanded) - len(expanded.lstrip(" "))) // 2
        if stripped.startswith(("- ", "* ", "• ")):
            stripped = stripped[2:].strip()
            depth = max(depth, 1)
        if not stripped:
            continue
        while stack[-1][0] >= depth:
            stack.pop()
        parent_depth, siblings = stack[-1]
        depth = parent_depth + 1  # never deeper than one level below the line above
        children: list[dict] = []
        siblings.append({"text": " ".join(stripped.split()), "children": children})
        stack.append((depth, children))
    return root


def edited_content(version_content: dict, *, title: str, level: str, summary: str, phases: list[dict]) -> dict:
    """Apply the editor's fields (phase key, theme, milestone lines) to a version's content."""
    content = json.loads(json.dumps(version_content))
    content["title"] = " ".join(title.split())
    content["level"] = " ".join((level or "").split())
    content["summary"] = (summary or "").strip()
    by_key = {p["key"]: p for p in content["phases"]}
    for edit in phases:
        phase = by_key.get(edit["key"])
        if phase is None:
            raise ServiceError(f"unknown phase '{edit['key']}'")
        theme = " ".join((edit.get("theme") or "").split())
        if theme != phase.get("theme"):
            phase["theme"] = theme
            base = phase.get("heading", "").split("(")[0].strip() or phase["key"]
            phase["heading"] = f"{base} ({theme})" if theme else base
        phase["milestones"] = lines_to_milestones(edit.get("milestones") or "")
    return content


@dataclass
class ImportPreview:
    """What importing one parsed role would do, for the preview before anything is saved."""

    #: "new" (no role with this title), "unchanged" (no new version would be made) or "changed"
    status: str
    #: for "changed": what changed, as the version history will say it
    changes: list[str]
    #: the library's newest version number of this role, None for a new role
    newest: int | None = None
    #: why the role could not be imported at all (it would be refused on confirm), or None
    problem: str | None = None


def preview_imports(roles: list[dict]) -> list[ImportPreview]:
    """Compare parsed roles with the library the way import_role will, writing nothing.

    One query for the whole batch: the templates with these titles and their newest versions.
    """
    contents = [template_content(role) for role in roles]
    slugs = {slugify(content["title"] or "") for content in contents}
    newest = {
        slug: version
        for slug, version in db.session.execute(
            select(RoleTemplate.slug, RoleTemplateVersion)
            .join(RoleTemplateVersion, (RoleTemplateVersion.template_id == RoleTemplate.id)
                  & (RoleTemplateVersion.number == RoleTemplate.latest_number))
            .where(RoleTemplate.slug.in_(slugs))
        )
    }
    previews = []
    for content in contents:
        try:
            validate_content(content)
        except ServiceError as exc:
            previews.append(ImportPreview("new", [], problem=str(exc)))
            continue
        previous = newest.get(slugify(content["title"]))
        if previous is None:
            previews.append(ImportPreview("new", []))
        elif previous.content_hash == content_hash(content):
            previews.append(ImportPreview("unchanged", [], previous.number))
        else:
            previews.append(ImportPreview("changed", describe_changes(previous.content, content), previous.number))
    return previews
