"""HTML, a page saved from a browser (furniture around an article) or a fragment (a post body),
to blocks: furniture, hidden elements and advertising left out."""
from __future__ import annotations

import re
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

from onboarding.roles.reader.document import Block, Document, Item
from onboarding.roles.reader.repair import clean_text

_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr keygen".split()
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_LISTS = frozenset({"ul", "ol", "menu"})
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
#: Inline elements that, without attributes, carry nothing but their text.
_TRANSPARENT = frozenset(
    "b strong i em u s small mark abbr cite code kbd samp sub sup q dfn var bdi tt big".split()
)
#: Elements whose content is never read (raw text, or furniture with no title in it).
_OPAQUE = frozenset({"script", "style", "noscript", "template", "textarea", "iframe", "xmp"})
_BR = "\x00"  # stands for <br> in extracted text (NUL cannot occur: such files are refused)
_MAX_DEPTH = 200

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
    """The parsed page as the reader's minimal DOM.

    lexbor (through selectolax) builds the tree the way a browser does (implied end tags,
    misnested markup, entities); this copies it into `_Node`s, leaving out comments and the
    whitespace between list items and table rows, and remembers on the way the elements the
    reader looks for afterwards (the article, the content wrapper, headings for the title).
    """

    def __init__(self, text: str) -> None:
        self.root = _Node("#root", {})
        self.content: list[_Node] = []  # WordPress entry-content and similar wrappers
        self.articles: list[_Node] = []
        self.mains: list[_Node] = []
        self.bodies: list[_Node] = []
        self.titles: list[tuple[_Node, bool]] = []  # (<h1> or <title>, inside <article>/<main>)
        parsed = LexborHTMLParser(text)
        self._copy(parsed.root)

    def _copy(self, top: LexborNode | None) -> None:
        if top is None:
            return
        nodes: list[_Node] = [self.root]  # the open elements, outermost first
        tags: list[str] = []
        frames: list[tuple[Iterator[LexborNode], _Node]] = [(iter((top,)), self.root)]
        depth_limited = 0
        while frames:
            children, parent = frames[-1]
            child = next(children, None)
            if child is None:
                frames.pop()
                if tags:
                    tags.pop()
                    if depth_limited:
                        depth_limited -= 1
                    else:
                        nodes.pop()
                continue
            tag = child.tag
            if tag == "-text":
                data = child.text_content
                if data and not (parent.tag in _STRUCTURAL and data.isspace()):
                    parent.children.append(data)
                continue
            if not tag or tag[0] in "-!#_":
                continue  # comments, the doctype
            raw = child.attributes
            if not raw and tag in _TRANSPARENT:
                # Inline formatting without attributes carries nothing but its text: its
                # children join the parent's (a third of the elements of a typical post).
                frames.append((child.iter(include_text=True), parent))
                tags.append(tag)
                depth_limited += 1
                continue
            attrs = {name: value or "" for name, value in raw.items()} if raw else {}
            node = _Node(tag, attrs)
            parent.children.append(node)
            if tag in _BLOCK:
                for ancestor in reversed(nodes):
                    if ancestor.has_block:
                        break
                    ancestor.has_block = True
            self._remember(node, tags)
            if tag in _VOID or tag in _OPAQUE:
                continue
            tags.append(tag)
            if len(nodes) < _MAX_DEPTH:
                nodes.append(node)
                frames.append((child.iter(include_text=True), node))
            else:
                # Deeply nested markup is flattened rather than followed.
                depth_limited += 1
                frames.append((child.iter(include_text=True), parent))

    def _remember(self, node: _Node, open_tags: list[str]) -> None:
        tag = node.tag
        if tag == "h1" or tag == "title":
            opened = set(open_tags)
            scoped = not opened.isdisjoint(("article", "main"))
            # A site's logo is often an <h1> in the page header; an <svg> has <title>s too.
            furniture = not opened.isdisjoint(("nav", "footer", "aside", "svg")) or (
                "header" in opened and not scoped
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
