"""PDF with a text layer ("Save as PDF" from a browser or Word), rebuilt into lines of text.

pdfplumber (on pdfminer.six) gives every line of a page with its position, font and size, the
vector marks a browser draws as list bullets, and the tables whose cells are ruled. From these
the reader rebuilds what the page showed: wrapped lines are joined back into one line, page
headers, footers and numbers are dropped, bullets and their indents become `- ` items and their
levels, larger type becomes `#` headings, and tables become pipe rows. The result is read by the
plain-text reader, so sections, phases and the nesting rule are the same as for a paste.
"""
from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass

from onboarding.roles.reader.model import BlueprintError
from onboarding.roles.reader.plan import is_plan_heading
from onboarding.roles.reader.sections import section_number

logger = logging.getLogger(__name__)

NO_TEXT = "this PDF has no text layer; export it from the original document"
_TEXT_BULLETS = "•◦▪‣·●○■□\uf0b7\uf0a7\uf076\uf0d8"
_TEXT_BULLET = re.compile(rf"^[{_TEXT_BULLETS}]\s*|^o\s+(?=\S)|^\d{{1,3}}\.\s+(?=\S)")
_DASH_ITEM = re.compile(r"^[-*–—]\s+\S")
_PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$|^[-–]\s*\d{1,4}\s*[-–]$", re.IGNORECASE
)
_DIGITS = re.compile(r"\d+")
_CID = re.compile(r"\(cid:\d+\)")
#: Share of the page height at its top and bottom where headers and footers live.
_MARGIN = 0.07


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    page: int
    bullet: bool = False
    #: width of the first word: a line wraps only when the next word did not fit
    first_word: float = 0.0
    table: list[list[str]] | None = None


def pdf_to_text(data: bytes) -> str:
    """The text of a PDF, rebuilt as a plain-text document; unreadable PDFs raise BlueprintError."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [_page_lines(page, number) for number, page in enumerate(pdf.pages)]
    except PDFPasswordIncorrect:
        raise BlueprintError("this PDF is password-protected; remove the password and try again") from None
    except BlueprintError:
        raise
    except Exception as exc:  # pdfminer raises many kinds for a broken file
        if "encrypt" in str(exc).lower() or "password" in str(exc).lower():
            raise BlueprintError("this PDF is encrypted; remove the password and try again") from None
        logger.info("unreadable PDF: %r", exc)
        raise BlueprintError("this PDF is damaged and cannot be read") from None
    lines = [line for page in pages for line in page[0]]
    if not any(line.text.strip() or line.table for line in lines):
        raise BlueprintError(NO_TEXT)
    lines = _without_furniture(pages)
    return "\n".join(_render(_join_wrapped(lines))) + "\n"


def _page_lines(page, number: int) -> tuple[list[_Line], float]:  # type: ignore[no-untyped-def]
    """A page's lines in reading order, its ruled tables in place, bullets marked."""
    tables = []
    if page.rects or page.lines:
        tables = [table for table in page.find_tables() if len(table.rows) >= 1]
    boxes = [table.bbox for table in tables]
    marks = [
        ((obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2, obj["x1"])
        for obj in page.curves + page.rects
        if obj["width"] <= 8 and obj["height"] <= 8
    ]
    lines: list[_Line] = []
    for raw in page.extract_text_lines(return_chars=True, strip=True):
        # A glyph the PDF maps to no character (pdfminer writes "(cid:N)") is a lost one.
        text = _CID.sub("\ufffd", raw["text"]) if "(cid:" in raw["text"] else raw["text"]
        if not text:
            continue
        middle = (raw["top"] + raw["bottom"]) / 2
        if any(x0 <= raw["x0"] <= x1 and top <= middle <= bottom for x0, top, x1, bottom in boxes):
            continue  # read with its table
        chars = raw["chars"]
        sizes = Counter(round(char["size"], 1) for char in chars)
        line = _Line(
            text=text, x0=raw["x0"], x1=raw["x1"], top=raw["top"], bottom=raw["bottom"],
            size=sizes.most_common(1)[0][0], bold="bold" in chars[0]["fontname"].lower(), page=number,
        )
        bullet = _TEXT_BULLET.match(text)
        if bullet:
            line.text = text[bullet.end():]
            line.bullet = True
            offset = min(bullet.end(), len(chars) - 1)
            line.x0 = chars[offset]["x0"]
        elif any(raw["top"] - 2 <= y <= raw["bottom"] + 2 and 0 < raw["x0"] - right < 24 for _, y, right in marks):
            line.bullet = True
        space = line.text.find(" ")
        start = next((c for c in chars if c["x0"] >= line.x0 - 0.5), chars[0])
        end = chars[min(len(chars) - 1, chars.index(start) + (space if space > 0 else len(line.text)))]
        line.first_word = end["x1"] - line.x0
        lines.append(line)
    for table in tables:
        rows = [[" ".join((cell or "").split()) for cell in row] for row in table.extract()]
        rows = [row for row in rows if any(row)]
        if rows:
            x0, top, x1, bottom = table.bbox
            lines.append(_Line("", x0, x1, top, bottom, 0.0, False, number, table=rows))
    lines.sort(key=lambda line: (round(line.top), line.x0))
    return lines, float(page.height)


def _without_furniture(pages: list[tuple[list[_Line], float]]) -> list[_Line]:
    """Drop page headers, footers and numbers: small or repeated lines in the page margins."""
    body_size = _body_size([line for lines, _ in pages for line in lines])
    repeated = Counter(
        _DIGITS.sub("#", line.text)
        for lines, height in pages
        for line in lines
        if line.table is None and _in_margin(line, height)
    )
    kept: list[_Line] = []
    for lines, height in pages:
        for line in lines:
            if line.table is None and _in_margin(line, height) and (
                _PAGE_NUMBER.match(line.text)
                or line.size < body_size * 0.85
                or (len(pages) > 1 and repeated[_DIGITS.sub("#", line.text)] > 1)
            ):
                continue
            kept.append(line)
    return kept


def _in_margin(line: _Line, height: float) -> bool:
    return line.bottom < height * _MARGIN * 1.3 or line.top > height * (1 - _MARGIN)


def _body_size(lines: list[_Line]) -> float:
    sizes = Counter()
    for line in lines:
        if line.table is None:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _join_wrapped(lines: list[_Line]) -> list[_Line]:
    """Join each wrapped line to the line it continues (across a page break too)."""
    if not lines:
        return []
    right = {}
    for line in lines:
        if line.table is None:
            right[line.page] = max(right.get(line.page, 0.0), line.x1)
    joined: list[_Line] = []
    for line in lines:
        previous = joined[-1] if joined else None
        if previous is not None and _continues(previous, line, right.get(previous.page, previous.x1)):
            # A line broken after a hyphen ("team-" / "dependent") keeps the word whole.
            hyphen = previous.text.endswith("-") and previous.text[-2:-1].isalpha()
            previous.text = f"{previous.text}{'' if hyphen else ' '}{line.text}"
            previous.x1, previous.bottom, previous.page = line.x1, line.bottom, line.page
            continue
        joined.append(line)
    return joined


def _continues(previous: _Line, line: _Line, right_edge: float) -> bool:
    if previous.table is not None or line.table is not None or line.bullet:
        return False
    if _DASH_ITEM.match(line.text) or abs(previous.size - line.size) > 0.5 or previous.bold != line.bold:
        return False
    if abs(previous.x0 - line.x0) > 2:
        return False
    if is_plan_heading(line.text) or section_number(line.text):
        return False  # a phase or section heading always starts a line of its own
    if line.text.startswith("|") and previous.text.endswith("|"):
        return False  # the next row of a pipe table
    height = previous.bottom - previous.top
    if line.page == previous.page and line.top - previous.bottom > height * 0.8:
        return False
    # The previous line was full: the first word of this one did not fit after it.
    return previous.x1 + line.first_word + height * 0.6 > right_edge


def _render(lines: list[_Line]) -> list[str]:
    """Lines of a plain-text document: `#` headings, indented `- ` items, pipe-table rows."""
    body_size = _body_size(lines)
    heading_sizes = sorted({line.size for line in lines if line.size > body_size * 1.12}, reverse=True)
    levels: list[float] = []  # the indents of bullet levels, a few points apart at least
    for x0 in sorted(line.x0 for line in lines if line.bullet):
        if not levels or x0 - levels[-1] > 4:
            levels.append(x0)
    out: list[str] = []
    for line in lines:
        if line.table is not None:
            out.append("")
            for number, row in enumerate(line.table):
                out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
                if number == 0:
                    out.append("|" + "---|" * len(row))
            out.append("")
        elif line.bullet:
            level = max((i for i, x0 in enumerate(levels) if x0 <= line.x0 + 4), default=0)
            out.append("    " * level + "- " + line.text)
        elif line.size in heading_sizes:
            level = min(heading_sizes.index(line.size) + 1, 6)
            out.append("#" * level + " " + line.text)
        else:
            out.append(line.text)
    return out
