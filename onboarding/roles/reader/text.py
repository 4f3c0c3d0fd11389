"""Plain text pasted from a page: one line per paragraph, `- ` bullets, pipe or tab tables.

Also the line-based helpers the Markdown reader shares (bullets and their indents, pipe rows,
ATX headings, the block stream being built).
"""
from __future__ import annotations

import html
import re

from onboarding.roles.reader.document import Block, Document, Item
from onboarding.roles.reader.repair import clean_text

_BULLET = re.compile(r"^([ \t]*)[-*•◦▪‣·–—][ \t]+(\S.*)$")
TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def indent_width(spaces: str) -> int:
    return len(spaces.expandtabs(4))


def split_row(line: str) -> list[str]:
    """`| a | b \\| c |` -> ["a", "b | c"]."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)]


class _ListBuilder:
    """Builds nested `Item`s from bullets and their indentation."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self._stack: list[tuple[int, Item]] = []

    def add(self, indent: int, text: str) -> None:
        item = Item(text)
        while self._stack and self._stack[-1][0] >= indent:
            self._stack.pop()
        if self._stack:
            self._stack[-1][1].children.append(item)
        else:
            self.items.append(item)
        self._stack.append((indent, item))

    def continue_last(self, text: str) -> None:
        last = self._stack[-1][1]
        last.text = f"{last.text} {text}".strip()

    @property
    def last_indent(self) -> int:
        return self._stack[-1][0] if self._stack else -1


def unescape_entities(text: str) -> str:
    """Pasted text sometimes carries HTML entities (`&amp;`, `&#8211;`); decode only those."""
    return html.unescape(text) if _ENTITY.search(text) else text


class BlockStream:
    """The blocks of a line-based document (text, Markdown), with the list and table being read."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.headings: list[str] = []
        self.list: _ListBuilder | None = None
        self.table: list[list[str]] | None = None

    def open_list(self) -> _ListBuilder:
        if self.list is None:
            self.list = _ListBuilder()
        return self.list

    def open_table(self) -> list[list[str]]:
        if self.table is None:
            self.table = []
        return self.table

    def end_list(self) -> None:
        if self.list is not None and self.list.items:
            self.blocks.append(Block("list", items=self.list.items))
        self.list = None

    def end_table(self) -> None:
        if self.table:
            self.blocks.append(Block("table", rows=self.table))
        self.table = None

    def heading(self, text: str, level: int) -> None:
        self.blocks.append(Block("heading", text=text, level=level))
        if level == 1:
            self.headings.append(text)

    def para(self, text: str) -> None:
        self.blocks.append(Block("para", text=text))

    def document(self, format: str) -> Document:
        self.end_list()
        self.end_table()
        return Document(format=format, blocks=self.blocks, headings=self.headings)


def read_text(text: str) -> Document:
    """A plain-text paste: one line per paragraph, `- ` bullets, `|` or tab-separated tables."""
    text = unescape_entities(text)
    out = BlockStream()
    lines = text.splitlines()
    for index, raw in enumerate(lines):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            out.end_table()
            continue  # a blank line between bullets does not end the list
        if "|" in stripped and (
            stripped.startswith("|")
            or out.table is not None
            or (index + 1 < len(lines) and "|" in lines[index + 1] and TABLE_SEPARATOR.match(lines[index + 1]))
        ):
            # A pipe table (the leading pipe is optional when a |---| line follows the header).
            out.end_list()
            table = out.open_table()
            if not TABLE_SEPARATOR.match(stripped):
                table.append([clean_text(cell) for cell in split_row(stripped)])
            continue
        if "\t" in stripped and not _BULLET.match(line):
            # A table copied from a web page arrives as tab-separated cells.
            cells = [clean_text(cell) for cell in stripped.split("\t")]
            if sum(1 for cell in cells if cell) >= 2:
                out.end_list()
                out.open_table().append(cells)
                continue
        out.end_table()
        bullet = _BULLET.match(line)
        if bullet:
            builder = out.open_list()
            item_text = clean_text(bullet.group(2))
            if item_text:
                builder.add(indent_width(bullet.group(1)), item_text)
            continue
        out.end_list()
        heading = atx_heading(line)
        if heading and heading[1]:
            # A lone Markdown-style heading in a paste (often the title line).
            out.heading(clean_text(heading[1]), heading[0])
            continue
        out.para(clean_text(stripped))
    return out.document("text")


_MD_ATX_START = re.compile(r" {0,3}(#{1,6})(?:[ \t]+|$)")


def atx_heading(line: str) -> tuple[int, str] | None:
    """`## 6) Goals ##` -> (2, "6) Goals"); None if the line is not an ATX heading.

    The closing hashes are stripped in Python: a regex for them backtracks quadratically on
    long runs of spaces.
    """
    match = _MD_ATX_START.match(line)
    if not match:
        return None
    text = line[match.end() :].strip()
    stripped = text.rstrip("#")
    if not stripped or stripped[-1] in " \t":
        text = stripped.strip()
    return len(match.group(1)), text
