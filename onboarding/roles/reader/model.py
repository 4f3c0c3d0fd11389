"""What a parsed role blueprint looks like, whatever format it came from.

These dataclasses are the whole output of the reader. `ParsedRole.to_dict()` is a contract: the
import preview (`roles import --dry-run --json`) prints it and outside scripts read its keys.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

#: The formats a document can be read from (the `format` key of a parsed role).
FORMATS = (
    "wordpress-json",
    "html",
    "html-fragment",
    "text",
    "markdown",
    "export-yaml",
    "export-json",
    "docx",
    "pdf",
)


class BlueprintError(ValueError):
    """A document cannot be read; the message is one human sentence saying why.

    Always one line: line breaks a parser put in its message (YAML's "while parsing ... in line
    N" pairs) or that came with quoted document text are folded into spaces.
    """

    def __init__(self, message: object = ""):
        super().__init__(" ".join(str(message).split()))


@dataclass
class Milestone:
    """One checklist item of a phase; `children` are its sub-items (in plan order)."""

    text: str
    children: list[Milestone] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a milestone: `{"text": ..., "children": [...]}`."""
        return {"text": self.text, "children": [child.to_dict() for child in self.children]}


@dataclass
class Phase:
    """One phase of section 6 (`30-day goals (diagnose and align)` and its milestones)."""

    key: str
    heading: str
    theme: str
    due: dict[str, int] | None
    milestones: list[Milestone] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a phase, keys in contract order."""
        return {
            "key": self.key,
            "heading": self.heading,
            "theme": self.theme,
            "due": dict(self.due) if self.due is not None else None,
            "milestones": [milestone.to_dict() for milestone in self.milestones],
        }


@dataclass
class Kpi:
    """One row of the section 7 KPI table."""

    name: str
    measures: str = ""
    why: str = ""
    target: str = ""
    frequency: str = ""

    def to_dict(self) -> dict[str, str]:
        """The JSON shape of a KPI row."""
        return {
            "name": self.name,
            "measures": self.measures,
            "why": self.why,
            "target": self.target,
            "frequency": self.frequency,
        }


@dataclass
class ParsedRole:
    """A role read from one blueprint document (or one post / one entry of an export)."""

    title: str
    source: str
    format: str
    summary: str
    level: str
    phases: list[Phase]
    success: str
    high_performance: list[str]
    kpis: list[Kpi]
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The import-preview shape (a contract: keys and their order are relied upon)."""
        return {
            "title": self.title,
            "source": self.source,
            "format": self.format,
            "level": self.level,
            "summary": self.summary,
            "phases": [phase.to_dict() for phase in self.phases],
            "guidance": {"success": self.success, "high_performance": list(self.high_performance)},
            "kpis": [kpi.to_dict() for kpi in self.kpis],
            "warnings": list(self.warnings),
        }

    def content_dict(self) -> dict[str, Any]:
        """`to_dict()` without where it came from (source, format, warnings): the role itself."""
        data = self.to_dict()
        for key in ("source", "format", "warnings"):
            del data[key]
        return data

    @property
    def slug(self) -> str:
        """The title as a URL-safe identifier ("distinguished-data-engineer")."""
        return slugify(self.title)

    def content_hash(self) -> str:
        """SHA-256 of the role's content, so re-importing an unchanged document is detectable.

        Source, format and warnings are left out on purpose: the same role exported to YAML and
        read back, or re-saved under another name, is the same content.
        """
        canonical = json.dumps(
            self.content_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens; accents are folded ("Café" -> "cafe")."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_SLUG.sub("-", folded.lower()).strip("-")
    return slug or "role"
