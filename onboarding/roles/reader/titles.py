"""A role's title (post title, scorecard row, page heading) and the seniority word in it."""
from __future__ import annotations

import re

from onboarding.roles.reader.document import Block, Document
from onboarding.roles.reader.model import BlueprintError
from onboarding.roles.reader.sections import (
    SCORECARD_TITLE,
    Section,
    find_section,
    heading_like,
    section_number,
)

_TITLE_ROW_NAMES = {"role title", "role", "job title", "title", "role name", "position"}
_NOT_A_ROLE = re.compile(
    r"\b(?:blueprint|responsibilities|job description|career path|home|blog|menu|kpis)\b",
    re.IGNORECASE,
)
_SITE_SEPARATOR = re.compile(r"\s*(?::|\s\|\s|\s[-–—]\s)\s*")


def _scorecard_title(sections: list[Section]) -> str:
    scorecard = find_section(sections, 20, SCORECARD_TITLE)
    ordered = ([scorecard] if scorecard else []) + [s for s in sections if s is not scorecard]
    for section in ordered:
        for block in section.blocks:
            if block.kind != "table":
                continue
            for row in block.rows:
                if len(row) >= 2 and row[0].strip(" *:").lower() in _TITLE_ROW_NAMES and row[1]:
                    return row[1].strip()
    return ""


def _heading_title(candidates: list[str]) -> str:
    """A role name from a page heading or <title>: the part before a colon or site suffix."""
    for candidate in candidates:
        if section_number(candidate):
            continue
        for part in _SITE_SEPARATOR.split(candidate):
            part = part.strip()
            words = part.split()
            if 0 < len(words) <= 8 and len(part) <= 80 and not _NOT_A_ROLE.search(part):
                return part
    return ""


def role_title(doc: Document, blocks: list[Block], sections: list[Section]) -> str:
    """The post title, else the scorecard's "Role title" row, else a page heading, else a
    title-like line pasted above the first section."""
    title = doc.title or _scorecard_title(sections) or _heading_title(doc.headings)
    if not title:
        first = next((i for i, b in enumerate(blocks) if b.kind == "heading" or section_number(b.text)), 0)
        preamble = [b.text for b in blocks[:first] if b.kind == "para" and heading_like(b.text, 200)]
        title = _heading_title(preamble[:3])
    if not title:
        raise BlueprintError(
            "no role title found (no post title, no \"Role title\" row in the scorecard, "
            "no page heading)"
        )
    return title


_LEVELS = [
    ("Head of", re.compile(r"\bhead\s+of\b", re.I)),
    ("Intern", re.compile(r"\bintern\b", re.I)),
    ("Junior", re.compile(r"\b(?:junior|jr\.?)(?!\w)", re.I)),
    ("Entry-level", re.compile(r"\bentry[\s-]level\b", re.I)),
    ("Associate", re.compile(r"\bassociate\b", re.I)),
    ("Mid-level", re.compile(r"\bmid[\s-]level\b", re.I)),
    ("Senior", re.compile(r"\b(?:senior|sr\.?)(?!\w)", re.I)),
    ("Staff", re.compile(r"\bstaff\b", re.I)),
    ("Principal", re.compile(r"\bprincipal\b", re.I)),
    ("Distinguished", re.compile(r"\bdistinguished\b", re.I)),
    ("Lead", re.compile(r"\blead\b", re.I)),
    ("Chief", re.compile(r"\bchief\b", re.I)),
    ("Fellow", re.compile(r"\bfellow\b", re.I)),
]


def seniority(title: str) -> str:
    """The seniority word of a title ("Senior Data Engineer" -> "Senior"), or ""."""
    found = [(match.start(), name) for name, pattern in _LEVELS if (match := pattern.search(title))]
    return min(found)[1] if found else ""
