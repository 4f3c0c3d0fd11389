"""From blocks to a role: sections, phases, the nesting rule, guidance, KPIs, title, level.

A blueprint has twenty numbered sections ("1) Role Summary" ... "20) Final Role Scorecard
Summary"). Section 6 holds the plan: one sub-heading per phase ("30-day goals (diagnose and
align)") followed by a list of milestones, then "Role success definition" and "What high
performance looks like". Section 7 holds the KPI table; section 20's scorecard names the role.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from onboarding.blueprints.formats import Block, Document, Item, read_documents
from onboarding.blueprints.model import (
    PHASE_DUE,
    BlueprintError,
    Kpi,
    Milestone,
    ParsedRole,
    Phase,
)
from onboarding.blueprints.repair import check_size, clean_text, decode, is_noise_line

logger = logging.getLogger(__name__)

MAX_BYTES = 5_000_000


# --------------------------------------------------------------------------- entry points


def parse_document(data: bytes, source: str, *, max_bytes: int = MAX_BYTES) -> list[ParsedRole]:
    """Read one file's bytes into roles (several for a list of posts or an export).

    Raises `BlueprintError` with a one-line reason when the file cannot be a blueprint.
    """
    check_size(data, max_bytes)
    decoded = decode(data)
    roles: list[ParsedRole] = []
    for doc in read_documents(decoded.text, source):
        if doc.roles is not None:
            roles.extend(doc.roles)
            continue
        try:
            role = build_role(doc, source)
        except BlueprintError as exc:
            if doc.label:
                raise BlueprintError(f"{doc.label}: {exc}") from None
            raise
        role.warnings = decoded.warnings + role.warnings
        roles.append(role)
    return roles


def read_paths(
    paths: Iterable[str | Path], *, max_bytes: int = MAX_BYTES
) -> tuple[list[ParsedRole], list[dict[str, str]]]:
    """Read files and folders (recursively, sorted, hidden files skipped) into roles.

    Returns `(roles, errors)`; each error is `{"source": name, "error": reason}`. A bad or
    unreadable file is reported and the others are still read: this never raises for content.
    """
    roles: list[ParsedRole] = []
    errors: list[dict[str, str]] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = _folder_files(path)
        elif path.is_file():
            files = [(path, path.name)]
        elif path.exists():
            errors.append({"source": str(path), "error": "not a regular file"})
            continue
        else:
            errors.append({"source": str(path), "error": "no such file or folder"})
            continue
        for file, name in files:
            try:
                with file.open("rb") as handle:
                    data = handle.read(max_bytes + 1)  # one byte more tells "too large"
            except OSError as exc:
                errors.append({"source": name, "error": f"cannot read the file: {exc.strerror or exc}"})
                continue
            try:
                roles.extend(parse_document(data, name, max_bytes=max_bytes))
            except BlueprintError as exc:
                errors.append({"source": name, "error": str(exc)})
            except Exception as exc:  # one broken file must never stop a batch import
                logger.exception("unexpected error reading %s", name)
                errors.append({"source": name, "error": f"could not be read ({type(exc).__name__})"})
    return roles, errors


def _folder_files(folder: Path) -> list[tuple[Path, str]]:
    """Regular files under `folder`, sorted, hidden files and folders skipped, links not followed."""
    found: list[tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in filenames:
            if filename.startswith("."):
                continue
            file = Path(dirpath) / filename
            if file.is_file() and not file.is_symlink():
                found.append((file, file.relative_to(folder).as_posix()))
    return sorted(found, key=lambda pair: pair[1])


# --------------------------------------------------------------------------- sections


@dataclass
class Section:
    """A numbered section ("6) Goals, Objectives, and Milestones") and the blocks under it."""

    number: int | None
    title: str
    blocks: list[Block] = field(default_factory=list)


_NUMBERED = re.compile(
    r"^(?:section\s+(?P<a>\d{1,2})\b[\s:.)\-–—]*|(?P<b>\d{1,2})\s*[).:\-–—]\s+)(?P<title>\S.*)$",
    re.IGNORECASE,
)


def _numbered(text: str) -> tuple[int, str] | None:
    """("6) Goals, Objectives, and Milestones") -> (6, "Goals, Objectives, and Milestones")."""
    match = _NUMBERED.match(text)
    if not match:
        return None
    number = int(match.group("a") or match.group("b"))
    title = match.group("title").strip()
    if not 0 < number <= 40 or not title[:1].isalpha():
        return None
    return number, title


def _heading_like(text: str, limit: int = 120) -> bool:
    """Short, and not a sentence: what a heading written as a plain line looks like."""
    return 0 < len(text) <= limit and text[-1] not in ".;,!?"


def split_sections(blocks: list[Block]) -> list[Section]:
    """Find the numbered section headings and group the blocks under them."""
    starts = _heading_sections(blocks) or _line_sections(blocks) or _plain_heading_sections(blocks)
    sections: list[Section] = []
    for position, (index, number, title) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(blocks)
        sections.append(Section(number, title, blocks[index + 1 : end]))
    return sections


def _heading_sections(blocks: list[Block]) -> list[tuple[int, int | None, str]]:
    """Headings numbered like sections (`<h2>6) Goals...`, `## 6) Goals`), at the top level used."""
    numbered = [
        (i, block.level, parsed)
        for i, block in enumerate(blocks)
        if block.kind == "heading" and (parsed := _numbered(block.text))
    ]
    if not numbered:
        return []
    level = min(level for _, level, _ in numbered)
    return [(i, n, t) for i, lvl, (n, t) in numbered if lvl == level]


def _line_sections(blocks: list[Block]) -> list[tuple[int, int | None, str]]:
    """Section headings written as plain lines ("6) Goals, Objectives, and Milestones").

    A numbered line can also be a step in a list ("1) Technical screen"), so the headings are
    the longest chain of such lines whose numbers increase through the document. Where two
    chains are as long, the later candidate for a number wins: a list numbered 1..10 inside
    section 3 comes before the real headings 4..10.
    """
    candidates = [
        (i, *parsed)
        for i, block in enumerate(blocks)
        if block.kind in ("para", "heading")
        and (parsed := _numbered(block.text))
        and _heading_like(parsed[1], 100)
    ]
    if not candidates:
        return []
    best: dict[int, tuple[int, int]] = {}  # number -> (chain length, candidate position)
    previous: list[int | None] = []
    for position, (_, number, _) in enumerate(candidates):
        length, before = 1, None
        for lower, (chain_length, at) in best.items():
            if lower < number and chain_length + 1 > length:
                length, before = chain_length + 1, at
        previous.append(before)
        if number not in best or length >= best[number][0]:
            best[number] = (length, position)
    _, tail = max(best.values())
    chain: list[int] = []
    cursor: int | None = tail
    while cursor is not None:
        chain.append(cursor)
        cursor = previous[cursor]
    return [candidates[p] for p in reversed(chain)]


def _plain_heading_sections(blocks: list[Block]) -> list[tuple[int, int | None, str]]:
    """Unnumbered section headings: the top heading level that occurs more than once."""
    levels = [block.level for block in blocks if block.kind == "heading"]
    for level in sorted(set(levels)):
        if levels.count(level) > 1:
            return [
                (i, None, block.text)
                for i, block in enumerate(blocks)
                if block.kind == "heading" and block.level == level
            ]
    return []


def _find_section(
    sections: list[Section], number: int, pattern: re.Pattern[str]
) -> Section | None:
    """The section with this title pattern and number, else by title, else by number."""
    by_title = [s for s in sections if pattern.search(s.title)]
    for section in by_title:
        if section.number == number:
            return section
    if by_title:
        return by_title[0]
    return next((s for s in sections if s.number == number), None)


_GOALS_TITLE = re.compile(r"\bgoals\b|\bmilestones\b|\b30[\s/-]*60[\s/-]*90\b", re.IGNORECASE)
_SUMMARY_TITLE = re.compile(r"^(?:role\s+)?(?:summary|overview)\b", re.IGNORECASE)
_KPI_TITLE = re.compile(r"\bkpis?\b|\bmetrics\b", re.IGNORECASE)
_SCORECARD_TITLE = re.compile(r"\bscorecard\b", re.IGNORECASE)


# --------------------------------------------------------------------------- the role


def build_role(doc: Document, source: str) -> ParsedRole:
    """Everything the application keeps from one document."""
    blocks = _without_noise(doc.blocks)
    sections = split_sections(blocks)
    if not sections:
        raise BlueprintError(
            'not a role blueprint: no numbered sections such as "6) Goals, Objectives, and '
            'Milestones" were found'
        )
    warnings = list(doc.warnings)
    goals = _find_section(sections, 6, _GOALS_TITLE)
    if goals is None:
        raise BlueprintError('no section 6 ("Goals, Objectives, and Milestones") was found')
    plan = _read_plan(goals.blocks, warnings)
    if not plan.phases:
        raise BlueprintError(
            "section 6 has no recognisable phase (such as \"30-day goals\" or "
            "\"6-month milestones\") with milestones"
        )
    title = _role_title(doc, blocks, sections)
    summary_section = _find_section(sections, 1, _SUMMARY_TITLE)
    summary = ""
    if summary_section is not None:
        summary = next((b.text for b in summary_section.blocks if b.kind == "para"), "")
    if not summary:
        warnings.append("no role summary found in section 1")
    kpi_section = _find_section(sections, 7, _KPI_TITLE)
    kpis = _read_kpis(kpi_section.blocks if kpi_section else [])
    if not kpis:
        warnings.append("no KPI table found in section 7")
    return ParsedRole(
        title=title,
        source=source,
        format=doc.format,
        summary=summary,
        level=seniority(title),
        phases=plan.phases,
        success=plan.success,
        high_performance=plan.high_performance,
        kpis=kpis,
        warnings=warnings,
    )


def _without_noise(blocks: list[Block]) -> list[Block]:
    """Drop template boilerplate lines, and the short lines after the document's last table or
    list (advertising such as "Find Trusted Cardiac Hospitals" pasted along with the page)."""
    kept = [b for b in blocks if not (b.kind == "para" and is_noise_line(b.text))]
    end = len(kept)
    while end > 0 and kept[end - 1].kind == "para" and len(kept[end - 1].text) < 200:
        end -= 1
    trailing = kept[end:]
    # A short document can end with "Role success definition" and its paragraph: keep those.
    if any(_is_plan_heading(b.text) for b in trailing):
        return kept
    if 0 < end < len(kept) and kept[end - 1].kind in ("table", "list"):
        return kept[:end]
    return kept


def _is_plan_heading(text: str) -> bool:
    """A line that starts a phase or a guidance part of section 6."""
    return bool(phase_key(text) or _SUCCESS.match(text) or _HIGH_PERFORMANCE.match(text))


# --------------------------------------------------------------------------- section 6

_NUMBER_WORDS = {"thirty": 30, "sixty": 60, "ninety": 90, "six": 6, "twelve": 12, "one": 1}
_DASH = r"[\s\-‐‑‒–—]*"
_PHASE_START = re.compile(
    rf"""^[^\w(]*
    (?:(?:in\s+|during\s+)?(?:the\s+)?(?:first|initial|next|by|within|by\s+the\s+end\s+of)\s+(?:the\s+)?)?
    (?:
        (?P<dayword>day){_DASH}(?P<daynum>30|60|90)
      | (?P<num>30|60|90|6|12|1|thirty|sixty|ninety|six|twelve|one){_DASH}(?P<unit>days?|months?|mos?\b|years?)
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)
_LONG_TERM = re.compile(
    rf"^[^\w(]*(?:long{_DASH}term|beyond\s+(?:the\s+first\s+)?(?:12\s+months|(?:one|1|the\s+first)\s+year|year\s+one))",
    re.IGNORECASE,
)
_PHASE_WORD = re.compile(
    r"""^\s*(?:$|[(:\-–—]|(?:[\w/-]+\s+){0,3}?(?:goals?|objectives?|milestones?|outcomes?|targets?|
    priorities|plans?|focus|expectations?|deliverables?|results?|checkpoints?|impact|vision))""",
    re.IGNORECASE | re.VERBOSE,
)
_SUCCESS = re.compile(
    r"^[^\w]*(?:role\s+success\s+(?:definition|criteria)|(?:definition\s+of|defining)\s+success|"
    r"what\s+success\s+looks\s+like|success\s+(?:definition|criteria|measures))",
    re.IGNORECASE,
)
_HIGH_PERFORMANCE = re.compile(
    r"^[^\w]*(?:what\s+)?(?:high|strong|exceptional|outstanding|excellent|great)[\s-]+performance",
    re.IGNORECASE,
)


def phase_key(heading: str) -> str | None:
    """The phase a heading starts ("30-day goals (x)" -> "day-30"), or None if it isn't one."""
    match = _PHASE_START.match(heading)
    if match:
        rest = heading[match.end() :]
        if not _PHASE_WORD.match(rest):
            return None
        if match.group("dayword"):
            return f"day-{match.group('daynum')}"
        raw = match.group("num").lower()
        number = _NUMBER_WORDS.get(raw) or int(raw)
        unit = match.group("unit").lower()
        if unit.startswith("day") and number in (30, 60, 90):
            return f"day-{number}"
        if unit.startswith("mo") and number in (6, 12):
            return f"month-{number}"
        if unit.startswith("year") and number == 1:
            return "month-12"
        return None
    match = _LONG_TERM.match(heading)
    if match and _PHASE_WORD.match(heading[match.end() :]):
        return "long-term"
    return None


def phase_theme(heading: str) -> str:
    """The theme of a phase heading: the text in its brackets, else after a colon or dash."""
    bracketed = re.findall(r"\(([^()]*)\)", heading)
    if bracketed:
        return clean_text(bracketed[-1])
    match = re.search(r"(?::|\s[-–—]\s)\s*(.+)$", heading)
    return clean_text(match.group(1)) if match else ""


@dataclass
class _Plan:
    phases: list[Phase] = field(default_factory=list)
    success: str = ""
    high_performance: list[str] = field(default_factory=list)


@dataclass
class _OpenPhase:
    phase: Phase
    lists: list[list[Item]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    closed: bool = False


def _read_plan(blocks: list[Block], warnings: list[str]) -> _Plan:
    """Phases, success definition and high-performance list from section 6's blocks."""
    plan = _Plan()
    opened: list[_OpenPhase] = []
    current: _OpenPhase | None = None
    guidance: str | None = None  # "success" / "high" while under those headings
    success_parts: list[str] = []
    high_items: list[str] = []
    high_paragraphs: list[str] = []

    for block in blocks:
        is_heading = block.kind == "heading" or (
            block.kind == "para" and _heading_like(block.text.rstrip(":"), 160)
        )
        if is_heading:
            key = phase_key(block.text)
            if key:
                heading = block.text.rstrip(":").strip()
                current = _OpenPhase(Phase(key, heading, phase_theme(heading), PHASE_DUE[key]))
                opened.append(current)
                guidance = None
                continue
            if _SUCCESS.match(block.text):
                current, guidance = None, "success"
                continue
            if _HIGH_PERFORMANCE.match(block.text):
                current, guidance = None, "high"
                continue
            if block.kind == "heading":
                current, guidance = None, None
                continue
        if block.kind == "list":
            if current is not None and not current.closed:
                current.lists.append(block.items)
            elif guidance == "success":
                success_parts.extend(_flatten(block.items))
            elif guidance == "high":
                high_items.extend(_flatten(block.items))
        elif block.kind == "para":
            if current is not None:
                if current.lists and is_heading:
                    # An unknown sub-heading written as a plain line ends the phase's list.
                    current.closed = True
                elif not current.lists:
                    current.paragraphs.append(block.text)
            elif guidance == "success":
                success_parts.append(block.text)
            elif guidance == "high":
                high_paragraphs.append(block.text)

    by_key: dict[str, Phase] = {}
    for open_phase in opened:
        phase = open_phase.phase
        if open_phase.lists:
            for items in open_phase.lists:
                phase.milestones.extend(milestones_from_items(items))
        else:
            # Bullets lost on paste: each line is an item (its "1." or "-" marker, if any,
            # dropped), grouped by the same rule.
            items = [Item(_ENUMERATOR.sub("", text)) for text in open_phase.paragraphs]
            phase.milestones.extend(nest_flat([item for item in items if item.text]))
        if not phase.milestones:
            warnings.append(f'phase "{phase.heading}" has no milestones and was left out')
            continue
        if phase.key in by_key:
            warnings.append(f'phase "{phase.heading}" repeats {phase.key}; its milestones were added to it')
            by_key[phase.key].milestones.extend(phase.milestones)
            continue
        by_key[phase.key] = phase
        plan.phases.append(phase)
    plan.success = " ".join(success_parts)
    plan.high_performance = high_items or high_paragraphs
    return plan


_ENUMERATOR = re.compile(r"^(?:\d{1,2}[.)]|[-*•–—])\s+")


def _flatten(items: list[Item]) -> list[str]:
    texts: list[str] = []
    for item in items:
        texts.append(item.text)
        texts.extend(_flatten(item.children))
    return texts


# --------------------------------------------------------------------------- the nesting rule

_CLOSERS = "\"'”’»)]}"


def _last_mark(text: str) -> str:
    """The last character that isn't a closing quote or bracket ('Foo (bar).)' -> '.')."""
    stripped = text.rstrip().rstrip(_CLOSERS)
    return stripped[-1] if stripped else ""


def ends_terminal(text: str) -> bool:
    """Does the item end like a sentence or a group opener (. ! ? : …)?"""
    return _last_mark(text) in (".", "!", "?", ":", "…")


def opens_group(text: str) -> bool:
    """Only a trailing colon opens a group; a colon mid-sentence does not."""
    return text.rstrip().endswith(":")


def nest_flat(items: list[Item]) -> list[Milestone]:
    """The nesting rule for a flat list.

    An item ending in `:` opens a group; the items after it that do not end in terminal
    punctuation are its children; the group closes at an item ending in `.` or `:` (which is
    top-level, and opens a new group if it ends in `:`), or at the end of the list.
    """
    milestones: list[Milestone] = []
    group: Milestone | None = None
    for item in items:
        if group is not None and not ends_terminal(item.text):
            group.children.append(Milestone(item.text))
            continue
        milestone = Milestone(item.text)
        milestones.append(milestone)
        group = milestone if opens_group(item.text) else None
    return milestones


def _has_nesting(items: list[Item]) -> bool:
    return any(item.children for item in items)


def _as_milestones(items: list[Item]) -> list[Milestone]:
    return [Milestone(item.text, _as_milestones(item.children)) for item in items]


def milestones_from_items(items: list[Item]) -> list[Milestone]:
    """A list's milestones: its real nesting when it has any, else the flat nesting rule."""
    if _has_nesting(items):
        return _as_milestones(items)
    return nest_flat(items)


# --------------------------------------------------------------------------- section 7


def _kpi_field(header: str) -> str | None:
    """Which KPI field a table column holds, from its header."""
    h = header.lower()
    if "why" in h or "matters" in h or "rationale" in h:
        return "why"
    if "frequen" in h or "cadence" in h or "how often" in h:
        return "frequency"
    if "target" in h or "benchmark" in h or "goal" in h:
        return "target"
    if "measure" in h or "definition" in h or "descri" in h:
        return "measures"
    if "metric" in h or "kpi" in h or "name" in h or "indicator" in h:
        return "name"
    return None


def _read_kpis(blocks: list[Block]) -> list[Kpi]:
    kpis: list[Kpi] = []
    for block in blocks:
        if block.kind != "table" or len(block.rows) < 2:
            continue
        fields = [_kpi_field(cell) for cell in block.rows[0]]
        if "name" not in fields:
            if sum(f is not None for f in fields) < 2 or fields[0] is not None:
                continue
            fields[0] = "name"  # an unlabelled first column names the metric
        for row in block.rows[1:]:
            values = {"name": "", "measures": "", "why": "", "target": "", "frequency": ""}
            for name, cell in zip(fields, row):
                if name and not values[name]:
                    values[name] = cell
            if values["name"]:
                kpis.append(Kpi(**values))
    return kpis


# --------------------------------------------------------------------------- title and level

_TITLE_ROW_NAMES = {"role title", "role", "job title", "title", "role name", "position"}
_NOT_A_ROLE = re.compile(
    r"\b(?:blueprint|responsibilities|job description|career path|home|blog|menu|kpis)\b",
    re.IGNORECASE,
)
_SITE_SEPARATOR = re.compile(r"\s*(?::|\s\|\s|\s[-–—]\s)\s*")


def _scorecard_title(sections: list[Section]) -> str:
    scorecard = _find_section(sections, 20, _SCORECARD_TITLE)
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
        if _numbered(candidate):
            continue
        for part in _SITE_SEPARATOR.split(candidate):
            part = part.strip()
            words = part.split()
            if 0 < len(words) <= 8 and len(part) <= 80 and not _NOT_A_ROLE.search(part):
                return part
    return ""


def _role_title(doc: Document, blocks: list[Block], sections: list[Section]) -> str:
    """The post title, else the scorecard's "Role title" row, else a page heading, else a
    title-like line pasted above the first section."""
    title = doc.title or _scorecard_title(sections) or _heading_title(doc.headings)
    if not title:
        first = next((i for i, b in enumerate(blocks) if b.kind == "heading" or _numbered(b.text)), 0)
        preamble = [b.text for b in blocks[:first] if b.kind == "para" and _heading_like(b.text, 200)]
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
