"""Turning raw bytes into clean text: decoding, mojibake repair, odd spaces, page noise.

Documents arrive pasted from web pages, saved by browsers, or exported from a CMS, so the text is
often subtly damaged. Everything here is conservative: it only changes what can be inferred, and
it counts what it repaired so the import can warn about it.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import ftfy
import ftfy.badness

from onboarding.roles.reader.model import BlueprintError

# The glyphs that stand for a lost character. `โ` (THAI CHARACTER SARA E) is what the lead byte
# 0xE2 of ’ “ ” – — → becomes when UTF-8 is read as Thai cp874 (the two following bytes are
# lost); U+FFFD is what a lossy decoder leaves. Both are repaired by the same rules.
_DAMAGE = re.compile("[\u0e42\ufffd]")
_OTHER_THAI = re.compile("[\u0e01-\u0e41\u0e43-\u0e7f]")
_LATIN_LETTER = re.compile("[A-Za-z]")

# Bytes 0x80-0xBF as they look after being decoded as cp1252 (undefined cp1252 bytes fall back to
# their latin-1 code point, which is what most tools do): the "continuation" characters of
# UTF-8-read-as-cp1252 mojibake such as `â€™` or `Ã©`.
_CP1252_BYTE: dict[str, int] = {}
for _byte in range(0x80, 0x100):
    try:
        _char = bytes([_byte]).decode("cp1252")
    except UnicodeDecodeError:
        _char = chr(_byte)
    _CP1252_BYTE[_char] = _byte
del _byte, _char
_LATIN1_TO_CP1252 = {byte: ord(char) for char, byte in _CP1252_BYTE.items() if ord(char) != byte}
_CONT = "".join(re.escape(c) for c, b in _CP1252_BYTE.items() if 0x80 <= b <= 0xBF)
_MOJIBAKE = re.compile(
    f"[\u00c2-\u00df][{_CONT}]|[\u00e0-\u00ef][{_CONT}]{{2}}|[\u00f0-\u00f4][{_CONT}]{{3}}"
)
# A quick first look: one leading character class lets the regex engine skip ahead fast, where
# the alternation above is checked at every position (5x slower on a 5 MB document).
_MOJIBAKE_HINT = re.compile(f"[\u00c2-\u00f4][{_CONT}]")

# Invisible characters that only get in the way (zero-width spaces and joiners, BOMs inside the
# text, soft hyphens).
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE_RUN = re.compile(f"[{_INVISIBLE_CHARS}]+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")

_APOSTROPHE_TAIL = re.compile(r"(?:s|t|d|m|ll|re|ve)(?![^\W\d_])", re.IGNORECASE)
_OPENERS = "([{\u201c\u2018\"'/"


@dataclass
class Decoded:
    """Text decoded from a file, with the warnings decoding produced."""

    text: str
    warnings: list[str]


def check_size(data: bytes, max_bytes: int) -> None:
    """Refuse a document over the size limit before doing any work on it."""
    if len(data) > max_bytes:
        raise BlueprintError(f"file is larger than the {max_bytes / 1_000_000:g} MB limit")


def decode(data: bytes) -> Decoded:
    """Bytes to text: BOMs honoured, UTF-8 first, cp1252 as a warned fallback; binary refused."""
    warnings: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # A UTF-16 file (Windows Notepad "Unicode") is full of NUL bytes but is still text.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise BlueprintError("not a text document (binary data)") from None
        return Decoded(_checked_text(text), warnings)
    if not data.strip():
        raise BlueprintError("the file is empty")
    if b"\x00" in data:
        raise BlueprintError("not a text document (binary data)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # latin-1 maps every byte; the translation then gives 0x80-0x9F their cp1252 meaning.
        text = data.decode("latin-1").translate(_LATIN1_TO_CP1252)
        warnings.append("the file is not valid UTF-8; it was read as Windows-1252")
    return Decoded(_checked_text(text), warnings)


def _checked_text(text: str) -> str:
    """Refuse text that is mostly control characters (a binary file that happens to decode)."""
    if not text.strip():
        raise BlueprintError("the file is empty")
    sample = text[:200_000]
    if len(_CONTROL.findall(sample)) > max(8, len(sample) // 50):
        raise BlueprintError("not a text document (binary data)")
    return text


def repair_mojibake(text: str) -> tuple[str, int]:
    """Repair characters damaged by a wrong text encoding; return the text and how many.

    Two kinds of damage are handled. UTF-8 read as cp1252/latin-1 (`â€™`) is fully recoverable
    by re-encoding. UTF-8 read as Thai cp874 lost two bytes of every ’ “ ” – — →, leaving `โ`;
    those are inferred from their neighbours (see `_infer_glyph`). A document that is really
    Thai uses `โ` as a letter, so that repair only runs when Thai letters are rare. What is
    left that ftfy recognises as mojibake (UTF-8 read as MacRoman, cp437, latin-1 ...) is fixed
    by ftfy, line by line.
    """
    if text.isascii():
        return text, 0  # every kind of damage below leaves non-ASCII characters behind
    count = 0
    if _MOJIBAKE_HINT.search(text):
        text, count = _repair_cp1252(text)
    if "\u0e42" in text or "\ufffd" in text:
        text, damaged = _repair_lost_glyphs(text)
        count += damaged
    if _SUSPECT.search(text):
        text, fixed = _repair_with_ftfy(text)
        count += fixed
    return text, count


#: Mojibake turns each UTF-8 character into two or three: a line shows two non-ASCII characters
#: in a row (beyond the typography these documents use) before ftfy is asked about it, since
#: its check is far too slow for 5 MB of clean text, or of French.
_SUSPECT = re.compile("[^\x00-\x7f\u00a0\u2010-\u2027\u2190-\u21ff\u2264\u2265\u2212]{2}")


def _repair_with_ftfy(text: str) -> tuple[str, int]:
    """ftfy's encoding fix (only that: quotes, widths and ligatures are left alone) on the lines
    it calls bad; the count is the characters that came out different."""
    count = 0
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if not _SUSPECT.search(line) or not ftfy.badness.is_bad(line):
            continue
        fixed = ftfy.fix_encoding(line)
        if fixed == line:
            continue
        matcher = difflib.SequenceMatcher(None, line, fixed, autojunk=False)
        count += sum(j2 - j1 for op, _, _, j1, j2 in matcher.get_opcodes() if op != "equal")
        lines[number] = fixed
    return "\n".join(lines), count


def repair_warning(count: int) -> str:
    """The one warning an import shows for a repaired document."""
    noun = "character" if count == 1 else "characters"
    return f"repaired {count} {noun} damaged by a wrong text encoding"


def _repair_cp1252(text: str) -> tuple[str, int]:
    """Undo UTF-8-decoded-as-cp1252 sequences one by one, leaving anything that isn't one."""
    count = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal count
        raw = bytes(_CP1252_BYTE[char] for char in match.group())
        try:
            fixed = raw.decode("utf-8")
        except UnicodeDecodeError:
            return match.group()
        if not _plausible(fixed):
            return match.group()  # e.g. French "à\u00a0«" also decodes, to a Samaritan letter
        count += len(fixed)
        return fixed

    return _MOJIBAKE.sub(fix, text), count


#: What mojibake really hides: accented Latin, Greek and Cyrillic letters, punctuation, symbols,
#: arrows, ligatures and emoji. Other decodings are coincidences in genuine text.
_PLAUSIBLE = (
    (0x00A0, 0x024F), (0x0370, 0x04FF), (0x2000, 0x2BFF), (0xFB00, 0xFB06), (0x1F000, 0x1FAFF),
)


def _plausible(fixed: str) -> bool:
    return all(any(low <= ord(char) <= high for low, high in _PLAUSIBLE) for char in fixed)


def _is_latin_document(text: str) -> bool:
    """True unless Thai letters other than `โ` are common: then `โ` is a real letter."""
    other_thai = len(_OTHER_THAI.findall(text))
    if not other_thai:
        return True
    latin = len(_LATIN_LETTER.findall(text))
    return other_thai * 50 <= latin


def _repair_lost_glyphs(text: str) -> tuple[str, int]:
    """Replace every damaged glyph with the character its context says it was."""
    thai_ok = not _is_latin_document(text)
    pieces: list[str] = []
    last = 0
    count = 0
    quote_open = False
    for match in _DAMAGE.finditer(text):
        pos = match.start()
        glyph = match.group()
        if glyph == "\u0e42" and thai_ok:
            continue
        if text.find("\n", last, pos) != -1:
            quote_open = False  # quotes never span lines in these documents
        repaired = _infer_glyph(text, pos, quote_open)
        if repaired == "\u201c":
            quote_open = True
        elif repaired == "\u201d":
            quote_open = False
        pieces.append(text[last:pos])
        pieces.append(repaired)
        last = pos + 1
        count += 1
    if not count:
        return text, 0
    pieces.append(text[last:])
    return "".join(pieces), count


def _infer_glyph(text: str, pos: int, quote_open: bool) -> str:
    """What a damaged glyph at `pos` most likely was, from the characters around it."""
    prev = text[pos - 1] if pos > 0 else ""
    nxt = text[pos + 1] if pos + 1 < len(text) else ""
    prev_space = prev == "" or prev.isspace()
    next_space = nxt == "" or nxt.isspace()
    # company’s, don’t, we’re, they’ve: an apostrophe inside a word.
    if prev.isalpha() and _APOSTROPHE_TAIL.match(text, pos + 1):
        return "\u2019"
    # 1–3, 60–90 minutes: a range.
    if prev.isdigit() and nxt.isdigit():
        return "\u2013"
    if prev_space and next_space:
        before = text[pos - 2] if pos >= 2 else ""
        after = text[pos + 2] if pos + 2 < len(text) else ""
        if before.isdigit() and after.isdigit():
            return "\u2013"  # "2 – 6 weeks"
        if prev == "" or prev == "\n" or nxt == "" or nxt == "\n":
            return "\u2013"  # a dash used as a bullet or a dangling dash
        return "\u2192"  # ingestion → curated model, dev → staging → prod
    # “quoted”: opens after a space or bracket, closes before a space or punctuation.
    if (prev_space or prev in _OPENERS) and not next_space:
        return "\u201c"
    if not prev_space and (next_space or not nxt.isalnum()):
        if not quote_open and prev in "sS":
            return "\u2019"  # users’ (a plural possessive, no quote to close)
        return "\u201d"
    # symptom—reduces: a dash joining two words.
    if prev.isalnum() and nxt.isalnum():
        return "\u2014"
    return "\u2013"


def strip_invisible(text: str) -> str:
    """Remove zero-width characters and soft hyphens (done once per document, not per line)."""
    # Checking first is much faster than translate(), which is slow on non-ASCII text.
    if any(char in text for char in _INVISIBLE_CHARS):
        return _INVISIBLE_RUN.sub("", text)
    return text


def clean_text(text: str) -> str:
    """One line of display text: odd spaces (no-break, thin, ideographic) made plain, runs
    collapsed. Curly quotes and dashes are kept: they are correct characters, not damage.
    Invisible characters are expected to be gone already (`strip_invisible`).
    """
    return " ".join(text.split())


# Lines that page templates put inside articles and that are never part of a blueprint.
_NOISE_LINES = re.compile(
    r"^(?:advertisement|advertisements|sponsored(?: content)?|share this(?: post| article)?:?|"
    r"like this:?|related(?: posts| articles)?:?|skip to (?:main )?content|loading\W*|"
    r"click to (?:share|print|email)\b.*|print this page|back to top)$",
    re.IGNORECASE,
)


def is_noise_line(text: str) -> bool:
    """True for template boilerplate such as "Advertisement" or "Share this:"."""
    return len(text) < 80 and bool(_NOISE_LINES.match(text))
