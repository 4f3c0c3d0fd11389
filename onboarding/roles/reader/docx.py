"""Word documents (.docx, as Word, LibreOffice and Google Docs write them), read through HTML.

python-docx opens the package (the ZIP, its relationships, the styles part); the body is then
read straight from its WordprocessingML with lxml: headings from the heading styles (or an
outline level), list items and their levels from the paragraph's numbering (or its list
style's), tables from the document's tables. Page headers, footers and footnotes live in other
parts and are not read. The result is written as simple HTML for the HTML reader, so sections,
the nesting rule and the KPI table work exactly as for a web page. (mammoth does the same and
more, in pure Python: 1.3 s of CPU for 50 pages, against the 1 s issue 11 allows.)
"""
from __future__ import annotations

import html
import io
import re
import zipfile

from onboarding.roles.reader.model import BlueprintError

#: A .docx expands to far more than its size; this much XML is no role description.
MAX_UNCOMPRESSED = 200_000_000

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^(?:heading\s*([1-6])|title)$", re.IGNORECASE)
_LIST_STYLE = re.compile(r"^list\s*(?:bullet|number|continue)?\s*([2-9])?$", re.IGNORECASE)
def is_docx(data: bytes) -> bool:
    """A ZIP container holding `word/document.xml` (judged from the bytes, not the name)."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        # A damaged Word file still names its main part near the start.
        return b"word/document.xml" in data[:100_000] or b"[Content_Types].xml" in data[:1000]


def refuse_ole(data: bytes) -> None:
    """Word's password protection wraps the .docx in an OLE container; old .doc files use one too."""
    if not data.startswith(_OLE):
        return
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise BlueprintError("this Word document is password-protected; remove the password and save it again")
    raise BlueprintError("this is an old Word .doc file; save it as .docx and try again")


def docx_to_html(data: bytes) -> str:
    """The document's body as HTML; a damaged file is a one-line `BlueprintError`."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
                raise BlueprintError("this Word document expands to more than the size limit")
        import docx

        document = docx.Document(io.BytesIO(data))
        styles = _styles(document)
        out: list[str] = []
        _body(document.element.body, styles, out)
    except BlueprintError:
        raise
    except Exception:  # zipfile, XML and python-docx errors alike: not a readable .docx
        raise BlueprintError("this Word document is damaged and cannot be read") from None
    return "".join(out)


def _attr(element, path: str) -> str | None:
    found = element.find(path)
    return None if found is None else found.get(f"{_W}val")


def _styles(document) -> dict[str, tuple[int, int]]:
    """Paragraph style id -> (heading level, list level), 0 where it is neither; through basedOn."""
    raw: dict[str, tuple[str, str | None, int, int]] = {}
    for style in document.styles.element.iterfind(f"{_W}style"):
        style_id = style.get(f"{_W}styleId") or ""
        name = _attr(style, f"{_W}name") or style_id
        heading = _HEADING_STYLE.match(name.strip())
        level = int(heading.group(1) or 1) if heading else 0
        outline = _attr(style, f"{_W}pPr/{_W}outlineLvl")
        if not level and outline is not None and outline.isdigit() and int(outline) < 6:
            level = int(outline) + 1
        listed = _LIST_STYLE.match(name.strip())
        list_level = 0
        if style.find(f"{_W}pPr/{_W}numPr") is not None or (listed and listed.group(1)):
            list_level = int(listed.group(1)) if listed and listed.group(1) else int(
                _attr(style, f"{_W}pPr/{_W}numPr/{_W}ilvl") or 0) + 1
        raw[style_id] = (name, _attr(style, f"{_W}basedOn"), level, list_level)

    def resolve(style_id: str, depth: int = 0) -> tuple[int, int]:
        name, based_on, level, list_level = raw[style_id]
        if (level or list_level) or not based_on or based_on not in raw or depth > 10:
            return level, list_level
        return resolve(based_on, depth + 1)

    return {style_id: resolve(style_id) for style_id in raw}


def _text(element) -> str:
    """A paragraph's text: its runs' text, tabs and breaks as spaces, deleted text left out."""
    parts = []
    for node in element.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}delText"):
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag != f"{_W}delText":
            parts.append(" ")
    return "".join(parts)


def _body(body, styles: dict[str, tuple[int, int]], out: list[str]) -> None:
    open_levels = 0  # nested <ul>s open for the list being written

    def close_to(level: int) -> None:
        nonlocal open_levels
        while open_levels > level:
            out.append("</li></ul>")
            open_levels -= 1

    for element in body.iterchildren():
        tag = element.tag
        if tag == f"{_W}sdt":  # a content control (Google Docs, templates): read what it holds
            content = element.find(f"{_W}sdtContent")
            if content is not None:
                close_to(0)
                _body(content, styles, out)
            continue
        if tag == f"{_W}tbl":
            close_to(0)
            out.append("<table>")
            for row in element.iterfind(f"{_W}tr"):
                cells = [
                    " ".join(_text(p) for p in cell.iterfind(f".//{_W}p"))
                    for cell in row.iterfind(f"{_W}tc")
                ]
                out.append("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells) + "</tr>")
            out.append("</table>")
            continue
        if tag != f"{_W}p":
            continue
        text = html.escape(_text(element))
        style = _attr(element, f"{_W}pPr/{_W}pStyle") or ""
        heading, list_level = styles.get(style, (0, 0))
        outline = _attr(element, f"{_W}pPr/{_W}outlineLvl")
        if outline is not None and outline.isdigit() and int(outline) < 6:
            heading = int(outline) + 1
        numbering = element.find(f"{_W}pPr/{_W}numPr")
        if numbering is not None:
            num_id = _attr(numbering, f"{_W}numId")
            if num_id == "0":
                list_level = 0  # numbering switched off for this paragraph
            else:
                level = _attr(numbering, f"{_W}ilvl")
                list_level = int(level) + 1 if level and level.isdigit() else max(list_level, 1)
        if heading and not list_level:
            close_to(0)
            out.append(f"<h{heading}>{text}</h{heading}>")
        elif list_level:
            list_level = min(list_level, open_levels + 1)  # a level cannot be skipped
            if list_level > open_levels:
                out.append("<ul><li>")
                open_levels += 1
            else:
                close_to(list_level)
                out.append("</li><li>")
            out.append(text)
        else:
            close_to(0)
            out.append(f"<p>{text}</p>")
    close_to(0)
