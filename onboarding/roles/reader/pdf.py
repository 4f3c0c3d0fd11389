"""PDF with a text layer ("Save as PDF" from a browser or Word), rebuilt into lines of text.

PDFium (through pypdfium2) gives every character of a page with its box, font and size, and the
vector paths: small marks are the list bullets a browser draws, thin lines are the rules of a
table's cells. From these the reader rebuilds what the page showed: characters into lines,
wrapped lines joined back into one, page headers, footers and numbers dropped, bullets and their
indents as `- ` items and their levels, larger type as `#` headings, ruled tables as pipe rows.
The result is read by the plain-text reader, so sections, phases and the nesting rule are the
same as for a paste.
"""
from __future__ import annotations

import bisect
import logging
import re
from collections import Counter
from dataclasses import dataclass
from math import inf

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
        pages = []
        for number in range(len(pdf)):
            page = pdf[number]
            textpage = page.get_textpage()
            try:
                pages.append(_pdfium_lines(page, textpage, number))
            finally:  # closed here, not by the garbage collector after the document
                textpage.close()
                page.close()
    except BlueprintError:
        raise
    except Exception as exc:  # pdfium and ctypes errors alike: the file cannot be read
        logger.info("unreadable PDF: %r", exc)
        raise BlueprintError("this PDF is damaged and cannot be read") from None
    finally:
        pdf.close()
    lines = [line for page in pages for line in page[0]]
    if not any(line.text.strip() or line.table for line in lines):
        raise BlueprintError(NO_TEXT)
    lines = _without_furniture(pages)
    return "\n".join(_render(_join_wrapped(lines))) + "\n"


def _pdfium_lines(page, textpage, number: int) -> tuple[list[_Line], float]:
    """A page's text lines as PDFium assembles them (in C, which is what makes it fast), with
    their position, size and weight, bullets marked, and the text of ruled tables in cells."""
    import ctypes

    import pypdfium2.raw as raw

    height = page.get_height()
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
    rules: list[tuple[float, float, float, float]] = []  # (top, left, bottom, right) of thin lines
    # Through the raw API: a Python object for each of a page's thousands of paths costs more
    # than reading the page's text.
    bounds = [ctypes.c_float() for _ in range(4)]
    refs = [ctypes.byref(value) for value in bounds]
    get_object, get_type, get_bounds = raw.FPDFPage_GetObject, raw.FPDFPageObj_GetType, raw.FPDFPageObj_GetBounds
    for position in range(raw.FPDFPage_CountObjects(page.raw)):
        obj = get_object(page.raw, position)
        if get_type(obj) != raw.FPDF_PAGEOBJ_PATH or not get_bounds(obj, *refs):
            continue
        left, bottom, right, top = (value.value for value in bounds)
        width, tall = right - left, top - bottom
        if width <= 8 and tall <= 8:
            marks.append((height - (top + bottom) / 2, right))
        elif (tall <= 2 and width > 10) or (width <= 2 and tall > 5):
            rules.append((height - top, left, height - bottom, right))
    marks.sort()
    grids = _grids(rules)
    lines: list[_Line] = []
    font = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    for chars in _char_lines(textpage, text, count):
        line_text = "".join(char for char, _ in chars).replace("\ufffe", "\ufffd")
        if grids and _into_cells(height, chars, grids):
            continue
        boxes = [box for _, box in chars if box is not None]
        first = chars[0][1] or boxes[0]
        raw.FPDFText_GetFontInfo(handle, first[4], font, 128, ctypes.byref(flags))
        line = _Line(
            text=line_text, x0=first[0], x1=max(box[2] for box in boxes),
            top=height - max(box[3] for box in boxes), bottom=height - min(box[1] for box in boxes),
            size=round(raw.FPDFText_GetFontSize(handle, first[4]), 1),
            bold=b"bold" in font.value.lower(), page=number,
        )
        bullet = _TEXT_BULLET.match(line_text)
        if bullet:
            rest = [box for _, box in chars[bullet.end():] if box is not None] or [first]
            line.text = line_text[bullet.end():]
            line.bullet = True
            line.x0 = rest[0][0]
            line.size = round(raw.FPDFText_GetFontSize(handle, rest[0][4]), 1)
        else:
            nearby = marks[bisect.bisect_left(marks, (line.top - 2,)) : bisect.bisect_right(marks, (line.bottom + 2, inf))]
            line.bullet = any(0 < line.x0 - edge < 24 for _, edge in nearby)
        word = chars[len(line_text) - len(line.text):]
        space = next((n for n, (char, _) in enumerate(word) if char == " "), len(word))
        word_boxes = [box for _, box in word[:space] if box is not None]
        line.first_word = (word_boxes[-1][2] if word_boxes else line.x1) - line.x0
        lines.append(line)
    for grid in grids:
        rows = [[" ".join("".join(cell).split()) for cell in row] for row in grid.cells]
        rows = [row for row in rows if any(row)]
        if rows:
            lines.append(_Line("", grid.xs[0], grid.xs[-1], grid.ys[0], grid.ys[-1], 0.0, False, number, table=rows))
    lines.sort(key=lambda line: (round(line.top), line.x0))
    return lines, height


@dataclass
class _Grid:
    """A ruled table: the positions of its row and column lines, and the text of each cell."""

    ys: list[float]
    xs: list[float]
    cells: list[list[list[str]]]
    #: the line of text each cell last took characters from (a new line is a new word)
    last_line: dict[tuple[int, int], int]


def _grids(rules: list[tuple[float, float, float, float]]) -> list[_Grid]:
    """Tables drawn with ruled cells: thin lines that touch, grouped top to bottom."""
    groups: list[list[tuple[float, float, float, float]]] = []
    box: list[float] = []
    for rule in sorted(rules):
        top, left, bottom, right = rule
        if groups and top <= box[2] + 3 and left <= box[3] + 3 and right >= box[1] - 3:
            groups[-1].append(rule)
            box = [min(box[0], top), min(box[1], left), max(box[2], bottom), max(box[3], right)]
        else:
            groups.append([rule])
            box = list(rule)
    grids = []
    for group in groups:
        ys = _positions([(top + bottom) / 2 for top, left, bottom, right in group if bottom - top <= 2])
        xs = _positions([(left + right) / 2 for top, left, bottom, right in group if right - left <= 2])
        if len(ys) >= 2 and len(xs) >= 2:
            cells: list[list[list[str]]] = [[[] for _ in range(len(xs) - 1)] for _ in range(len(ys) - 1)]
            grids.append(_Grid(ys, xs, cells, {}))
    return grids


def _positions(values: list[float]) -> list[float]:
    """Distinct positions of lines (the two edges of one drawn border are one position)."""
    found: list[float] = []
    for value in sorted(values):
        if not found or value - found[-1] > 2:
            found.append(value)
    return found


def _char_lines(textpage, text: str, count: int) -> list[list[tuple[str, tuple | None]]]:
    """The page's characters grouped into lines by their boxes, each with its box (None for a
    space): PDFium's own line breaks are not used, they split some pages at every glyph."""
    lines: list[list[tuple[str, tuple | None]]] = []
    current: list[tuple[str, tuple | None]] = []
    low = right = size = 0.0
    space = False
    get_box = textpage.get_charbox
    for index in range(count):
        char = text[index]
        if char in "\r\n":
            continue
        if char.isspace():
            space = True
            continue
        left, bottom, box_right, top = get_box(index, loose=True)
        tall = top - bottom
        if current and abs(bottom - low) <= max(tall, size) * 0.4 and left >= right - max(tall, size):
            if space or left - right > tall * 0.2:
                current.append((" ", None))
        else:
            if current:
                lines.append(current)
            current = []
            low, size = bottom, tall
        current.append((char, (left, bottom, box_right, top, index)))
        right = box_right
        space = False
    if current:
        lines.append(current)
    return lines


def _into_cells(height: float, chars: list[tuple[str, tuple | None]], grids: list[_Grid]) -> bool:
    """Put a line's characters into the cells of the table it lies in; False if it lies in none."""
    left, low, _, high, first = chars[0][1]  # type: ignore[misc]
    middle = height - (low + high) / 2
    grid = next((g for g in grids if g.ys[0] <= middle <= g.ys[-1] and g.xs[0] - 1 <= left <= g.xs[-1]), None)
    if grid is None:
        return False
    row = min(max(bisect.bisect(grid.ys, middle) - 1, 0), len(grid.ys) - 2)
    where: tuple[int, int] | None = None
    for char, box in chars:
        if box is None:
            if where is not None:
                grid.cells[where[0]][where[1]].append(" ")
            continue
        column = min(max(bisect.bisect(grid.xs, (box[0] + box[2]) / 2) - 1, 0), len(grid.xs) - 2)
        where = (row, column)
        cell = grid.cells[row][column]
        if grid.last_line.get(where, first) != first and cell:
            cell.append(" ")  # the cell's text wrapped onto this line
        grid.last_line[where] = first
        cell.append(char)
    return True


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
    sizes: Counter[float] = Counter()
    for line in lines:
        if line.table is None:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _join_wrapped(lines: list[_Line]) -> list[_Line]:
    """Join each wrapped line to the line it continues (across a page break too)."""
    if not lines:
        return []
    right: dict[int, float] = {}
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
