"""Word documents (.docx, as Word, LibreOffice and Google Docs write them), read through HTML.

mammoth turns the document into semantic HTML: Word's heading styles become <h1>..<h6>, list
paragraphs become nested <ul>/<ol> from the document's numbering levels, tables become <table>;
page headers, footers and page numbers are not part of its output. The HTML reader then does
the rest, so sections, the nesting rule and the KPI table work exactly as for a web page.
"""
from __future__ import annotations

import io
import zipfile

import mammoth

from onboarding.roles.reader.model import BlueprintError

#: Styles mammoth does not map by default: the document title, and Word's own list styles for
#: deeper levels ("List Bullet 2" is indented by its style, not by a numbering level).
_STYLE_MAP = "\n".join(
    ["p[style-name='Title'] => h1:fresh", "p[style-name='Subtitle'] => p:fresh"]
    + [
        f"p[style-name='List {kind} {level}'] => " + "ul|ol > li > " * (level - 1) + f"{tag} > li:fresh"
        for kind, tag in (("Bullet", "ul"), ("Number", "ol"))
        for level in range(2, 6)
    ]
)
#: A .docx expands to far more than its size; this much XML is no role description.
MAX_UNCOMPRESSED = 200_000_000

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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
            result = mammoth.convert_to_html(
                io.BytesIO(data),
                style_map=_STYLE_MAP,
                # Images are not part of a plan: do not read or embed them.
                convert_image=mammoth.images.img_element(lambda image: {}),
            )
    except BlueprintError:
        raise
    except Exception:  # zipfile, XML and mammoth errors alike: the file is not a readable .docx
        raise BlueprintError("this Word document is damaged and cannot be read") from None
    return result.value
