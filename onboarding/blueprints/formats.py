"""Recognising a document's format from its content, and turning each format into blocks.

Every format (a WordPress REST post, a saved HTML page, an HTML fragment, Markdown, a plain-text
paste) becomes the same stream of `Block`s: headings, paragraphs, lists (with real nesting where
the source had it) and tables. `parse.py` only ever sees blocks, so the rules for sections,
phases and the nesting of flat lists are written once.
"""
from __future__ import annotations

import html
import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from onboarding.blueprints import export
from onboarding.blueprints.model import BlueprintError, ParsedRole
from onboarding.blueprints.repair import (
    clean_text,
    repair_mojibake,
    repair_warning,
    strip_invisible,
)


@dataclass
class Item:
    """One list item; `children` hold real nesting from the source (nested list, indent)."""

    text: str
    children: list[Item] = field(default_factory=list)


@dataclass
class Block:
    """A unit of document structure: `heading`, `para`, `list` or `table`."""

    kind: str
    text: str = ""
    level: int = 0
    items: list[Item] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Document:
    """One document (or one post of a list) ready for `parse.py`, or the roles of an export."""

    format: str
    blocks: list[Block] = field(default_factory=list)
    #: A title given by the container itself (the WordPress post title, before its colon).
    title: str = ""
    #: Title candidates from the page (<h1>, <title>, Markdown `#`), best first.
    headings: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: How to name this document in an error when it is one of several in a file.
    label: str = ""
    #: For an export file: its roles, already complete.
    roles: list[ParsedRole] | None = None


# --------------------------------------------------------------------------- detection

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
        return _read_json(text, source)
    if fmt == "export-yaml":
        roles = export.load_export(text, "yaml", source)
        return [Document(format="export-yaml", roles=roles)]
    text, repaired = repair_mojibake(strip_invisible(text))
    warnings = [repair_warning(repaired)] if repaired else []
    if fmt in ("html", "html-fragment"):
        doc = read_html(text, page=fmt == "html")
    elif fmt == "markdown":
        doc = read_markdown(text)
    else:
        doc = read_text(text)
    doc.warnings = warnings + doc.warnings
    return [doc]


# --------------------------------------------------------------------------- JSON


def _read_json(text: str, source: str) -> list[Document]:
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


# --------------------------------------------------------------------------- HTML

_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr keygen".split()
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_LISTS = frozenset({"ul", "ol", "menu"})
_INLINE = frozenset(
    """a abbr acronym b bdi bdo big cite code data del dfn em font i ins kbd label mark nobr q
    s samp small span strike strong sub sup time tt u var wbr img""".split()
)
_BLOCK = frozenset(
    """address article aside blockquote body caption center dd details dialog div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav ol p
    pre section summary table tbody td tfoot th thead tr ul""".split()
)
#: Elements whose direct text is never content (only their child elements are).
_STRUCTURAL = frozenset({"ul", "ol", "menu", "dl", "table", "thead", "tbody", "tfoot", "tr"})
_PARAGRAPH_LIKE = frozenset({"p", "pre", "dt", "dd", "figcaption", "caption", "address", "summary"})
#: Page furniture: never part of a blueprint, wherever it sits.
_SKIP = frozenset(
    """script style noscript template svg nav header footer aside form iframe button select
    textarea input canvas object embed head title meta link dialog math video audio map""".split()
)
#: class/id words of page furniture (matched as whole words of the attribute).
_NOISE_WORDS = frozenset(
    """ad ads adsbygoogle advert adverts advertisement advertising sponsor sponsored promo banner
    cookie cookies newsletter subscribe share sharing sharedaddy social related relatedposts
    comments comment respond breadcrumb breadcrumbs sidebar widget navigation navbar menu
    popup modal""".split()
)
_NOISE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
_CONTENT_CLASSES = frozenset(
    """entry-content post-content article-content article-body post-body single-content
    td-post-content post-entry""".split()
)
_ATTR_WORD = re.compile(r"[\s_\-]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BR = "\x00"  # stands for <br> in extracted text (NUL cannot occur: such files are refused)
_MAX_DEPTH = 200

# One pass over the markup finds every tag; the text between matches is character data. This is
# several times faster than html.parser on large pages (which matters at the 5 MB limit) and is
# tolerant in the same ways: a stray "<" is text, an unterminated comment runs to the end.
# Possessive quantifiers (`*+`) keep a tag that never closes from backtracking exponentially,
# and a tag cannot run past the next "<" outside quotes, so "<a <a <a ..." stays linear.
_MARKUP = re.compile(
    r"""<!--.*?(?:-->|\Z)
      | <![^<>]*+>
      | <\?[^<>]*+>
      | <(script|style|textarea|title|xmp|iframe|noembed|noframes)\b   # raw text elements
        ((?:[^<>"']++|"[^"]*+"|'[^']*+')*+)>(.*?)(?:</\1\s*>|\Z)
      | </([A-Za-z][^\s/<>]*+)[^<>]*+>
      | <([A-Za-z][^\s/<>]*+)((?:[^<>"']++|"[^"]*+"|'[^']*+')*+)>""",
    re.DOTALL | re.VERBOSE | re.IGNORECASE,
)
#: Inline tags without attributes carry nothing but their text, so they are removed before the
#: markup is read (in one C-speed pass; they are a third of the tags of a typical post).
_TRANSPARENT = re.compile(
    r"</?(?:b|strong|i|em|u|s|small|mark|abbr|cite|code|kbd|samp|sub|sup|q|dfn|var|bdi|tt|big|span)\s*>",
    re.IGNORECASE,
)
_ATTRIBUTE = re.compile(
    r"""([^\s"'=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?"""
)


def _parse_attributes(raw: str) -> dict[str, str]:
    """`class="a" hidden id=x` -> {"class": "a", "hidden": "", "id": "x"} (first one wins)."""
    attrs: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(raw):
        name = match.group(1).lower()
        value = match.group(2) if match.group(2) is not None else (
            match.group(3) if match.group(3) is not None else (match.group(4) or "")
        )
        if name not in attrs:
            attrs[name] = html.unescape(value) if "&" in value else value
    return attrs


def _is_noise(tag: str, attrs: dict[str, str]) -> bool:
    """Page furniture, hidden elements and advertising are left out of the content."""
    if tag in _SKIP:
        return True
    if not attrs:
        return False
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    if attrs.get("role") in _NOISE_ROLES:
        return True
    for name in ("class", "id"):
        value = attrs.get(name)
        if value and not _NOISE_WORDS.isdisjoint(_ATTR_WORD.split(value.lower())):
            return True
    return False


class _Node:
    """A minimal DOM element."""

    __slots__ = ("tag", "attrs", "children", "has_block", "skip")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[_Node | str] = []
        #: True when a block-level element is somewhere inside (so this is not inline text).
        self.has_block = False
        #: Page furniture or hidden: left out of the content.
        self.skip = _is_noise(tag, attrs) if attrs else tag in _SKIP


class _Tree:
    """Markup to a tree, closing the end tags HTML lets authors leave out.

    While building, it remembers the elements the reader looks for afterwards (the article, the
    content wrapper, headings for the title), so the tree is never searched again.
    """

    def __init__(self, text: str) -> None:
        self.root = _Node("#root", {})
        self.stack: list[_Node] = [self.root]
        self.content: list[_Node] = []  # WordPress entry-content and similar wrappers
        self.articles: list[_Node] = []
        self.mains: list[_Node] = []
        self.bodies: list[_Node] = []
        self.titles: list[tuple[_Node, bool]] = []  # (<h1> or <title>, inside <article>/<main>)
        self._feed(text)

    def _feed(self, text: str) -> None:
        text = _TRANSPARENT.sub("", text)
        pos = 0
        data = self._data
        start = self._start
        end = self._end
        for match in _MARKUP.finditer(text):
            at = match.start()
            if at > pos:
                data(text[pos:at])  # never empty here
            pos = match.end()
            kind = match.lastindex
            if kind == 6 or kind == 5:  # a start tag (group 6 is its attributes)
                tag = match.group(5).lower()
                raw_attrs = match.group(6) or ""
                start(tag, _parse_attributes(raw_attrs) if raw_attrs.strip() else {})
                if raw_attrs.endswith("/") and tag not in _VOID:
                    end(tag)  # XHTML-style <div/>
            elif kind == 4:
                end(match.group(4).lower())
            elif kind is not None:  # script, style, title ...: raw text up to the end tag
                tag = match.group(1).lower()
                raw_attrs = match.group(2)
                start(tag, _parse_attributes(raw_attrs) if raw_attrs.strip() else {})
                data(match.group(3))
                end(tag)
        if pos < len(text):
            data(text[pos:])

    def _data(self, data: str) -> None:
        parent = self.stack[-1]
        if parent.tag in _STRUCTURAL and data.isspace():
            return  # indentation between <li>s or <tr>s is not content
        if "&" in data:
            data = html.unescape(data)
        parent.children.append(data)

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        stack = self.stack
        self._implicit_close(tag)
        node = _Node(tag, attrs)
        stack[-1].children.append(node)
        if tag in _BLOCK:
            for ancestor in reversed(stack):
                if ancestor.has_block:
                    break
                ancestor.has_block = True
        self._remember(node)
        # Deeply nested markup is flattened rather than followed (it would exhaust recursion).
        if tag not in _VOID and len(stack) < _MAX_DEPTH:
            stack.append(node)

    def _remember(self, node: _Node) -> None:
        tag = node.tag
        if tag == "h1" or tag == "title":
            open_tags = {n.tag for n in self.stack}
            scoped = not open_tags.isdisjoint(("article", "main"))
            # A site's logo is often an <h1> in the page header; an <svg> has <title>s too.
            furniture = not open_tags.isdisjoint(("nav", "footer", "aside", "svg")) or (
                "header" in open_tags and not scoped
            )
            if not furniture:
                self.titles.append((node, scoped))
        elif tag == "article":
            self.articles.append(node)
        elif tag == "main":
            self.mains.append(node)
        elif tag == "body":
            self.bodies.append(node)
        if node.attrs:
            classes = node.attrs.get("class")
            if classes and not _CONTENT_CLASSES.isdisjoint(classes.lower().split()):
                self.content.append(node)
            elif node.attrs.get("role") == "main":
                self.mains.append(node)

    def _end(self, tag: str) -> None:
        stack = self.stack
        for depth in range(len(stack) - 1, 0, -1):
            if stack[depth].tag == tag:
                del stack[depth:]
                return

    def _implicit_close(self, tag: str) -> None:
        """Close an open <p>, <li>, <tr>, <td> ... where HTML says a new tag ends it."""
        stack = self.stack
        if tag in _BLOCK:
            # A block element ends an open paragraph reached through inline elements only.
            for depth in range(len(stack) - 1, 0, -1):
                open_tag = stack[depth].tag
                if open_tag == "p":
                    del stack[depth:]
                    break
                if open_tag not in _INLINE:
                    break
        if tag == "li":
            self._close_within(("li",), _LISTS)
        elif tag in ("dt", "dd"):
            self._close_within(("dt", "dd"), ("dl",))
        elif tag == "tr":
            self._close_within(("tr",), ("table", "thead", "tbody", "tfoot"))
        elif tag in ("td", "th"):
            self._close_within(("td", "th"), ("tr", "table"))
        elif tag in ("thead", "tbody", "tfoot"):
            self._close_within(("thead", "tbody", "tfoot"), ("table",))

    def _close_within(self, names: tuple[str, ...], boundary: Collection[str]) -> None:
        stack = self.stack
        for depth in range(len(stack) - 1, 0, -1):
            open_tag = stack[depth].tag
            if open_tag in names:
                del stack[depth:]
                return
            if open_tag in boundary:
                return


class _Extractor:
    """Walks a tree and emits blocks."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []

    # -- text

    def text(self, node: _Node, list_sink: list[_Node] | None = None) -> str:
        """The text of an element (<br> kept as `_BR`); nested lists go to `list_sink`."""
        parts: list[str] = []
        self._text_parts(node, parts, list_sink)
        return "".join(parts)

    def _text_parts(self, node: _Node, parts: list[str], sink: list[_Node] | None) -> None:
        for child in node.children:
            if isinstance(child, str):
                parts.append(child)
                continue
            tag = child.tag
            if tag == "br":
                parts.append(_BR)
            elif child.skip or tag == "img":
                continue
            elif sink is not None and tag in _LISTS:
                sink.append(child)
            elif tag in _BLOCK:
                parts.append(" ")  # block boundaries inside an item separate words
                self._text_parts(child, parts, sink)
                parts.append(" ")
            else:
                self._text_parts(child, parts, sink)

    def line(self, node: _Node, list_sink: list[_Node] | None = None) -> str:
        """The text of an element as one clean line (<br> becomes a space)."""
        return clean_text(self.text(node, list_sink).replace(_BR, " "))

    # -- blocks

    def container(self, node: _Node) -> None:
        inline: list[str] = []
        for child in node.children:
            if isinstance(child, str):
                inline.append(child)
                continue
            tag = child.tag
            if tag == "br":
                inline.append(_BR)
                continue
            if child.skip:
                continue
            if tag not in _BLOCK and not child.has_block:
                inline.append(self.text(child))
                continue
            self._flush(inline)
            if tag in _HEADINGS:
                text = self.line(child)
                if text:
                    self.blocks.append(Block("heading", text=text, level=_HEADINGS[tag]))
            elif tag in _LISTS:
                items = self.list_items(child)
                if items:
                    self.blocks.append(Block("list", items=items))
            elif tag == "table":
                rows = self.table_rows(child)
                if rows:
                    self.blocks.append(Block("table", rows=rows))
            elif tag in _PARAGRAPH_LIKE and not child.has_block:
                self._flush([self.text(child)])
            elif tag != "hr":
                self.container(child)
        self._flush(inline)

    def _flush(self, inline: list[str]) -> None:
        if not inline:
            return
        for line in "".join(inline).split(_BR):
            text = clean_text(line)
            if text:
                self.blocks.append(Block("para", text=text))
        inline.clear()

    def list_items(self, node: _Node) -> list[Item]:
        items: list[Item] = []
        for child in node.children:
            if isinstance(child, str):
                text = clean_text(child.replace(_BR, " "))
                if text:
                    items.append(Item(text))
                continue
            if child.skip:
                continue
            if child.tag == "li":
                sink: list[_Node] = []
                text = self.line(child, sink)
                children = [item for nested in sink for item in self.list_items(nested)]
                if text:
                    items.append(Item(text, children))
                else:
                    items.extend(children)  # an item that only wraps a list adds no level
            elif child.tag in _LISTS:
                # <ul> directly inside <ul> (invalid but common): sub-items of the item before.
                nested = self.list_items(child)
                if items:
                    items[-1].children.extend(nested)
                else:
                    items.extend(nested)
            else:
                text = self.line(child)
                if text:
                    items.append(Item(text))
        return items

    def table_rows(self, table: _Node) -> list[list[str]]:
        rows: list[list[str]] = []
        pending = [table]
        while pending:
            node = pending.pop(0)
            for child in node.children:
                if isinstance(child, str) or child.skip:
                    continue
                if child.tag == "tr":
                    cells = [
                        self.line(cell)
                        for cell in child.children
                        if isinstance(cell, _Node) and cell.tag in ("td", "th")
                    ]
                    if any(cells):
                        rows.append(cells)
                elif child.tag in ("thead", "tbody", "tfoot"):
                    pending.append(child)
        return rows


def _text_length(node: _Node) -> int:
    total = 0
    stack = [node]
    while stack:
        current = stack.pop()
        for child in current.children:
            if isinstance(child, str):
                total += len(child.strip())
            elif not child.skip:
                stack.append(child)
    return total


def _content_root(tree: _Tree) -> _Node:
    """The element holding the article: WordPress entry-content, <article>, <main>, or <body>."""
    for candidates in (tree.content, tree.articles, tree.mains, tree.bodies):
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            return max(candidates, key=_text_length)  # several: the one with the article text
    return tree.root


def _page_titles(tree: _Tree) -> list[str]:
    """Title candidates of a page: <h1> in the article first, then other <h1>, then <title>."""
    extractor = _Extractor()
    ordered = (
        [n for n, scoped in tree.titles if n.tag == "h1" and scoped]
        + [n for n, scoped in tree.titles if n.tag == "h1" and not scoped]
        + [n for n, _ in tree.titles if n.tag == "title"]
    )
    cleaned = [clean_text("".join(c for c in n.children if isinstance(c, str))) if n.tag == "title"
               else extractor.line(n) for n in ordered]
    return [t for t in dict.fromkeys(cleaned) if t]


def read_html(text: str, *, page: bool) -> Document:
    """An HTML page (furniture around an article) or a fragment (a post body) to blocks."""
    tree = _Tree(text)
    extractor = _Extractor()
    extractor.container(_content_root(tree) if page else tree.root)
    return Document(
        format="html" if page else "html-fragment",
        blocks=extractor.blocks,
        headings=_page_titles(tree),
    )


# --------------------------------------------------------------------------- text and Markdown

_BULLET = re.compile(r"^([ \t]*)[-*•◦▪‣·–—][ \t]+(\S.*)$")
_MD_BULLET = re.compile(r"^([ \t]*)(?:[-*+•]|\d{1,3}\.)[ \t]+(\S.*)$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _indent(spaces: str) -> int:
    return len(spaces.expandtabs(4))


def _split_row(line: str) -> list[str]:
    """`| a | b \\| c |` -> ["a", "b | c"]."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)]


class _ListBuilder:
    """Builds nested `Item`s from bullets and their indentation."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self._stack: list[tuple[int, Item]] = []

    def add(self, indent: int, text: str) -> None:
        item = Item(text)
        while self._stack and self._stack[-1][0] >= indent:
            self._stack.pop()
        if self._stack:
            self._stack[-1][1].children.append(item)
        else:
            self.items.append(item)
        self._stack.append((indent, item))

    def continue_last(self, text: str) -> None:
        last = self._stack[-1][1]
        last.text = f"{last.text} {text}".strip()

    @property
    def last_indent(self) -> int:
        return self._stack[-1][0] if self._stack else -1


def _unescape_entities(text: str) -> str:
    """Pasted text sometimes carries HTML entities (`&amp;`, `&#8211;`); decode only those."""
    return html.unescape(text) if _ENTITY.search(text) else text


class _BlockStream:
    """The blocks of a line-based document (text, Markdown), with the list and table being read."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.headings: list[str] = []
        self.list: _ListBuilder | None = None
        self.table: list[list[str]] | None = None

    def open_list(self) -> _ListBuilder:
        if self.list is None:
            self.list = _ListBuilder()
        return self.list

    def open_table(self) -> list[list[str]]:
        if self.table is None:
            self.table = []
        return self.table

    def end_list(self) -> None:
        if self.list is not None and self.list.items:
            self.blocks.append(Block("list", items=self.list.items))
        self.list = None

    def end_table(self) -> None:
        if self.table:
            self.blocks.append(Block("table", rows=self.table))
        self.table = None

    def heading(self, text: str, level: int) -> None:
        self.blocks.append(Block("heading", text=text, level=level))
        if level == 1:
            self.headings.append(text)

    def para(self, text: str) -> None:
        self.blocks.append(Block("para", text=text))

    def document(self, format: str) -> Document:
        self.end_list()
        self.end_table()
        return Document(format=format, blocks=self.blocks, headings=self.headings)


def read_text(text: str) -> Document:
    """A plain-text paste: one line per paragraph, `- ` bullets, `|` or tab-separated tables."""
    text = _unescape_entities(text)
    out = _BlockStream()
    lines = text.splitlines()
    for index, raw in enumerate(lines):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            out.end_table()
            continue  # a blank line between bullets does not end the list
        if "|" in stripped and (
            stripped.startswith("|")
            or out.table is not None
            or (index + 1 < len(lines) and "|" in lines[index + 1] and _TABLE_SEPARATOR.match(lines[index + 1]))
        ):
            # A pipe table (the leading pipe is optional when a |---| line follows the header).
            out.end_list()
            table = out.open_table()
            if not _TABLE_SEPARATOR.match(stripped):
                table.append([clean_text(cell) for cell in _split_row(stripped)])
            continue
        if "\t" in stripped and not _BULLET.match(line):
            # A table copied from a web page arrives as tab-separated cells.
            cells = [clean_text(cell) for cell in stripped.split("\t")]
            if sum(1 for cell in cells if cell) >= 2:
                out.end_list()
                out.open_table().append(cells)
                continue
        out.end_table()
        bullet = _BULLET.match(line)
        if bullet:
            builder = out.open_list()
            item_text = clean_text(bullet.group(2))
            if item_text:
                builder.add(_indent(bullet.group(1)), item_text)
            continue
        out.end_list()
        heading = _atx_heading(line)
        if heading and heading[1]:
            # A lone Markdown-style heading in a paste (often the title line).
            out.heading(clean_text(heading[1]), heading[0])
            continue
        out.para(clean_text(stripped))
    return out.document("text")


_MD_ATX_START = re.compile(r" {0,3}(#{1,6})(?:[ \t]+|$)")


def _atx_heading(line: str) -> tuple[int, str] | None:
    """`## 6) Goals ##` -> (2, "6) Goals"); None if the line is not an ATX heading.

    The closing hashes are stripped in Python: a regex for them backtracks quadratically on
    long runs of spaces.
    """
    match = _MD_ATX_START.match(line)
    if not match:
        return None
    text = line[match.end() :].strip()
    stripped = text.rstrip("#")
    if not stripped or stripped[-1] in " \t":
        text = stripped.strip()
    return len(match.group(1)), text


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
        text = _unescape_entities(text)
    return clean_text(text)


def read_markdown(text: str) -> Document:
    """Markdown: `#` headings, paragraphs of joined lines, indented bullets, pipe tables."""
    lines = text.splitlines()
    out = _BlockStream()
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
                if not _TABLE_SEPARATOR.match(stripped):
                    out.table.append([_md_inline(cell) for cell in _split_row(stripped)])
                continue
            out.end_table()
        heading = _atx_heading(raw)
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
            or (index + 1 < len(lines) and _TABLE_SEPARATOR.match(lines[index + 1]) and "|" in lines[index + 1])
        ):
            flush_para()
            out.end_list()
            out.table = [] if _TABLE_SEPARATOR.match(stripped) else [
                [_md_inline(cell) for cell in _split_row(stripped)]
            ]
            continue
        bullet = _MD_BULLET.match(raw)
        if bullet:
            flush_para()
            out.open_list().add(_indent(bullet.group(1)), _md_inline(bullet.group(2)))
            continue
        if out.list is not None:
            indent = _indent(raw[: len(raw) - len(raw.lstrip())])
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
