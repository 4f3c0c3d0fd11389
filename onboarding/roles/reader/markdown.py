"""Markdown: `#` headings, paragraphs of joined lines, indented bullets, pipe tables."""
from __future__ import annotations

import re

from onboarding.roles.reader.document import Document
from onboarding.roles.reader.repair import clean_text
from onboarding.roles.reader.text import (
    TABLE_SEPARATOR,
    BlockStream,
    atx_heading,
    indent_width,
    split_row,
    unescape_entities,
)

_MD_BULLET = re.compile(r"^([ \t]*)(?:[-*+•]|\d{1,3}\.)[ \t]+(\S.*)$")

_MD_SETEXT = re.compile(r"^ {0,3}(=+|-{2,})[ \t]*$")
_MD_HR = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# No span can run past the next delimiter of its kind (`[^*...]`), so a line full of unmatched
# `*` or `[` is read in linear time; spans are bounded as well.
_MD_INLINE_SUBS = [
    (re.compile(r"!\[([^\[\]\n]{0,500})\]\([^()\n]{0,2000}\)"), r"\1"),
    (re.compile(r"\[([^\[\]\n]{1,500})\]\([^()\n]{0,2000}\)"), r"\1"),
    (re.compile(r"\[([^\[\]\n]{1,500})\]\[[^\[\]\n]{0,500}\]"), r"\1"),
    (re.compile(r"<(https?://[^<>\s]{1,2000})>"), r"\1"),
    (re.compile(r"`([^`\n]{0,500})`"), r"\1"),
    (re.compile(r"\*\*(?=[^\s*])([^*\n]{1,500}?)(?<=\S)\*\*"), r"\1"),
    (re.compile(r"__(?=[^\s_])([^_\n]{1,500}?)(?<=\S)__"), r"\1"),
    (re.compile(r"(?<![\w*\\])\*(?=[^\s*])([^*\n]{1,500}?)(?<=[^\s\\])\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w\\])_(?=[^\s_])([^_\n]{1,500}?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"~~(?=[^\s~])([^~\n]{1,500}?)(?<=\S)~~"), r"\1"),
    (re.compile(r"<br\s*/?>", re.IGNORECASE), " "),
    (re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]{0,2000})?/?>"), ""),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])"), r"\1"),
]


def _md_inline(text: str) -> str:
    """Markdown inline markup (emphasis, links, code) down to its plain text."""
    if any(mark in text for mark in "*_`[<\\~&"):
        for pattern, replacement in _MD_INLINE_SUBS:
            text = pattern.sub(replacement, text)
        text = unescape_entities(text)
    return clean_text(text)


def read_markdown(text: str) -> Document:
    """Markdown: `#` headings, paragraphs of joined lines, indented bullets, pipe tables."""
    lines = text.splitlines()
    out = BlockStream()
    para: list[str] = []
    fence: str | None = None
    start = 0
    if lines and lines[0].strip() == "---":  # YAML front matter
        for end in range(1, min(len(lines), 100)):
            if lines[end].strip() in ("---", "..."):
                start = end + 1
                break

    def flush_para() -> None:
        if para:
            text_ = _md_inline(" ".join(para))
            if text_:
                out.para(text_)
            para.clear()

    # Markdown joins consecutive lines into one paragraph, which is right for hand-written files
    # (wrapped lines, blank lines between paragraphs) and wrong for pasted ones that have no
    # blank lines at all: there, every line is its own paragraph, as in a plain-text paste.
    blank = sum(1 for line in lines if not line.strip())
    one_line_paragraphs = blank * 8 < len(lines) - blank
    previous_blank = True
    for index in range(start, len(lines)):
        raw = lines[index].rstrip()
        if raw.lstrip().startswith(">"):
            raw = re.sub(r"^\s*(?:>\s?)+", "", raw)
        stripped = raw.strip()
        if fence is not None:  # code is not part of a plan: keep its lines as paragraphs
            if stripped.startswith(fence):
                fence = None
            elif stripped:
                out.para(clean_text(stripped))
            continue
        fence_match = _MD_FENCE.match(raw)
        if fence_match:
            flush_para()
            out.end_list()
            out.end_table()
            fence = fence_match.group(1)[:3]
            continue
        if not stripped:
            flush_para()
            out.end_table()
            previous_blank = True
            continue
        was_blank, previous_blank = previous_blank, False
        if out.table is not None:
            if "|" in stripped:
                if not TABLE_SEPARATOR.match(stripped):
                    out.table.append([_md_inline(cell) for cell in split_row(stripped)])
                continue
            out.end_table()
        heading = atx_heading(raw)
        if heading:
            flush_para()
            out.end_list()
            text_ = _md_inline(heading[1])
            if text_:
                out.heading(text_, heading[0])
            continue
        setext = _MD_SETEXT.match(raw)
        if setext and para and out.list is None:
            level = 1 if setext.group(1).startswith("=") else 2
            text_ = _md_inline(" ".join(para))
            para.clear()
            if text_:
                out.heading(text_, level)
            continue
        if _MD_HR.match(raw):
            flush_para()
            out.end_list()
            continue
        if "|" in stripped and (
            stripped.startswith("|")
            or (index + 1 < len(lines) and TABLE_SEPARATOR.match(lines[index + 1]) and "|" in lines[index + 1])
        ):
            flush_para()
            out.end_list()
            out.table = [] if TABLE_SEPARATOR.match(stripped) else [
                [_md_inline(cell) for cell in split_row(stripped)]
            ]
            continue
        bullet = _MD_BULLET.match(raw)
        if bullet:
            flush_para()
            out.open_list().add(indent_width(bullet.group(1)), _md_inline(bullet.group(2)))
            continue
        if out.list is not None:
            indent = indent_width(raw[: len(raw) - len(raw.lstrip())])
            # An indented line continues the item above it. (CommonMark's "lazy" unindented
            # continuation is not followed: in pasted documents that line is a new heading.)
            if indent > out.list.last_indent and not was_blank:
                out.list.continue_last(_md_inline(stripped))
                continue
            out.end_list()
        para.append(stripped)
        if one_line_paragraphs:
            flush_para()
    flush_para()
    return out.document("markdown")
