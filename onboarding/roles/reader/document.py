"""The block stream every format is read into: documents, their blocks and list items.

Every format (a WordPress REST post, a saved HTML page, an HTML fragment, Markdown, a plain-text
paste) becomes the same stream of `Block`s: headings, paragraphs, lists (with real nesting where
the source had it) and tables. The section, phase and nesting rules only ever see blocks, so
they are written once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from onboarding.roles.reader.model import ParsedRole


@dataclass(slots=True)  # a 5 MB page makes tens of thousands: slots make them faster to build
class Item:
    """One list item; `children` hold real nesting from the source (nested list, indent)."""

    text: str
    children: list[Item] = field(default_factory=list)


@dataclass
class Block:
    """A unit of document structure: `heading`, `para`, `list` or `table`."""

    kind: str
    text: str = ""
    level: int = 0
    items: list[Item] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Document:
    """One document (or one post of a list) ready for `parse.py`, or the roles of an export."""

    format: str
    blocks: list[Block] = field(default_factory=list)
    #: A title given by the container itself (the WordPress post title, before its colon).
    title: str = ""
    #: Title candidates from the page (<h1>, <title>, Markdown `#`), best first.
    headings: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: How to name this document in an error when it is one of several in a file.
    label: str = ""
    #: For an export file: its roles, already complete.
    roles: list[ParsedRole] | None = None
