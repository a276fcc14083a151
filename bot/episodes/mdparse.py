"""Markdown blocks of a post body, read line by line the way CommonMark does.

Containers (block quotes, list items) and leaf blocks (paragraphs, headings, fenced and indented
code, HTML blocks, thematic breaks) follow the CommonMark block algorithm, so a list that
interrupts a paragraph, a 4-space nested item or a heading inside a summary land in the same
place as in the site's rendered HTML. Link reference definitions and tables are not recognised.
"""

from __future__ import annotations

import re

from bot.episodes.blocks import Block, CodeBlock, Heading, ListBlock, Paragraph, Quote, Rule
from bot.episodes.html import html_blocks
from bot.episodes.inline import inline, paragraph, unescape

_SPACES = re.compile(" *")
_MAYBE_SPECIAL = frozenset("#`~*+_=<>0123456789-")
_PLAIN_STARTS = _MAYBE_SPECIAL | {" ", "\t"}
_ATX = re.compile(r"#{1,6}(?:[ \t]+|$)")
_ATX_CLOSING = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_FENCE = re.compile(r"`{3,}(?!.*`)|~{3,}")
_CLOSING_FENCE = re.compile(r"(`{3,}|~{3,})[ \t]*$")
_SETEXT = re.compile(r"(?:=+|-+)[ \t]*$")
_RULE = re.compile(r"(?:(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|(?:-[ \t]*){3,})$")
_BULLET = re.compile(r"[*+-]")
_ORDERED = re.compile(r"(\d{1,9})([.)])")
_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|"
    "dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[123456]|head|header|hr|html|"
    "iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|"
    "summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul"
)
_ATTRIBUTE = r"""(?:\s+[a-zA-Z_:][a-zA-Z0-9:._-]*(?:\s*=\s*(?:[^"'=<>`\x00-\x20]+|'[^']*'|"[^"]*"))?)"""
_HTML_OPEN = [
    re.compile(r"<(?:script|pre|textarea|style)(?:\s|>|$)", re.IGNORECASE),
    re.compile(r"<!--"),
    re.compile(r"<[?]"),
    re.compile(r"<![A-Za-z]"),
    re.compile(r"<!\[CDATA\["),
    re.compile(rf"</?(?:{_BLOCK_TAGS})(?:\s|/?>|$)", re.IGNORECASE),
    re.compile(
        rf"(?:<[A-Za-z][A-Za-z0-9-]*{_ATTRIBUTE}*\s*/?>|</[A-Za-z][A-Za-z0-9-]*\s*>)\s*$",
        re.IGNORECASE,
    ),
]
_HTML_CLOSE = [
    re.compile(r"</(?:script|pre|textarea|style)>", re.IGNORECASE),
    re.compile(r"-->"),
    re.compile(r"\?>"),
    re.compile(r">"),
    re.compile(r"\]\]>"),
]
_MAX_CONTAINERS = 40  # block quotes, lists and items open at once (20 levels of nested lists)
_LEAVES = frozenset({"paragraph", "fence", "code", "html"})


class _Node:
    """A block being built; the fields after ``open`` matter for some kinds only."""

    __slots__ = (
        "children", "fence", "html_type", "kind", "level", "lines", "marker", "offset", "open",
        "ordered", "padding", "parent", "start",
    )  # fmt: skip

    def __init__(self, kind: str, parent: _Node | None) -> None:
        self.kind = kind
        self.parent = parent
        self.children: list[_Node] = []
        self.lines: list[str] = []
        self.open = True
        self.level = 0  # heading level
        self.fence = ""  # fenced code: the opening fence
        self.offset = 0  # fenced code: indentation of the fence; list item: of the marker
        self.padding = 0  # list item: marker width plus the spaces after it
        self.marker = ""  # list and item: bullet character or ordered delimiter
        self.ordered = False
        self.start = 1
        self.html_type = 0


def _in_top_item(node: _Node) -> bool:
    """True when ``node`` sits directly in an item of a list at the top of the document."""
    item = node.parent
    listing = item.parent if item is not None else None
    return (
        item is not None
        and item.kind == "item"
        and listing is not None
        and listing.parent is not None
        and (listing.parent.parent is None)
    )


def _can_contain(parent: str, child: str) -> bool:
    if parent == "list":
        return child == "item"
    return parent in {"document", "quote", "item"} and child != "item"


class _Parser:
    """CommonMark's block phase over a list of lines."""

    def __init__(self) -> None:
        self.doc = _Node("document", None)
        self.tip = self.doc
        self.line = ""
        self.offset = 0
        self.next_nonspace = 0
        self.indent = 0
        self.blank = False
        self.indented = False
        self.all_closed = True
        self.last_matched = self.doc
        self.old_tip = self.doc
        self.starts = (
            self._quote_start,
            self._atx_start,
            self._fence_start,
            self._html_start,
            self._setext_start,
            self._rule_start,
            self._item_start,
            self._code_start,
        )

    # -- position helpers ----------------------------------------------------------------------

    def _find_next_nonspace(self) -> None:
        line = self.line
        pos = self.offset
        size = len(line)
        if pos < size and line[pos] != " ":
            self.next_nonspace = pos
            self.indent = 0
            self.blank = False
            self.indented = False
            return
        pos = _SPACES.match(line, pos).end()  # type: ignore[union-attr]
        self.next_nonspace = pos
        self.indent = pos - self.offset
        self.blank = pos >= size
        self.indented = self.indent >= 4

    def _advance_next_nonspace(self) -> None:
        self.offset = self.next_nonspace

    # -- tree helpers --------------------------------------------------------------------------

    def _add_child(self, kind: str) -> _Node:
        while not _can_contain(self.tip.kind, kind):
            self._finalize(self.tip)
        node = _Node(kind, self.tip)
        self.tip.children.append(node)
        self.tip = node
        return node

    def _finalize(self, node: _Node) -> None:
        node.open = False
        if node.parent is not None:
            self.tip = node.parent

    def _close_unmatched(self) -> None:
        if self.all_closed:
            return
        while self.old_tip is not self.last_matched and self.old_tip.parent is not None:
            parent = self.old_tip.parent
            self._finalize(self.old_tip)
            self.old_tip = parent
        self.all_closed = True

    # -- continuation of open blocks -------------------------------------------------------------

    def _continue(self, node: _Node) -> int:
        kind = node.kind
        if kind == "paragraph":
            return 1 if self.blank else 0
        if kind == "item":
            if self.blank:
                if not node.children:
                    return 1
                self._advance_next_nonspace()
                return 0
            width = node.offset + node.padding
            if self.indent >= width:
                self.offset += width
                return 0
            return 1
        if kind == "list":
            return 0
        if kind == "quote":
            if not self.indented and self.line.startswith(">", self.next_nonspace):
                self.offset = self.next_nonspace + 1
                if self.line.startswith(" ", self.offset):
                    self.offset += 1
                return 0
            return 1
        if kind == "fence":
            match = _CLOSING_FENCE.match(self.line, self.next_nonspace) if self.indent <= 3 else None
            if match and match.group(1)[0] == node.fence[0] and len(match.group(1)) >= len(node.fence):
                self._finalize(node)
                return 2
            skip = node.offset
            while skip > 0 and self.line.startswith(" ", self.offset):
                self.offset += 1
                skip -= 1
            return 0
        if kind == "code":
            if self.indent >= 4:
                self.offset += 4
                return 0
            if self.blank:
                self._advance_next_nonspace()
                return 0
            return 1
        if kind == "html":
            return 1 if self.blank and node.html_type in (6, 7) else 0
        return 1

    # -- block starts: 0 no match, 1 container started, 2 leaf started ---------------------------

    def _too_deep(self, container: _Node) -> bool:
        depth = 0
        node: _Node | None = container
        while node is not None:
            depth += 1
            if depth > _MAX_CONTAINERS:
                return True
            node = node.parent
        return False

    def _quote_start(self, container: _Node) -> int:
        if self.indented or not self.line.startswith(">", self.next_nonspace) or self._too_deep(container):
            return 0
        self.offset = self.next_nonspace + 1
        if self.line.startswith(" ", self.offset):
            self.offset += 1
        self._close_unmatched()
        self._add_child("quote")
        return 1

    def _atx_start(self, container: _Node) -> int:
        match = None if self.indented else _ATX.match(self.line, self.next_nonspace)
        if match is None:
            return 0
        self._close_unmatched()
        node = self._add_child("heading")
        node.level = len(match.group().strip())
        text = self.line[match.end() :]
        text = _ATX_CLOSING.sub("", text)
        node.lines.append(text.strip())
        self.offset = len(self.line)
        return 2

    def _fence_start(self, container: _Node) -> int:
        match = None if self.indented else _FENCE.match(self.line, self.next_nonspace)
        if match is None:
            return 0
        self._close_unmatched()
        node = self._add_child("fence")
        node.fence = match.group()
        node.offset = self.indent
        self.offset = match.end()
        return 2

    def _html_start(self, container: _Node) -> int:
        if self.indented or not self.line.startswith("<", self.next_nonspace):
            return 0
        rest = self.line[self.next_nonspace :]
        for number, pattern in enumerate(_HTML_OPEN, start=1):
            if not pattern.match(rest):
                continue
            if number == 7 and (
                container.kind == "paragraph"
                or (not self.all_closed and not self.blank and self.tip.kind == "paragraph")
            ):
                return 0
            self._close_unmatched()
            node = self._add_child("html")
            node.html_type = number
            return 2
        return 0

    def _setext_start(self, container: _Node) -> int:
        if self.indented or container.kind != "paragraph":
            return 0
        match = _SETEXT.match(self.line, self.next_nonspace)
        if match is None:
            return 0
        self._close_unmatched()
        container.kind = "heading"
        container.level = 1 if match.group()[0] == "=" else 2
        self._finalize(container)
        self.offset = len(self.line)
        return 2

    def _rule_start(self, container: _Node) -> int:
        if self.indented or not _RULE.match(self.line, self.next_nonspace):
            return 0
        self._close_unmatched()
        self._add_child("rule")
        self.offset = len(self.line)
        return 2

    def _item_start(self, container: _Node) -> int:
        if self.indented and container.kind != "list":
            return 0
        if self.indent >= 4 or self._too_deep(container):
            return 0
        line = self.line
        start = self.next_nonspace
        bullet = _BULLET.match(line, start)
        if bullet:
            marker, delimiter, ordered, number = bullet.group(), bullet.group(), False, 1
        else:
            numbered = _ORDERED.match(line, start)
            if numbered is None:
                return 0
            if container.kind == "paragraph" and numbered.group(1) != "1":
                return 0
            marker, delimiter, ordered, number = (
                numbered.group(),
                numbered.group(2),
                True,
                int(numbered.group(1)),
            )
        after = start + len(marker)
        if after < len(line) and line[after] not in " \t":
            return 0
        if container.kind == "paragraph" and not line[after:].strip(" \t"):
            return 0
        self.offset = after
        spaces = 0
        while spaces < 5 and self.offset < len(line) and line[self.offset] == " ":
            self.offset += 1
            spaces += 1
        if spaces >= 5 or spaces < 1 or self.offset >= len(line):
            padding = len(marker) + 1
            self.offset = after
            if line.startswith(" ", self.offset):
                self.offset += 1
        else:
            padding = len(marker) + spaces
        marker_indent = self.indent
        self._close_unmatched()
        tip = self.tip
        if tip.kind != "list" or tip.ordered != ordered or tip.marker != delimiter:
            listing = self._add_child("list")
            listing.ordered, listing.marker, listing.start = ordered, delimiter, number
        item = self._add_child("item")
        item.offset, item.padding = marker_indent, padding
        return 1

    def _code_start(self, container: _Node) -> int:
        if not self.indented or self.tip.kind == "paragraph" or self.blank:
            return 0
        self.offset += 4
        self._close_unmatched()
        self._add_child("code")
        return 2

    # -- one line --------------------------------------------------------------------------------

    def add_line(self, line: str) -> None:
        if "\t" in line:
            stripped = line.lstrip(" \t")
            line = line[: len(line) - len(stripped)].expandtabs(4) + stripped
        # Fast paths for the common shapes of a post; each does exactly what the general steps would.
        tip = self.tip
        if line and line[0] not in _PLAIN_STARTS:
            if tip.parent is self.doc:
                if tip.kind == "paragraph":
                    tip.lines.append(line)
                    return
                if tip.kind in ("heading", "rule"):
                    self._finalize(tip)
                    tip = self.tip
            elif tip.kind == "item" and tip.parent is not None and tip.parent.parent is self.doc:
                self._finalize(tip)
                self._finalize(tip.parent)
                tip = self.tip
            if tip is self.doc:
                node = _Node("paragraph", tip)
                tip.children.append(node)
                node.lines.append(line)
                self.tip = node
                return
        in_top_item = tip.kind == "paragraph" and _in_top_item(tip)
        if in_top_item and line and line[0] not in _PLAIN_STARTS:
            tip.lines.append(line)  # lazy continuation of a top-level list item's paragraph
            return
        if not line.strip(" \t"):
            if tip is self.doc:
                return  # blank line between top-level blocks
            if in_top_item or (tip.parent is self.doc and tip.kind in ("paragraph", "heading", "rule")):
                self._finalize(tip)
                return
            if tip.kind == "item" and tip.children and tip.parent is not None and tip.parent.parent is self.doc:
                return  # blank line inside a top-level list item
        self.line = line
        self.offset = 0
        container = self.doc
        self.old_tip = old_tip = self.tip
        while container.children and container.children[-1].open:
            container = container.children[-1]
            self._find_next_nonspace()
            result = self._continue(container)
            if result == 1:
                assert container.parent is not None
                container = container.parent
                break
            if result == 2:
                return
        self.all_closed = container is old_tip
        self.last_matched = container
        matched_leaf = container.kind != "paragraph" and container.kind in _LEAVES
        while not matched_leaf:
            self._find_next_nonspace()
            if not self.indented and (self.blank or line[self.next_nonspace] not in _MAYBE_SPECIAL):
                self._advance_next_nonspace()
                break
            for start in self.starts:
                result = start(container)
                if result:
                    container = self.tip
                    matched_leaf = result == 2
                    break
            else:
                self._advance_next_nonspace()
                break
        if not self.all_closed and not self.blank and self.tip.kind == "paragraph":
            self.tip.lines.append(line[self.offset :])
            return
        self._close_unmatched()
        if container.kind in _LEAVES:
            container.lines.append(line[self.offset :])
            kind = container.html_type
            if 1 <= kind <= 5 and _HTML_CLOSE[kind - 1].search(line, self.offset):
                self._finalize(container)
        elif self.offset < len(line) and not self.blank:
            node = self._add_child("paragraph")
            self._advance_next_nonspace()
            node.lines.append(line[self.offset :])


def parse_blocks(text: str, *, base: str | None = None) -> list[Block]:
    """The block tree of markdown ``text``; raw HTML blocks go through :mod:`bot.episodes.html`."""
    parser = _Parser()
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the newline ending the last line does not start another one
    for line in lines:
        parser.add_line(line.rstrip("\r"))
    return _convert(parser.doc, base)


def _convert(node: _Node, base: str | None) -> list[Block]:
    blocks: list[Block] = []
    children = node.children
    for position, child in enumerate(children):
        kind = child.kind
        if kind == "paragraph":
            source = "\n".join(line.lstrip(" \t") for line in child.lines).strip(" \t\n")
            text, lead, rest = paragraph(source, base=base)
            if text:
                blocks.append(Paragraph(text, lead, rest))
        elif kind == "heading":
            source = "\n".join(line.lstrip(" \t") for line in child.lines).strip(" \t\n")
            blocks.append(Heading(child.level, inline(source, base=base)))
        elif kind == "list":
            items = [_convert(item, base) for item in child.children]
            blocks.append(ListBlock(child.ordered, child.start, items))
        elif kind == "quote":
            blocks.append(Quote(_convert(child, base)))
        elif kind == "fence":
            info_line = child.lines[0] if child.lines else ""
            words = unescape(info_line).split()
            info = words[0] if words else ""
            blocks.append(CodeBlock(info, "\n".join(child.lines[1:])))
        elif kind == "code":
            lines = list(child.lines)
            while lines and not lines[-1].strip():
                lines.pop()
            blocks.append(CodeBlock("", "\n".join(lines)))
        elif kind == "html":
            if position and children[position - 1].kind == "html":
                continue  # already read with the first of these adjacent HTML blocks
            raw: list[str] = []
            for sibling in children[position:]:
                if sibling.kind != "html":
                    break
                raw.extend(sibling.lines)  # rendered back to back, they form one piece of HTML
            blocks.extend(html_blocks("\n".join(raw) + "\n", base))
        elif kind == "rule":
            blocks.append(Rule())
    return blocks
