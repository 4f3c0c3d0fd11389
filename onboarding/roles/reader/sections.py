"""Splitting a document's blocks into its numbered sections, and finding a section by number
and title ("6) Goals, Objectives, and Milestones")."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from onboarding.roles.reader.document import Block


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


def section_number(text: str) -> tuple[int, str] | None:
    """("6) Goals, Objectives, and Milestones") -> (6, "Goals, Objectives, and Milestones")."""
    match = _NUMBERED.match(text)
    if not match:
        return None
    number = int(match.group("a") or match.group("b"))
    title = match.group("title").strip()
    if not 0 < number <= 40 or not title[:1].isalpha():
        return None
    return number, title


def heading_like(text: str, limit: int = 120) -> bool:
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
        if block.kind == "heading" and (parsed := section_number(block.text))
    ]
    if not numbered:
        return []
    level = min(level for _, level, _ in numbered)
    return [(i, n, t) for i, lvl, (n, t) in numbered if lvl == level]


def _line_sections(blocks: list[Block]) -> list[tuple[int, int | None, str]]:
    """Section headings written as plain lines ("6) Goals, Objectives, and Milestones").

    A numbered line can also be a step in a list ("1) Technical screen"), so the headings are
    the longest chain of such lines whose numbers increase through the document. Where two chains
    are as long, the one with fewer neighbouring lines wins: real headings have their section's
    text between them, a list's steps follow one another. (A list 1)..7) inside section 3 and the
    real headings 8) onwards make a chain as long as the real 1) to 20), and used to win.) Where
    that ties too, the later candidate for a number wins.
    """
    candidates = [
        (i, *parsed)
        for i, block in enumerate(blocks)
        if block.kind in ("para", "heading")
        and (parsed := section_number(block.text))
        and heading_like(parsed[1], 100)
    ]
    if not candidates:
        return []
    #: number -> (chain length, -neighbouring pairs in the chain, candidate position)
    best: dict[int, tuple[int, int, int]] = {}
    previous: list[int | None] = []
    for position, (index, number, _) in enumerate(candidates):
        score, before = (1, 0), None
        for lower, (chain_length, neighbours, at) in best.items():
            if lower >= number:
                continue
            adjacent = 1 if candidates[at][0] + 1 == index else 0
            option = (chain_length + 1, neighbours - adjacent)
            if option > score:
                score, before = option, at
        previous.append(before)
        if number not in best or score >= best[number][:2]:
            best[number] = (*score, position)
    *_, tail = max(best.values())
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


def find_section(
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


GOALS_TITLE = re.compile(r"\bgoals\b|\bmilestones\b|\b30[\s/-]*60[\s/-]*90\b", re.IGNORECASE)
SUMMARY_TITLE = re.compile(r"^(?:role\s+)?(?:summary|overview)\b", re.IGNORECASE)
KPI_TITLE = re.compile(r"\bkpis?\b|\bmetrics\b", re.IGNORECASE)
SCORECARD_TITLE = re.compile(r"\bscorecard\b", re.IGNORECASE)
