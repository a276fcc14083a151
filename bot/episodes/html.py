"""HTML (a feed item's rendered post) to the block tree, on the standard library's ``html.parser``.

The tree builder is forgiving and bounded: unknown tag names (``<think>``) stay text, elements nest
at most :data:`MAX_DEPTH` deep, the content of script, style, iframe and similar elements is never
kept, and every step is linear in the input. Only http(s) links survive, resolved against ``base``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from html.parser import HTMLParser
from typing import Any

from bot.episodes.blocks import (
    Block,
    CodeBlock,
    Heading,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Rule,
    Table,
    clean_lines,
    code_span,
)
from bot.episodes.urls import resolve, to_uri, youtube_watch_url

MAX_DEPTH = 64

#: Names of HTML elements: a tag with any other name (``<think>``) is shown as text.
HTML_ELEMENTS = frozenset(
    {
        "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "base", "basefont",
        "bdi", "bdo", "big", "blink", "blockquote", "body", "br", "button", "canvas", "caption", "center",
        "cite", "code", "col", "colgroup", "data", "datalist", "dd", "del", "details", "dfn", "dialog",
        "dir", "div", "dl", "dt", "em", "embed", "fieldset", "figcaption", "figure", "font", "footer",
        "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr",
        "html", "i", "iframe", "img", "input", "ins", "kbd", "label", "legend", "li", "link", "main",
        "map", "mark", "marquee", "menu", "menuitem", "meta", "meter", "nav", "nobr", "noframes",
        "noscript", "object", "ol", "optgroup", "option", "output", "p", "param", "picture", "plaintext",
        "pre", "progress", "q", "rb", "rp", "rt", "rtc", "ruby", "s", "samp", "script", "search",
        "section", "select", "slot", "small", "source", "span", "strike", "strong", "style", "sub",
        "summary", "sup", "svg", "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead",
        "time", "title", "tr", "track", "tt", "u", "ul", "var", "video", "wbr", "xmp", "math",
    }
)  # fmt: skip
#: Elements whose content is never shown (when they are closed somewhere after they open).
SKIPPED_ELEMENTS = frozenset({"script", "style", "iframe", "noscript", "template", "svg", "math"})
#: Block elements that start a new line when they occur inside a paragraph; other tags vanish there.
LINE_TAGS = frozenset(
    {
        "p", "li", "tr", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "ul", "ol",
        "dl", "table", "hr",
    }
)  # fmt: skip
_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "dir",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "frameset", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "menu", "nav", "ol", "p",
        "pre", "search", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
        "caption", "colgroup", "picture", "video", "audio", "xmp", "plaintext", "listing",
    }
)  # fmt: skip
_LIST_SCOPE = frozenset({"ul", "ol", "menu", "dir"})
_DL_SCOPE = frozenset({"dl"})
_ROW_SCOPE = frozenset({"tr", "table"})
_TABLE_SCOPE = frozenset({"table"})
_SKIPPED_CLOSER = re.compile(r"</(" + "|".join(sorted(SKIPPED_ELEMENTS)) + r")", re.IGNORECASE)
_OPENER = re.compile(r"<(?:(!--)|(!\[)|[!?/A-Za-z])")
_COMMENT_END = re.compile(r"--\s*>")
_CDATA_END = re.compile(r"\]\s*\]\s*>")
#: Markdown markers written for the HTML elements of strong, emphasis and strikethrough.
MARKS = {"strong": "**", "b": "**", "em": "*", "i": "*", "s": "~~", "del": "~~", "strike": "~~"}
_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang)-(\S+)")


class Element:
    """An element of the tree: tag name, attributes and children (elements or text)."""

    __slots__ = ("attrs", "children", "tag")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Element | str] = []


class _TreeBuilder(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]
        self.skipping: str | None = None
        self.skip_depth = 0
        self.iframes: list[str] = []
        self._pending: list[str] = []
        self._size = len(html)
        self._base = 0
        self._offset = 0
        self._closers: dict[str, list[int]] = {}
        for match in _SKIPPED_CLOSER.finditer(html):
            self._closers.setdefault(match.group(1).lower(), []).append(match.start())

    def updatepos(self, i: int, j: int) -> int:
        """Track the offset of the next token in the document (instead of its line and column)."""
        self._offset = self._base + j
        return j

    def close(self) -> None:
        self._base = self._size - len(self.rawdata)  # what feed() left unparsed is the document's tail
        super().close()

    def _closed_later(self, tag: str) -> bool:
        """True when a ``</tag`` follows the tag being handled."""
        positions = self._closers.get(tag, [])
        return bisect_right(positions, self._offset) < len(positions)

    def flush_text(self) -> None:
        """Attach the text read since the last tag to the current element."""
        if self._pending:
            self.stack[-1].children.append("".join(self._pending))
            self._pending.clear()

    def _close(self, tag: str, *, scope: frozenset[str] = frozenset()) -> bool:
        """Pop up to and including the nearest open ``tag`` (not past a ``scope`` element)."""
        for index in range(len(self.stack) - 1, 0, -1):
            current = self.stack[index].tag
            if current == tag:
                del self.stack[index:]
                return True
            if current in scope:
                return False
        return False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping is not None:
            if tag == self.skipping:
                self.skip_depth += 1
            return
        if tag not in HTML_ELEMENTS:
            self._pending.append(self.get_starttag_text() or "")
            return
        if self._pending:
            self.flush_text()
        values = {name: value or "" for name, value in attrs} if attrs else {}
        if tag == "iframe" and values.get("src"):
            self.iframes.append(values["src"])
        if tag in SKIPPED_ELEMENTS and self._closed_later(tag):
            self.skipping = tag
            self.skip_depth = 1
            return
        if tag in _BLOCKS:  # a block never sits inside an inline element: close those first
            while len(self.stack) > 1 and self.stack[-1].tag not in _BLOCKS:
                self.stack.pop()
        if tag == "li":
            self._close("li", scope=_LIST_SCOPE)
        elif tag in {"dt", "dd"}:
            if not self._close("dt", scope=_DL_SCOPE):
                self._close("dd", scope=_DL_SCOPE)
        elif tag in {"td", "th"}:
            if not self._close("td", scope=_ROW_SCOPE):
                self._close("th", scope=_ROW_SCOPE)
        elif tag == "tr":
            self._close("tr", scope=_TABLE_SCOPE)
        element = Element(tag, values)
        self.stack[-1].children.append(element)
        if tag not in _VOID and len(self.stack) < MAX_DEPTH:
            self.stack.append(element)

    def set_cdata_mode(self, *args: Any, **kwargs: Any) -> None:
        """Read script/style content raw only when it is skipped up to its end tag."""
        if self.skipping is not None:
            super().set_cdata_mode(*args, **kwargs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping is None and tag not in HTML_ELEMENTS:
            self._pending.append(self.get_starttag_text() or "")
            return
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.skipping is None:
            self.handle_endtag(tag)
        elif tag == self.skipping:
            self.skip_depth -= 1
            if not self.skip_depth:
                self.skipping = None

    def handle_endtag(self, tag: str) -> None:
        if self.skipping is not None:
            if tag == self.skipping:
                self.skip_depth -= 1
                if not self.skip_depth:
                    self.skipping = None
            return
        if tag not in HTML_ELEMENTS:
            self._pending.append(f"</{tag}>")
            return
        if self._pending:
            self.flush_text()
        if tag == "br":
            self.stack[-1].children.append(Element("br", {}))
            return
        self._close(tag)

    def handle_data(self, data: str) -> None:
        if self.skipping is None:
            self._pending.append(data)


def parse_html(html: str) -> tuple[Element, list[str]]:
    """The element tree of ``html`` and the ``src`` of every iframe in it (in order)."""
    html = _defuse(html)
    builder = _TreeBuilder(html)
    try:
        builder.feed(html)
        builder.close()
    except (AssertionError, ValueError, IndexError):  # html.parser's own complaints on broken markup
        pass
    builder.flush_text()
    return builder.root, builder.iframes


def _defuse(html: str) -> str:
    """``html`` with ``&lt;`` for each ``<`` that opens a tag, comment or declaration never closed.

    ``html.parser`` rescans the rest of the document for every such ``<`` (quadratic time on
    hostile input); it would show them as text anyway, so escaping them changes nothing else.
    """
    last_lt = html.rfind("<")
    last_gt = html.rfind(">")
    if last_lt < 0 or (last_gt > last_lt and "<!" not in html and "<?" not in html):
        return html  # every tag is followed by a ">": nothing can be left open
    last_comment_end = max((match.start() for match in _COMMENT_END.finditer(html)), default=-1)
    last_cdata_end = max((match.start() for match in _CDATA_END.finditer(html)), default=-1)
    parts: list[str] = []
    pos = 0
    for match in _OPENER.finditer(html):
        at = match.start()
        if match.group(1):
            closed = last_comment_end >= at + 4
        elif match.group(2):
            closed = html.startswith("CDATA[", at + 3) and last_cdata_end >= at + 9
        else:
            closed = last_gt > at
        if not closed:
            parts.append(html[pos:at])
            parts.append("&lt;")
            pos = at + 1
    if not parts:
        return html
    parts.append(html[pos:])
    return "".join(parts)


def first_youtube(iframes: list[str]) -> str | None:
    """The watch URL of the first YouTube player among iframe sources."""
    for src in iframes:
        url = youtube_watch_url(src)
        if url:
            return url
    return None


class _Converter:
    def __init__(self, base: str | None, plain: bool) -> None:
        self.base = base
        self.plain = plain

    # -- blocks ----------------------------------------------------------------------------------

    def blocks(self, nodes: list[Element | str]) -> list[Block]:
        out: list[Block] = []
        pending: list[Element | str] = []
        for node in nodes:
            if isinstance(node, str) or node.tag not in _BLOCKS:
                pending.append(node)
                continue
            self._flush(pending, out)
            pending = []
            self._block(node, out)
        self._flush(pending, out)
        return out

    def _flush(self, nodes: list[Element | str], out: list[Block]) -> None:
        if not nodes:
            return
        text = clean_lines(self.inline(nodes))
        if not text:
            return
        paragraph = Paragraph(text)
        if not self.plain:
            lead = self._lead(nodes)
            if lead is not None:
                paragraph.lead, paragraph.rest = lead
        out.append(paragraph)

    def _lead(self, nodes: list[Element | str]) -> tuple[Link, str] | None:
        for index, node in enumerate(nodes):
            if isinstance(node, str):
                if node.strip():
                    return None
                continue
            if node.tag != "a":
                return None
            url = resolve(node.attrs.get("href", ""), self.base)
            if url is None:
                return None
            title = " ".join(self.inline(node.children, plain=True).split())
            return Link(title, url), clean_lines(self.inline(nodes[index + 1 :]))
        return None

    def _block(self, node: Element, out: list[Block]) -> None:
        tag = node.tag
        if tag == "p":
            self._flush(node.children, out)
        elif tag in _HEADINGS:
            text = " ".join(clean_lines(self.inline(node.children)).split("\n"))
            if text:
                out.append(Heading(_HEADINGS[tag], text))
        elif tag in {"ul", "ol", "menu", "dir"}:
            out.append(self._list(node))
        elif tag == "pre":
            out.append(self._code(node))
        elif tag == "blockquote":
            children = self.blocks(node.children)
            if children:
                out.append(Quote(children))
        elif tag == "hr":
            out.append(Rule())
        elif tag == "table":
            rows = [row for row in self._rows(node) if any(row)]
            if rows:
                out.append(Table(rows))
        else:
            out.extend(self.blocks(node.children))

    def _list(self, node: Element) -> ListBlock:
        ordered = node.tag == "ol"
        start = 1
        if ordered:
            try:
                start = max(0, min(int(node.attrs.get("start", "1").strip() or "1"), 999_999_999))
            except ValueError:
                start = 1
        block = ListBlock(ordered, start)
        for child in node.children:
            if isinstance(child, Element) and child.tag == "li":
                block.items.append(self.blocks(child.children))
            elif isinstance(child, str) and not child.strip():
                continue
            else:
                extra = self.blocks([child])
                if not extra:
                    continue
                if block.items:
                    block.items[-1].extend(extra)
                else:
                    block.items.append(extra)
        return block

    def _code(self, node: Element) -> CodeBlock:
        info = ""
        for child in node.children:
            if isinstance(child, Element) and child.tag == "code":
                match = _LANGUAGE.search(child.attrs.get("class", ""))
                info = match.group(1) if match else ""
                break
        text = _text_content(node)
        if text.endswith("\n"):
            text = text[:-1]
        return CodeBlock(info, text)

    def _rows(self, node: Element) -> list[list[str]]:
        rows: list[list[str]] = []
        for child in node.children:
            if not isinstance(child, Element):
                continue
            if child.tag == "tr":
                cells = [
                    " ".join(clean_lines(self.inline(cell.children)).split("\n"))
                    for cell in child.children
                    if isinstance(cell, Element) and cell.tag in {"td", "th"}
                ]
                rows.append(cells)
            elif child.tag in {"thead", "tbody", "tfoot"}:
                rows.extend(self._rows(child))
        return rows

    # -- inline ----------------------------------------------------------------------------------

    def inline(self, nodes: list[Element | str], plain: bool | None = None) -> str:
        plain = self.plain if plain is None else plain
        parts: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                parts.append(node)
                continue
            tag = node.tag
            if tag == "br":
                parts.append("\n")
            elif tag == "img":
                parts.append(node.attrs.get("alt", ""))
            elif tag == "code":
                content = self.inline(node.children, plain)
                parts.append(content.replace("\n", " ") if plain else code_span(content))
            elif tag == "a":
                parts.append(self._anchor(node, plain))
            elif tag in MARKS and not plain:
                parts.append(wrap(self.inline(node.children, plain), MARKS[tag]))
            elif tag in LINE_TAGS:
                parts.append("\n" + self.inline(node.children, plain) + "\n")
            else:
                parts.append(self.inline(node.children, plain))
        return "".join(parts)

    def _anchor(self, node: Element, plain: bool) -> str:
        text = self.inline(node.children, plain)
        if plain:
            return text
        url = resolve(node.attrs.get("href", ""), self.base)
        if url is None:
            return text
        label = clean_lines(text)
        if to_uri(label) == url:
            return url
        return f"[{label}]({url})"


def wrap(text: str, mark: str) -> str:
    """``text`` between ``mark``s as markdown writes them (nothing is added around blank text)."""
    return f"{mark}{text}{mark}" if text.strip() else text


def _text_content(node: Element) -> str:
    parts: list[str] = []
    stack: list[Element | str] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            parts.append(current)
        elif current.tag == "br":
            parts.append("\n")
        else:
            stack.extend(reversed(current.children))
    return "".join(parts)


def html_blocks(html: str, base: str | None = None, *, plain: bool = False) -> list[Block]:
    """The block tree of an HTML fragment (links resolved against ``base``)."""
    root, _ = parse_html(html)
    return _Converter(base, plain).blocks(root.children)


def tree_blocks(root: Element, base: str | None = None, *, plain: bool = False) -> list[Block]:
    """The block tree of an already parsed element tree."""
    return _Converter(base, plain).blocks(root.children)
