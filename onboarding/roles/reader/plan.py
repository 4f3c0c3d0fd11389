"""Section 6, the plan: its phases ("30-day goals (diagnose and align)") with their milestones,
the role success definition and what high performance looks like."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from onboarding.core.phases import standard_due
from onboarding.roles.reader.document import Block, Item
from onboarding.roles.reader.model import Phase
from onboarding.roles.reader.nesting import milestones_from_items, nest_flat
from onboarding.roles.reader.repair import clean_text
from onboarding.roles.reader.sections import heading_like

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


def read_plan(blocks: list[Block], warnings: list[str]) -> _Plan:
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
            block.kind == "para" and heading_like(block.text.rstrip(":"), 160)
        )
        if is_heading:
            key = phase_key(block.text)
            if key:
                heading = block.text.rstrip(":").strip()
                current = _OpenPhase(Phase(key, heading, phase_theme(heading), standard_due(key)))
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


def is_plan_heading(text: str) -> bool:
    """A line that starts a phase or a guidance part of section 6."""
    return bool(phase_key(text) or _SUCCESS.match(text) or _HIGH_PERFORMANCE.match(text))
