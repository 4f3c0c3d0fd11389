"""The reader's entry points: one file's bytes, or files and folders, to parsed roles."""
from __future__ import annotations

import gc
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from onboarding.roles.reader.detect import read_binary_documents, read_documents
from onboarding.roles.reader.document import Document
from onboarding.roles.reader.export import MAX_MILESTONE_DEPTH
from onboarding.roles.reader.model import BlueprintError, ParsedRole
from onboarding.roles.reader.repair import check_size, decode
from onboarding.roles.reader.role import build_role

logger = logging.getLogger(__name__)

MAX_BYTES = 5_000_000


def parse_document(data: bytes, source: str, *, max_bytes: int = MAX_BYTES) -> list[ParsedRole]:
    """Read one file's bytes into roles (several for a list of posts or an export).

    Raises `BlueprintError` with a one-line reason when the file cannot be a blueprint.
    """
    check_size(data, max_bytes)
    with _cycle_collector_paused():
        return _parse(data, source)


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Reading a large document makes a few hundred thousand objects (items, blocks, strings)
    and no reference cycles; Python's cycle collector would walk them all again and again as
    they are made (a third of the time of a 5 MB page). Reference counting frees them all the
    same; the collector is back on (if it was on) as soon as the document is read."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse(data: bytes, source: str) -> list[ParsedRole]:
    roles: list[ParsedRole] = []
    try:
        documents = read_binary_documents(data)
        if documents is None:
            decoded = decode(data)
            documents = read_documents(decoded.text, source)
            decode_warnings = decoded.warnings
        else:
            decode_warnings = []
    except RecursionError:  # a format reader walking a pathologically deep structure
        raise BlueprintError(TOO_DEEP) from None
    for doc in documents:
        _check_list_depth(doc)
        if doc.roles is not None:
            roles.extend(doc.roles)
            continue
        try:
            role = build_role(doc, source)
        except BlueprintError as exc:
            if doc.label:
                raise BlueprintError(f"{doc.label}: {exc}") from None
            raise
        role.warnings = decode_warnings + role.warnings
        roles.append(role)
    return roles


#: deeper list nesting than an export may hold is refused, before the nesting rules walk it
MAX_LIST_DEPTH = MAX_MILESTONE_DEPTH


TOO_DEEP = f"a list in the document is nested more than {MAX_LIST_DEPTH} levels deep"


def _check_list_depth(doc: Document) -> None:
    """Refuse lists nested deeper than MAX_LIST_DEPTH (walked without recursion: a 500-deep
    Markdown list used to end in a RecursionError)."""
    # Walked list by list, not item by item: a 5 MB page holds tens of thousands of items and
    # almost none of them have children.
    stack = [(block.items, 1) for block in doc.blocks if block.items]
    while stack:
        items, depth = stack.pop()
        if depth > MAX_LIST_DEPTH:
            raise BlueprintError(TOO_DEEP)
        stack.extend([(item.children, depth + 1) for item in items if item.children])


def read_paths(
    paths: Iterable[str | Path], *, max_bytes: int = MAX_BYTES
) -> tuple[list[ParsedRole], list[dict[str, str]]]:
    """Read files and folders (recursively, sorted, hidden files skipped) into roles.

    Returns `(roles, errors)`; each error is `{"source": name, "error": reason}`. A bad or
    unreadable file is reported and the others are still read: this never raises for content.
    """
    roles: list[ParsedRole] = []
    errors: list[dict[str, str]] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = _folder_files(path)
        elif path.is_file():
            files = [(path, path.name)]
        elif path.exists():
            errors.append({"source": str(path), "error": "not a regular file"})
            continue
        else:
            errors.append({"source": str(path), "error": "no such file or folder"})
            continue
        for file, name in files:
            try:
                with file.open("rb") as handle:
                    data = handle.read(max_bytes + 1)  # one byte more tells "too large"
            except OSError as exc:
                errors.append({"source": name, "error": f"cannot read the file: {exc.strerror or exc}"})
                continue
            try:
                roles.extend(parse_document(data, name, max_bytes=max_bytes))
            except BlueprintError as exc:
                errors.append({"source": name, "error": str(exc)})
            except Exception as exc:  # one broken file must never stop a batch import
                logger.exception("unexpected error reading %s", name)
                errors.append({"source": name, "error": f"could not be read ({type(exc).__name__})"})
    return roles, errors


def _folder_files(folder: Path) -> list[tuple[Path, str]]:
    """Regular files under `folder`, sorted, hidden files and folders skipped, links not followed."""
    found: list[tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in filenames:
            if filename.startswith("."):
                continue
            file = Path(dirpath) / filename
            if file.is_file() and not file.is_symlink():
                found.append((file, file.relative_to(folder).as_posix()))
    return sorted(found, key=lambda pair: pair[1])
