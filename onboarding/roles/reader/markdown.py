"""Markdown, read by markdown-it-py (CommonMark with tables): headings, paragraphs, real nesting.

markdown-it does the parsing (emphasis, links, escapes, entities, setext headings, fences,
tables); this module turns its tokens into the reader's blocks, with two departures from
CommonMark that pasted documents need:

- A document with almost no blank lines was pasted from a page: every line is its own
  paragraph there, not one soft-wrapped paragraph.
- A line under a list item that is not indented starts something new (in pasted documents it is
  the next heading), where CommonMark would fold it into the item ("lazy continuation").
"""
from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from onboarding.roles.reader.document import Document
from onboarding.roles.reader.repair import clean_text
from onboarding.roles.reader.text import TABLE_SEPARATOR, BlockStream, split_row

# Indented code is off: an indented line in a pasted document is a sub-item or a continuation.
_MD = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough").disable("code")
#: The same parser without the inline pass, which is run per paragraph below.
_BLOCKS = MarkdownIt("commonmark", {"html": True}).enable("table").disable("code").disable("inline")
#: markdown-it-py reads inline markup in linear time but in pure Python (about 20 us a
#: delimiter); a paragraph longer than this is no prose anyone wrote, and is kept as it is.
_MAX_INLINE = 20_000
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]{0,2000})?/?>")


def _front_matter(lines: list[str]) -> int:
    """The line after YAML front matter (`---` ... `---`), or 0."""
    if lines and lines[0].strip() == "---":
        for end in range(1, min(len(lines), 100)):
            if lines[end].strip() in ("---", "..."):
                return end + 1
    return 0


def _inline_lines(token: Token) -> list[str]:
    """The plain text of an inline token, one string per source line (soft breaks split)."""
    if len(token.content) > _MAX_INLINE:
        return token.content.splitlines() or [""]
    lines: list[str] = [""]
    for child in _MD.parseInline(token.content)[0].children or []:
        kind = child.type
        if kind in ("text", "code_inline"):
            lines[-1] += child.content
        elif kind == "softbreak":
            lines.append("")
        elif kind == "hardbreak":
            lines[-1] += " "
        elif kind == "image":
            lines[-1] += "".join(c.content for c in child.children or [])
        elif kind == "html_inline":
            if _BR.fullmatch(child.content.strip()):
                lines[-1] += " "
    return lines


def _html_text(content: str) -> list[str]:
    """An HTML block's lines with the tags taken out (the text of a pasted snippet stays)."""
    return [clean_text(_TAG.sub("", _BR.sub(" ", line))) for line in content.splitlines()]


def read_markdown(text: str) -> Document:
    """Markdown: `#` headings, paragraphs of joined lines, indented bullets, pipe tables."""
    lines = text.splitlines()
    start = _front_matter(lines)
    source = lines[start:]
    blank = sum(1 for line in lines if not line.strip())
    one_line_paragraphs = blank * 8 < len(lines) - blank
    tokens = _BLOCKS.parse("\n".join(source))
    out = BlockStream()
    depth = 0  # list nesting
    item_indents: list[int] = []  # content column of each open list item
    item_has_text: list[bool] = []
    row: list[str] | None = None
    heading_level = 0

    def indent_of(line_number: int) -> int:
        line = source[line_number] if line_number < len(source) else ""
        return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())

    for index, token in enumerate(tokens):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            if depth == 0:
                out.end_list()
        elif kind == "list_item_open":
            marker_line = token.map[0] if token.map else 0
            item_indents.append(indent_of(marker_line) + 1)
            item_has_text.append(False)
        elif kind == "list_item_close":
            item_indents.pop()
            item_has_text.pop()
        elif kind == "heading_open":
            heading_level = int(token.tag[1])
        elif kind == "table_open":
            out.end_list()
            out.open_table()
        elif kind == "table_close":
            out.end_table()
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            if out.table is not None and row is not None:
                out.table.append(row)
            row = None
        elif kind in ("fence", "code_block"):
            # Code is not part of a plan: keep its lines as paragraphs.
            out.end_list()
            for line in token.content.splitlines():
                if line.strip():
                    out.para(clean_text(line))
        elif kind == "html_block":
            for line in _html_text(token.content):
                if line:
                    out.para(line)
        elif kind == "inline":
            parent = tokens[index - 1].type if index else ""
            texts = _inline_lines(token)
            if parent == "heading_open":
                text = clean_text(" ".join(texts))
                out.end_list()
                if text:
                    out.heading(text, heading_level)
            elif row is not None:
                row.append(clean_text(" ".join(texts)))
            elif depth and item_indents:
                _list_paragraph(out, token, texts, depth, item_indents[-1], item_has_text, indent_of)
            else:
                _paragraph(out, texts, one_line_paragraphs)
    return out.document("markdown")


def _list_paragraph(out, token, texts, depth, content_indent, item_has_text, indent_of) -> None:
    """A paragraph inside a list item: the item's text, up to a line that is not indented."""
    first_line = token.map[0] if token.map else 0
    if item_has_text[-1]:
        # A second paragraph (after a blank line) is no longer the item: the list ends there.
        out.end_list()
        for text in texts:
            _paragraph(out, [text], True)
        return
    item_has_text[-1] = True
    kept = [texts[0]]
    rest: list[str] = []
    for offset, text in enumerate(texts[1:], start=1):
        if rest or indent_of(first_line + offset) < min(content_indent, 2):
            rest.append(text)  # a lazy continuation line: it starts something new
        else:
            kept.append(text)
    builder = out.open_list()
    builder.add(depth, clean_text(" ".join(kept)))
    if rest:
        out.end_list()
        _paragraph(out, rest, True)


def _paragraph(out: BlockStream, texts: list[str], one_line: bool) -> None:
    """A paragraph's lines: one paragraph, or one per line in a pasted document; pipe rows that
    markdown-it did not take for a table (no `|---|` line) are still a table."""
    if texts and all(text.strip().startswith("|") for text in texts):
        table = out.open_table()
        for text in texts:
            if not TABLE_SEPARATOR.match(text):
                table.append([clean_text(cell) for cell in split_row(text)])
        out.end_table()
        return
    out.end_list()
    for text in texts if one_line else [" ".join(texts)]:
        text = clean_text(text)
        if text:
            out.para(text)
