"""WordPress REST API JSON: a post object, or a list of them, whose `content.rendered` is HTML."""
from __future__ import annotations

import html
import json
import re

from onboarding.roles.reader import export
from onboarding.roles.reader.document import Document
from onboarding.roles.reader.html import read_html
from onboarding.roles.reader.model import BlueprintError
from onboarding.roles.reader.repair import (
    clean_text,
    repair_mojibake,
    repair_warning,
    strip_invisible,
)


def read_json(text: str, source: str) -> list[Document]:
    """A WordPress post, a list of posts, or an onboarding export written as JSON."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BlueprintError(
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise BlueprintError("invalid JSON: it is nested too deeply") from None
    if isinstance(data, dict) and data.get("kind") == export.EXPORT_KIND:
        return [Document(format="export-json", roles=export.roles_from_export(data, "json", source))]
    if isinstance(data, dict) and _is_post(data):
        return [_post_document(data)]
    if isinstance(data, list) and data and any(_is_post(post) for post in data):
        docs = []
        for number, post in enumerate(data, start=1):
            label = f"post {number} of {len(data)}"
            if not _is_post(post):
                raise BlueprintError(f"{label} is not a WordPress post (it has no content.rendered)")
            doc = _post_document(post)
            if isinstance(post.get("id"), (int, str)):
                label += f" (id {post['id']})"
            doc.label = label
            docs.append(doc)
        return docs
    raise BlueprintError("JSON is not a WordPress post or an onboarding export")


def _is_post(data: object) -> bool:
    """A WordPress REST post object: its HTML is in `content.rendered`."""
    if not isinstance(data, dict):
        return False
    content = data.get("content")
    return isinstance(content, dict) and isinstance(content.get("rendered"), str)


def _post_document(post: dict) -> Document:
    """One WordPress post: its HTML body as a fragment, its title as the role title."""
    raw_title = post.get("title")
    if isinstance(raw_title, dict):
        raw_title = raw_title.get("rendered", "")
    if not isinstance(raw_title, str):
        raw_title = ""
    content = post["content"]["rendered"]
    # Repair the title and the body as one text so the "is this Thai?" check sees it all.
    joined, repaired = repair_mojibake(strip_invisible(raw_title + "\n\x00\n" + content))
    raw_title, _, content = joined.partition("\n\x00\n")
    if not content.strip():
        raise BlueprintError("the WordPress post has no content")
    doc = read_html(content, page=False)
    doc.format = "wordpress-json"
    doc.title = _title_before_colon(clean_text(_strip_tags(html.unescape(raw_title))))
    if repaired:
        doc.warnings.insert(0, repair_warning(repaired))
    return doc


_TAG = re.compile(r"<[^>]*>")


def _strip_tags(text: str) -> str:
    """Plain text of a short HTML string such as a post title."""
    return _TAG.sub("", text)


_TITLE_SUFFIX = re.compile(
    r"\s+[-–—|]\s+.*\b(?:blueprint|responsibilities|job description|career path|kpis?)\b.*$",
    re.IGNORECASE,
)


def _title_before_colon(title: str) -> str:
    """"Data Engineer: Role Blueprint, Responsibilities ..." -> "Data Engineer".

    A title that uses a dash instead ("Data Engineer – Role Blueprint") is cut there too.
    """
    title = title.split(":", 1)[0]
    if len(title) <= 300:  # (no role is named in 300 characters; keeps the regex cheap)
        title = _TITLE_SUFFIX.sub("", title)
    return title.strip()
