"""Recognising a document's format from its content (never its name), and sending it to its reader."""
from __future__ import annotations

import re

from onboarding.roles.reader import export
from onboarding.roles.reader.document import Document
from onboarding.roles.reader.docx import docx_to_html, is_docx, refuse_ole
from onboarding.roles.reader.html import read_html
from onboarding.roles.reader.markdown import read_markdown
from onboarding.roles.reader.pdf import pdf_to_text
from onboarding.roles.reader.repair import repair_mojibake, repair_warning, strip_invisible
from onboarding.roles.reader.text import read_text
from onboarding.roles.reader.wordpress import read_json

# JSON, not just text that starts with a bracket ("[Back to blog](/blog) ..." is Markdown).
_JSON_START = re.compile(r"""\s*(?:\{\s*(?:"|\}|$)|\[\s*(?:[\[{"\]\d-]|true|false|null|$))""")
_HTML_PAGE = re.compile(r"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
_HTML_BLOCK_TAG = re.compile(r"<(?:h[1-6]|ul|ol|li|p|table|div|article|section)[\s>/]", re.I)
_HTML_HEADING_TAG = re.compile(r"<h[1-6][\s>]", re.IGNORECASE)
_HTML_CLOSING_TAG = re.compile(r"</(?:h[1-6]|ul|ol|li|p|table|div|article|section)>", re.IGNORECASE)
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)
_MD_SECTION_HEADING = re.compile(r"^ {0,3}#{2,3}[ \t]+\S", re.MULTILINE)


def detect_format(text: str) -> str:
    """The format of a decoded document, judged from its content (never from a file name).

    Returns one of `json`, `export-yaml`, `html`, `html-fragment`, `markdown`, `text`; `json`
    is refined later into a WordPress post or an export once it is loaded.
    """
    if _JSON_START.match(text):
        return "json"
    head = text[:200_000]
    if export.looks_like_yaml_export(head):
        return "export-yaml"
    if _HTML_PAGE.search(head[:4000]):
        return "html"
    md_headings = len(_MD_HEADING.findall(head))
    if (
        len(_HTML_BLOCK_TAG.findall(head)) >= 3
        and len(_HTML_CLOSING_TAG.findall(head)) >= 2  # real markup, not prose about "<p>"
        and len(_HTML_HEADING_TAG.findall(head)) >= md_headings
    ):
        return "html-fragment"
    if md_headings >= 2 or (md_headings and _MD_SECTION_HEADING.search(head)):
        return "markdown"
    return "text"


def read_documents(text: str, source: str) -> list[Document]:
    """Split a decoded file into documents (one, or one per post of a WordPress list)."""
    fmt = detect_format(text)
    if fmt == "json":
        return read_json(text, source)
    if fmt == "export-yaml":
        roles = export.load_export(text, "yaml", source)
        return [Document(format="export-yaml", roles=roles)]
    return [_read_markup(text, fmt)]


def read_binary_documents(data: bytes) -> list[Document] | None:
    """A Word or PDF document, recognised from its bytes; None for anything else.

    These come before the text checks, which would refuse them as binary data.
    """
    if data[:1024].lstrip().startswith(b"%PDF-"):
        doc = _read_markup(pdf_to_text(data), "text")
        doc.format = "pdf"
        return [doc]
    if is_docx(data):
        doc = _read_markup(docx_to_html(data), "html-fragment")
        doc.format = "docx"
        return [doc]
    refuse_ole(data)
    return None


def _read_markup(text: str, fmt: str) -> Document:
    """HTML, Markdown or plain text, repaired first (with the warning that says so)."""
    text, repaired = repair_mojibake(strip_invisible(text))
    warnings = [repair_warning(repaired)] if repaired else []
    if fmt in ("html", "html-fragment"):
        doc = read_html(text, page=fmt == "html")
    elif fmt == "markdown":
        doc = read_markdown(text)
    else:
        doc = read_text(text)
    doc.warnings = warnings + doc.warnings
    return doc
