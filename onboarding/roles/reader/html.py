"""HTML, a page saved from a browser (furniture around an article) or a fragment (a post body),
to blocks: furniture, hidden elements and advertising left out.

lexbor (through selectolax) builds the tree the way a browser does (implied end tags, misnested
markup, entities), and the reader walks lexbor's own nodes block by block. A block whose markup
holds nothing but plain inline formatting (most list items, paragraphs, headings and table
cells: lexbor's serialization of it, checked by one regular expression, says so) takes its text
from lexbor in one call; only a block with furniture, attributes, line breaks or blocks inside
is walked node by node. The Python work is per block, not per node, which keeps a 5 MB page
within a few times lexbor's own parse.
"""
from __future__ import annotations

import re
from typing import TypeGuard

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
_ATTR_WORD = re.compile(r"[\s_\-]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
#: Inline elements that, without attributes, carry nothing but their text.
_TRANSPARENT = frozenset(
    "b strong i em u s small mark abbr cite code kbd samp sub sup q dfn var bdi tt big".split()
)
_BR = "\x00"  # stands for <br> in extracted text (NUL cannot occur: such files are refused)
_MAX_DEPTH = 200

# In lexbor's serialization of an element (lowercase names, quoted attributes, every element
# closed), a tag other than these means its text is not simply lexbor's text: a block, a
# <br>, furniture, or attributes that could make an element furniture. Closing tags, comments
# (not text), images (no text) and links with only an address are plain.
_PLAIN_TAGS = ["/", "!--", "strong>", "em>", "b>", "i>", 'a href="[^"]*">', "span>", "code>", "img[^>]*>",
               "wbr>", *(f"{tag}>" for tag in sorted(_TRANSPARENT - {"strong", "em", "b", "i", "code"}))]
_NOT_PLAIN = re.compile("<(?!" + "|".join(_PLAIN_TAGS) + ")")
_NOT_PLAIN_LIST = re.compile("<(?!li>|" + "|".join(_PLAIN_TAGS) + ")")
_HOLDS_BLOCK = re.compile("<(?:" + "|".join(sorted(_BLOCK)) + r")[\s/>]")
#: In a list's markup: something other than an item directly inside the list (text, or an
#: element that is not <li>), after the list's start tag or after an item.
_OUTSIDE_FIRST_ITEM = re.compile(r"<[^>]*>\s*(?:[^\s<]|<(?!li>|/))")
_OUTSIDE_ITEMS = re.compile(r"</li>\s*(?:[^\s<]|<(?!li>|/))")


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


def _is_element(tag: str | None) -> TypeGuard[str]:
    # text, comments, the doctype; lexbor names other non-element nodes None
    return tag is not None and not tag.startswith(("-", "!", "#", "_"))


def _ancestors(node: LexborNode) -> set[str]:
    tags: set[str] = set()
    parent = node.parent
    while parent is not None:
        if parent.tag is not None:
            tags.add(parent.tag)
        parent = parent.parent
    return tags


def _plain_items(node: LexborNode) -> list[Item]:
    """The items of a list of plain items (the common case): one lexbor text call per item,
    and their spaces cleaned up together (`_BR`, a NUL no document holds, between them)."""
    text = _BR.join(map(LexborNode.text_lexbor, node.css("li")))
    if not _single_spaced(text):
        text = " ".join(text.split())
    text = text.replace(" " + _BR, _BR).replace(_BR + " ", _BR)
    return list(map(Item, filter(None, text.split(_BR))))


#: ASCII whitespace other than the space (str.split() splits on each of them)
_ODD_SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"


def _single_spaced(text: str) -> bool:
    """Would `" ".join(text.split())` give `text` back? Checked with a few C-speed scans, where
    the split makes a string per word (half the time of a long list of plain items)."""
    return (
        text.isascii()
        and "  " not in text
        and not text.startswith(" ")
        and not text.endswith(" ")
        and not any(space in text for space in _ODD_SPACES)
    )


class _Extractor:
    """Walks a page block by block and emits blocks."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []

    # -- text

    def text(self, node: LexborNode, sink: list[LexborNode] | None = None, depth: int = 0,
             html: str | None = None) -> str:
        """The text of an element (<br> kept as `_BR`); nested lists go to `sink`."""
        if depth > _MAX_DEPTH:
            return node.text_lexbor()  # deeply nested markup is read as it is, not followed
        if html is None:
            html = node.html or ""
        if _NOT_PLAIN.search(html, 1) is None:
            return node.text_lexbor()
        parts: list[str] = []
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                parts.append(child.text_content or "")
            elif tag == "br":
                parts.append(_BR)
            elif not _is_element(tag) or tag == "img" or _is_noise(tag, child.attributes):
                continue
            elif sink is not None and tag in _LISTS:
                sink.append(child)
            elif tag in _BLOCK:
                # block boundaries inside an item separate words
                parts.append(" " + self.text(child, sink, depth + 1) + " ")
            else:
                parts.append(self.text(child, sink, depth + 1))
        return "".join(parts)

    def line(self, node: LexborNode, sink: list[LexborNode] | None = None, html: str | None = None) -> str:
        """The text of an element as one clean line (<br> becomes a space)."""
        return clean_text(self.text(node, sink, html=html).replace(_BR, " "))

    # -- blocks

    def container(self, node: LexborNode, depth: int = 0) -> None:
        inline: list[str] = []
        # Inline formatting without attributes that holds blocks is opened in place: its
        # blocks are blocks of this container, as a browser lays them out.
        children = [node.iter(include_text=True)]
        while children:
            child = next(children[-1], None)
            if child is None:
                children.pop()
                continue
            tag = child.tag
            if tag == "-text":
                inline.append(child.text_content or "")
                continue
            if tag == "br":
                inline.append(_BR)
                continue
            if not _is_element(tag):
                continue
            attrs = child.attributes
            if _is_noise(tag, attrs):
                continue
            html = None
            if tag not in _BLOCK or tag in _HEADINGS or tag in _PARAGRAPH_LIKE:
                html = child.html or ""
                holds_block = _HOLDS_BLOCK.search(html, 1) is not None
                if tag not in _BLOCK:
                    if not holds_block:
                        inline.append(self.text(child, html=html))
                        continue
                    if not attrs and tag in _TRANSPARENT:
                        children.append(child.iter(include_text=True))
                        continue
            self._flush(inline)
            if tag in _HEADINGS:
                text = self.line(child, html=html)
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
            elif tag in _PARAGRAPH_LIKE and not holds_block:
                self._flush([self.text(child, html=html)])
            elif depth >= _MAX_DEPTH:
                self._flush([self.text(child, depth=_MAX_DEPTH + 1)])
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
        html = node.html or ""
        if _NOT_PLAIN_LIST.search(html, 1) is None and "<!--" not in html and not (
            _OUTSIDE_FIRST_ITEM.match(html) or _OUTSIDE_ITEMS.search(html)
        ):
            return _plain_items(node)
        items = []
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                text = clean_text(child.text_content or "")
                if text:
                    items.append(Item(text))
                continue
            if tag == "br" or not _is_element(tag) or _is_noise(tag, child.attributes):
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

    def table_rows(self, table: LexborNode) -> list[list[str]]:
        rows: list[list[str]] = []
        pending = [table]
        while pending:
            node = pending.pop(0)
            for child in node.iter(include_text=False):
                tag = child.tag
                if tag not in ("tr", "thead", "tbody", "tfoot") or _is_noise(tag, child.attributes):
                    continue
                if tag == "tr":
                    cells = [self.line(cell) for cell in child.iter(include_text=False) if cell.tag in ("td", "th")]
                    if any(cells):
                        rows.append(cells)
                else:
                    pending.append(child)
        return rows

    def text_length(self, node: LexborNode) -> int:
        """How much article text an element holds (furniture left out), to choose among several."""
        return sum(map(len, self.text(node).split()))


class _Page:
    """What the reader looks for in a page before reading it: title and article candidates."""

    def __init__(self, parsed: LexborHTMLParser) -> None:
        self.titles: list[tuple[LexborNode, bool]] = []  # (<h1> or <title>, inside <article>/<main>)
        self.wrappers: list[LexborNode] = []  # WordPress entry-content and similar
        self.articles: list[LexborNode] = []
        self.mains: list[LexborNode] = []
        self.bodies: list[LexborNode] = []
        root = parsed.root
        last = None
        for node in root.css("h1, title, article, main, body, [class], [role]") if root is not None else ():
            if node.mem_id == last:
                continue  # matched twice by the selector
            last = node.mem_id
            tag = node.tag
            if tag in ("h1", "title"):
                self._title(node)
                continue
            attrs = node.attributes
            classes = attrs.get("class")
            kinds = []
            if tag == "article":
                kinds.append(self.articles)
            elif tag == "main":
                kinds.append(self.mains)
            elif tag == "body":
                kinds.append(self.bodies)
            if classes and not _CONTENT_CLASSES.isdisjoint(classes.lower().split()):
                kinds.append(self.wrappers)
            elif attrs.get("role") == "main":
                kinds.append(self.mains)
            if kinds and _OPAQUE.isdisjoint(_ancestors(node)):
                for kind in kinds:
                    kind.append(node)

    def _title(self, node: LexborNode) -> None:
        opened = _ancestors(node)
        if not opened.isdisjoint(_OPAQUE):
            return
        scoped = not opened.isdisjoint(("article", "main"))
        # A site's logo is often an <h1> in the page header; an <svg> has <title>s too.
        if opened.isdisjoint(("nav", "footer", "aside", "svg")) and ("header" not in opened or scoped):
            self.titles.append((node, scoped))

    def content_root(self, root: LexborNode, extractor: _Extractor) -> LexborNode:
        """The element holding the article: WordPress entry-content, <article>, <main>, or <body>."""
        for candidates in (self.wrappers, self.articles, self.mains, self.bodies):
            if len(candidates) == 1:
                return candidates[0]
            if candidates:  # several: the one with the article text
                return max(candidates, key=extractor.text_length)
        return root

    def title_texts(self, extractor: _Extractor) -> list[str]:
        """Title candidates of a page: <h1> in the article first, then other <h1>, then <title>."""
        ordered = (
            [n for n, scoped in self.titles if n.tag == "h1" and scoped]
            + [n for n, scoped in self.titles if n.tag == "h1" and not scoped]
            + [n for n, _ in self.titles if n.tag == "title"]
        )
        cleaned = [
            clean_text("".join(c.text_content or "" for c in n.iter(include_text=True) if c.tag == "-text"))
            if n.tag == "title" else extractor.line(n)
            for n in ordered
        ]
        return [t for t in dict.fromkeys(cleaned) if t]


def read_html(text: str, *, page: bool) -> Document:
    """An HTML page (furniture around an article) or a fragment (a post body) to blocks."""
    parsed = LexborHTMLParser(text)
    root = parsed.root
    found = _Page(parsed)
    extractor = _Extractor()
    if root is not None:
        extractor.container(found.content_root(root, extractor) if page else root)
    return Document(
        format="html" if page else "html-fragment",
        blocks=extractor.blocks,
        headings=found.title_texts(_Extractor()),
    )
