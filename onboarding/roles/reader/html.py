"""HTML, a page saved from a browser (furniture around an article) or a fragment (a post body),
to blocks: furniture, hidden elements and advertising left out.

lexbor (through selectolax) builds the tree the way a browser does (implied end tags, misnested
markup, entities), and the reader works on lexbor's own nodes: page furniture is cut out of the
tree first (tag names at C level, class/id/style/role words per element that has them), then the
walk goes block by block, and a block with no block inside it (most list items, paragraphs,
headings, table cells) takes its text from lexbor in one call. The Python work is per block,
not per node, which is what keeps a 5 MB page within a few times lexbor's own parse.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

from onboarding.roles.reader.document import Block, Document, Item
from onboarding.roles.reader.repair import clean_text

_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_LISTS = frozenset({"ul", "ol", "menu"})
_BLOCK = frozenset(
    """address article aside blockquote body caption center dd details dialog div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav ol p
    pre section summary table tbody td tfoot th thead tr ul""".split()
)
#: Elements whose direct children are rows or items: their own has-a-block mark is never asked,
#: so the blocks directly inside them need not mark anything (a list's items, a table's rows).
_STRUCTURAL = ("ul", "ol", "menu", "dl", "table", "thead", "tbody", "tfoot", "tr")
_PARAGRAPH_LIKE = frozenset({"p", "pre", "dt", "dd", "figcaption", "caption", "address", "summary"})
#: Page furniture: never part of a blueprint, wherever it sits.
_SKIP = frozenset(
    """script style noscript template svg nav header footer aside form iframe button select
    textarea input canvas object embed head title meta link dialog math video audio map""".split()
)
#: Elements whose content is never read (raw text, or furniture with no title in it).
_OPAQUE = frozenset({"script", "style", "noscript", "template", "textarea", "iframe", "xmp"})
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
#: The elements that can hold the article: never cut out, even with a furniture-like class
#: (WordPress gives <body> classes such as "no-sidebar"), only left out where they are not it.
_ROOT_TAGS = frozenset({"html", "body", "article", "main"})
_SPECIAL = ", ".join([
    f":not({', '.join(_STRUCTURAL)}) > :is({', '.join(sorted(_BLOCK))})",
    "br", "h1", "title", "article", "main", "body", *sorted(_SKIP | {"xmp"}),
    "[class]", "[id]", "[style]", "[role]", "[hidden]", "[aria-hidden]",
])
_ATTR_WORD = re.compile(r"[\s_\-]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
#: Inline elements that, without attributes, carry nothing but their text.
_TRANSPARENT = frozenset(
    "b strong i em u s small mark abbr cite code kbd samp sub sup q dfn var bdi tt big".split()
)
_BR = "\x00"  # stands for <br> in extracted text (NUL cannot occur: such files are refused)
_MAX_DEPTH = 200


def _is_noise(tag: str, attrs: dict[str, str | None]) -> bool:
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


def _is_content_wrapper(attrs: dict[str, str | None]) -> bool:
    classes = attrs.get("class")
    return bool(classes) and not _CONTENT_CLASSES.isdisjoint(classes.lower().split())


def _is_element(tag: str) -> bool:
    return not tag.startswith(("-", "!", "#", "_"))  # text, comments, the doctype


class _Page:
    """The parsed page, with its furniture cut out and the marks the walk needs.

    One CSS query finds, in document order, every element the walk has to know about before it
    starts: blocks that are not simply the items of a list or the rows of a table, <br>,
    furniture tags, elements with attributes (which may be furniture or the content wrapper),
    and the title and article candidates. Everything else is inline text for lexbor to read.
    """

    def __init__(self, text: str) -> None:
        self.parsed = LexborHTMLParser(text)
        self.root = self.parsed.root
        #: mem_ids of elements left out but kept in the tree (a noisy <body> or <article>).
        self.skipped: set[int] = set()
        #: mem_ids of elements with something inside that plain text would get wrong: a block,
        #: a <br>, furniture, an element with attributes (the walk looks at those one by one).
        self.special: set[int] = set()
        self.titles: list[str] = []
        self.candidates: dict[str, list[LexborNode]] = {"wrapper": [], "article": [], "main": [], "body": []}
        if self.root is not None:
            self._prepare(self.root)

    def _prepare(self, root: LexborNode) -> None:
        special = self.special
        found: list[LexborNode] = []
        last = None
        for node in root.css(_SPECIAL):
            mem_id = node.mem_id
            if mem_id == last:
                continue  # matched by two parts of the selector
            last = mem_id
            found.append(node)
            parent = node.parent
            while parent is not None:
                parent_id = parent.mem_id
                if parent_id in special:
                    break
                special.add(parent_id)
                parent = parent.parent
        self.titles = _title_candidates(n for n in found if n.tag in ("h1", "title"))
        doomed: list[LexborNode] = []
        doomed_ids: set[int] = set()
        candidates = self.candidates
        for node in found:
            tag = node.tag
            if tag == "br":
                continue
            attrs = node.attributes
            role_main = attrs.get("role") == "main" if attrs else False
            wrapper = bool(attrs) and _is_content_wrapper(attrs)
            if _is_noise(tag, attrs):
                if tag in _ROOT_TAGS or wrapper or role_main:
                    self.skipped.add(node.mem_id)
                else:
                    doomed.append(node)
                    doomed_ids.add(node.mem_id)
                    continue
            if wrapper:
                candidates["wrapper"].append(node)
            elif tag in ("article", "body"):
                candidates[tag].append(node)
            if tag == "main" or (role_main and not wrapper):
                candidates["main"].append(node)
        if doomed:
            for kind, nodes in candidates.items():
                candidates[kind] = [n for n in nodes if not _inside(n, doomed_ids)]
        # Last to first, so an element is changed before the one around it is cut out.
        for node in reversed(found):
            if node.tag == "br":
                node.replace_with(_BR)
            elif node.mem_id in doomed_ids:
                node.decompose()

    def content_root(self) -> LexborNode | None:
        """The element holding the article: WordPress entry-content, <article>, <main>, or <body>."""
        for kind in ("wrapper", "article", "main", "body"):
            candidates = self.candidates[kind]
            if len(candidates) == 1:
                return candidates[0]
            if candidates:  # several: the one with the article text
                return max(candidates, key=lambda node: len(node.text(deep=True, strip=True)))
        return self.root


def _inside(node: LexborNode, ids: set[int]) -> bool:
    while node is not None:
        if node.mem_id in ids:
            return True
        node = node.parent
    return False


def _title_candidates(nodes: Iterator[LexborNode]) -> list[str]:
    """Title candidates of a page: <h1> in the article first, then other <h1>, then <title>."""
    scoped_h1, other_h1, titles = [], [], []
    for node in nodes:
        opened = set()
        parent = node.parent
        while parent is not None:
            opened.add(parent.tag)
            parent = parent.parent
        if not opened.isdisjoint(_OPAQUE):
            continue
        scoped = not opened.isdisjoint(("article", "main"))
        # A site's logo is often an <h1> in the page header; an <svg> has <title>s too.
        if not opened.isdisjoint(("nav", "footer", "aside", "svg")) or ("header" in opened and not scoped):
            continue
        if node.tag == "title":
            titles.append(clean_text("".join(c.text_content or "" for c in node.iter(include_text=True)
                                             if c.tag == "-text")))
        else:
            parts: list[str] = []
            _title_text(node, parts, 0)
            (scoped_h1 if scoped else other_h1).append(clean_text("".join(parts).replace(_BR, " ")))
    return [t for t in dict.fromkeys(scoped_h1 + other_h1 + titles) if t]


def _title_text(node: LexborNode, parts: list[str], depth: int) -> None:
    """A heading's text before the furniture is cut: furniture inside it is checked here."""
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            parts.append(child.text_content or "")
        elif tag == "br":
            parts.append(_BR)
        elif not _is_element(tag) or tag == "img" or _is_noise(tag, child.attributes) or tag in _OPAQUE:
            continue
        elif depth > _MAX_DEPTH:
            parts.append(child.text(deep=True))
        elif tag in _BLOCK:
            parts.append(" ")
            _title_text(child, parts, depth + 1)
            parts.append(" ")
        else:
            _title_text(child, parts, depth + 1)


class _Extractor:
    """Walks the page block by block and emits blocks."""

    def __init__(self, page: _Page) -> None:
        self.blocks: list[Block] = []
        self.skipped = page.skipped
        self.holds_block = self.special = page.special

    def _children(self, node: LexborNode) -> Iterator[LexborNode]:
        """Child nodes, with inline formatting that holds blocks opened in place (its blocks
        are then blocks of the parent, as in a browser's layout)."""
        holds_block = self.holds_block
        for child in node.iter(include_text=True):
            if (child.tag in _TRANSPARENT and child.mem_id in holds_block
                    and not child.attributes):
                yield from self._children(child)
            else:
                yield child

    # -- text

    def text(self, node: LexborNode, sink: list[LexborNode] | None = None, depth: int = 0) -> str:
        """The text of an element (<br> kept as `_BR`); nested lists go to `sink`."""
        if node.mem_id not in self.holds_block or depth > _MAX_DEPTH:
            return node.text_lexbor()
        return self._slow_text(node, sink, depth)

    def _slow_text(self, node: LexborNode, sink: list[LexborNode] | None, depth: int) -> str:
        parts: list[str] = []
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                parts.append(child.text_content or "")
            elif not _is_element(tag) or (self.skipped and child.mem_id in self.skipped):
                continue
            elif sink is not None and tag in _LISTS:
                sink.append(child)
            elif tag in _BLOCK:
                # block boundaries inside an item separate words
                parts.append(" " + self.text(child, sink, depth + 1) + " ")
            else:
                parts.append(self.text(child, sink, depth + 1))
        return "".join(parts)

    def line(self, node: LexborNode, sink: list[LexborNode] | None = None) -> str:
        """The text of an element as one clean line (<br> becomes a space)."""
        return clean_text(self.text(node, sink).replace(_BR, " "))

    # -- blocks

    def container(self, node: LexborNode, depth: int = 0) -> None:
        inline: list[str] = []
        holds_block = self.holds_block
        for child in self._children(node):
            tag = child.tag
            if tag == "-text":
                inline.append(child.text_content or "")
                continue
            if not _is_element(tag) or (self.skipped and child.mem_id in self.skipped):
                continue
            if tag not in _BLOCK and child.mem_id not in holds_block:
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
            elif depth > _MAX_DEPTH or (tag in _PARAGRAPH_LIKE and child.mem_id not in holds_block):
                # Deeply nested markup is read as text rather than followed.
                self._flush([self.text(child, depth=_MAX_DEPTH + 1 if depth > _MAX_DEPTH else 0)])
            elif tag != "hr":
                self.container(child, depth + 1)
        self._flush(inline)

    def _flush(self, inline: list[str]) -> None:
        if not inline:
            return
        for line in "".join(inline).split(_BR):
            text = clean_text(line)
            if text:
                self.blocks.append(Block("para", text=text))
        inline.clear()

    def list_items(self, node: LexborNode) -> list[Item]:
        items = self._leaf_items(node)
        if items is not None:
            return items
        items = []
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                text = clean_text((child.text_content or "").replace(_BR, " "))
                if text:
                    items.append(Item(text))
                continue
            if not _is_element(tag) or (self.skipped and child.mem_id in self.skipped):
                continue
            if tag == "li":
                sink: list[LexborNode] = []
                text = self.line(child, sink)
                children = [item for nested in sink for item in self.list_items(nested)]
                if text:
                    items.append(Item(text, children))
                else:
                    items.extend(children)  # an item that only wraps a list adds no level
            elif tag in _LISTS:
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

    def _leaf_items(self, node: LexborNode) -> list[Item] | None:
        """The items of a list none of whose items holds anything but inline text (the common
        case), read with one lexbor call each; None when the list needs the full walk."""
        special = self.special
        items: list[Item] = []
        texts: list[str] = []
        for child in node.iter(include_text=False):
            if child.tag != "li" or child.mem_id in special:
                return None
            text = child.text_lexbor()
            texts.append(text)
            text = " ".join(text.split())
            if text:
                items.append(Item(text))
        # Text directly inside the list (not in an item) is an item too: when the list's text
        # has more than its items' (spaces aside), it needs the full walk.
        if "".join(node.text_lexbor().split()) != "".join("".join(texts).split()):
            return None
        return items

    def table_rows(self, table: LexborNode) -> list[list[str]]:
        rows: list[list[str]] = []
        pending = [table]
        while pending:
            node = pending.pop(0)
            for child in node.iter(include_text=False):
                tag = child.tag
                if self.skipped and child.mem_id in self.skipped:
                    continue
                if tag == "tr":
                    cells = [self.line(cell) for cell in child.iter(include_text=False)
                             if cell.tag in ("td", "th") and not (self.skipped and cell.mem_id in self.skipped)]
                    if any(cells):
                        rows.append(cells)
                elif tag in ("thead", "tbody", "tfoot"):
                    pending.append(child)
        return rows


def read_html(text: str, *, page: bool) -> Document:
    """An HTML page (furniture around an article) or a fragment (a post body) to blocks."""
    parsed = _Page(text)
    extractor = _Extractor(parsed)
    top = parsed.content_root() if page else parsed.root
    if top is not None:
        extractor.container(top)
    return Document(
        format="html" if page else "html-fragment",
        blocks=extractor.blocks,
        headings=parsed.titles,
    )
