"""PDF with a text layer ("Save as PDF" from a browser or Word), rebuilt into lines of text.

PDFium (through pypdfium2) assembles each page's text into lines in C and gives every character
its box, font and size, and the vector marks a browser draws as list bullets; on pages with
ruled lines, pdfplumber (on pdfminer.six) finds the tables, which it does well and PDFium does
not do at all. From these the reader rebuilds what the page showed: wrapped lines are joined
back into one line, page headers, footers and numbers are dropped, bullets and their indents
become `- ` items and their levels, larger type becomes `#` headings, and tables become pipe
rows. The result is read by the plain-text reader, so sections, phases and the nesting rule are
the same as for a paste.
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
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise BlueprintError("this PDF is password-protected; remove the password and try again") from None
        raise BlueprintError("this PDF is damaged and cannot be read") from None
    try:
        if len(pdf) == 0:
            raise BlueprintError("this PDF is damaged and cannot be read")
        pages: list[tuple[list[_Line], float]] = []
        ruled: list[int] = []
        for number in range(len(pdf)):
            lines, height, has_rules = _pdfium_lines(pdf[number], number)
            pages.append((lines, height))
            if has_rules:
                ruled.append(number)
    except BlueprintError:
        raise
    except Exception as exc:  # pdfium and ctypes errors alike: the file cannot be read
        logger.info("unreadable PDF: %r", exc)
        raise BlueprintError("this PDF is damaged and cannot be read") from None
    finally:
        pdf.close()
    if ruled:
        _add_tables(data, ruled, pages)
    lines = [line for page in pages for line in page[0]]
    if not any(line.text.strip() or line.table for line in lines):
        raise BlueprintError(NO_TEXT)
    lines = _without_furniture(pages)
    return "\n".join(_render(_join_wrapped(lines))) + "\n"


def _pdfium_lines(page, number: int) -> tuple[list[_Line], float, bool]:  # type: ignore[no-untyped-def]
    """A page's text lines as PDFium assembles them (in C, which is what makes it fast), with
    their position, size and weight, bullets marked; and whether the page has ruled lines."""
    import ctypes

    import pypdfium2.raw as raw

    height = page.get_height()
    textpage = page.get_textpage()
    count = textpage.count_chars()
    # One character per index (get_text_range() leaves out glyphs that map to no character,
    # which would shift every position after them); those are lost glyphs for the repair.
    unicode = raw.FPDFText_GetUnicode
    handle = textpage.raw
    codes = [unicode(handle, index) or 0xFFFD for index in range(count)]
    for index, code in enumerate(codes):
        if 0xD800 <= code < 0xDC00 and index + 1 < count:  # a pair of UTF-16 halves (emoji)
            codes[index] = 0x10000 + ((code - 0xD800) << 10) + (codes[index + 1] - 0xDC00)
            codes[index + 1] = 0x200B  # keeps the positions; invisible, and removed later
    text = "".join(map(chr, codes))
    marks: list[tuple[float, float]] = []  # (middle from the top, right edge) of small marks
    rules = 0
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        width, tall = right - left, top - bottom
        if width <= 8 and tall <= 8:
            marks.append((height - (top + bottom) / 2, right))
        elif (tall <= 2 and width > 10) or (width <= 2 and tall > 5):
            rules += 1
    lines: list[_Line] = []
    font = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    start = 0
    for segment in text.split("\r\n"):
        first = start + len(segment) - len(segment.lstrip())
        last = start + len(segment.rstrip()) - 1
        start += len(segment) + 2
        if last < first:
            continue
        line_text = text[first : last + 1].replace("\ufffe", "\ufffd")
        left, low, _, high = textpage.get_charbox(first, loose=True)
        _, low_end, right, high_end = textpage.get_charbox(last, loose=True)
        raw.FPDFText_GetFontInfo(textpage.raw, first, font, 128, ctypes.byref(flags))
        line = _Line(
            text=line_text, x0=left, x1=right, top=height - max(high, high_end),
            bottom=height - min(low, low_end), size=round(raw.FPDFText_GetFontSize(textpage.raw, first), 1),
            bold=b"bold" in font.value.lower(), page=number,
        )
        bullet = _TEXT_BULLET.match(line_text)
        if bullet:
            line.text = line_text[bullet.end():]
            line.bullet = True
            line.x0 = textpage.get_charbox(min(first + bullet.end(), last), loose=True)[0]
            line.size = round(raw.FPDFText_GetFontSize(textpage.raw, min(first + bullet.end(), last)), 1)
        elif any(line.top - 2 <= middle <= line.bottom + 2 and 0 < line.x0 - edge < 24 for middle, edge in marks):
            line.bullet = True
        space = line.text.find(" ")
        word_end = first + (len(line_text) - len(line.text)) + (space - 1 if space > 0 else len(line.text) - 1)
        line.first_word = textpage.get_charbox(min(word_end, last), loose=True)[2] - line.x0
        lines.append(line)
    lines.sort(key=lambda line: (round(line.top), line.x0))
    return lines, height, rules >= 4


def _add_tables(data: bytes, numbers: list[int], pages: list[tuple[list[_Line], float]]) -> None:
    """Ruled tables, found by pdfplumber on the pages that have ruled lines, replace the lines
    of text inside them."""
    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for number in numbers:
                lines, height = pages[number]
                tables = [t for t in pdf.pages[number].find_tables() if t.rows]
                for table in tables:
                    x0, top, x1, bottom = table.bbox
                    rows = [[" ".join((cell or "").split()) for cell in row] for row in table.extract()]
                    rows = [row for row in rows if any(row)]
                    lines[:] = [
                        line for line in lines
                        if not (x0 - 1 <= line.x0 <= x1 and top - 1 <= (line.top + line.bottom) / 2 <= bottom + 1)
                    ]
                    if rows:
                        lines.append(_Line("", x0, x1, top, bottom, 0.0, False, number, table=rows))
                lines.sort(key=lambda line: (round(line.top), line.x0))
    except Exception as exc:  # the text is still read; only the tables are missing
        logger.info("tables of a PDF could not be read: %r", exc)


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
