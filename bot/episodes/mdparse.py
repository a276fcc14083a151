"""Markdown blocks of a post body, read by markdown-it-py the way the site's renderer reads them.

markdown-it-py parses the body as CommonMark with raw HTML, tables and strikethrough (the model of the
site's Jekyll renderer, so a list that interrupts a paragraph, a 4-space nested item or a heading
inside a summary land where the rendered page has them); its token stream becomes the block tree of
:mod:`bot.episodes.blocks`. Inline content becomes canonical text in :mod:`bot.episodes.inline`, raw
HTML blocks go through :mod:`bot.episodes.html`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token

from bot.episodes.blocks import Block, CodeBlock, Heading, Link, ListBlock, Paragraph, Quote, Rule, Table
from bot.episodes.html import html_blocks
from bot.episodes.inline import needs_parsing, paragraph_text, text_of

__all__ = ["leading_link", "parse_blocks"]


class _Reader(MarkdownIt):
    """CommonMark as the site renders it; link destinations stay as written (they are made URIs later)."""

    def normalizeLink(self, url: str) -> str:
        return url

    def normalizeLinkText(self, link: str) -> str:
        return link


def _block_reader(without: frozenset[str] = frozenset()) -> _Reader:
    """The site's reader for block tokens only, without the block rules named in ``without``."""
    reader = _Reader("commonmark", {"html": True})
    reader.enable(["table", "strikethrough"])
    # Inline content is parsed only where it holds markup (see ``_inline``); the rest is already canonical.
    reader.core.ruler.disable(["inline", "text_join"])
    if without:
        reader.block.ruler.disable(sorted(without))
    return reader


_READER = _block_reader()
#: Block rules that cannot match a text without these marks: a table's header row holds ``|``, a fence
#: opens with three backticks or tildes, a quote with ``>``, raw HTML with ``<``, a link reference
#: definition's label ends with ``]:``, a thematic break is a line ending with three ``-``, ``*`` or
#: ``_`` (spaces between), a setext underline a line ending with ``=`` or ``-``. A body without a rule's
#: marks is parsed with that rule off: the same tokens, without trying the rule at every line (on the
#: show's posts, most bodies need neither of the last two, which look ahead at every paragraph).
_RULE_MARKS: dict[str, Callable[[str], object]] = {
    "table": lambda text: "|" in text,
    "fence": lambda text: "```" in text or "~~~" in text,
    "blockquote": lambda text: ">" in text,
    "html_block": lambda text: "<" in text,
    "reference": lambda text: "]:" in text,
    "hr": re.compile(r"([-*_])(?:[ \t]*\1){2,}[ \t]*(?:\r|$)", re.MULTILINE).search,
    "lheading": re.compile(r"[=-][ \t]*(?:\r|$)", re.MULTILINE).search,
}
_READERS: dict[frozenset[str], _Reader] = {frozenset(): _READER}
_READERS_LOCK = threading.Lock()
#: markdown-it's link scanning grows faster than linearly with the brackets of one paragraph: a paragraph
#: with more than this many (never in a real post; ``![`` repeated 30,000 times takes seconds) is read
#: without links and images, its text kept.
_MAX_BRACKETS = 1000
_NO_LINKS = _Reader("commonmark", {"html": True}).enable(["strikethrough"]).disable(["link", "image"])


def parse_blocks(text: str, *, base: str | None = None) -> list[Block]:
    """The block tree of markdown ``text`` (relative links resolved against ``base``)."""
    env: dict[str, Any] = {}
    return _Builder(env, base).build(_reader_for(text).parse(text, env))


def _reader_for(text: str) -> _Reader:
    """The block reader for ``text``: without the rules whose marks it does not hold (see ``_RULE_MARKS``)."""
    without = frozenset(rule for rule, marked in _RULE_MARKS.items() if not marked(text))
    reader = _READERS.get(without)
    if reader is None:
        with _READERS_LOCK:  # parsing runs in worker threads
            reader = _READERS.setdefault(without, _block_reader(without))
    return reader


def leading_link(src: str, *, base: str | None = None) -> tuple[Link, str] | None:
    """When inline markdown ``src`` opens with an http(s) link: the link (plain title) and the canonical rest."""
    _, link, rest = paragraph_text(src, _inline(src, {}), base)
    return None if link is None else (link, rest)


def _inline(content: str, env: dict[str, Any]) -> list[Token] | None:
    """The inline tokens of ``content``, or None when it holds no markup to read."""
    if not needs_parsing(content):
        return None
    tokens: list[Token] = []
    reader = _READER if content.count("[") <= _MAX_BRACKETS else _NO_LINKS
    reader.inline.parse(content, reader, env, tokens)
    return tokens


class _Builder:
    """Turns the flat block token stream into nested blocks."""

    def __init__(self, env: dict[str, Any], base: str | None) -> None:
        self.env = env
        self.base = base

    def _text(self, token: Token) -> str:
        children = _inline(token.content, self.env)
        return text_of(token.content, children, self.base)

    def build(self, tokens: list[Token]) -> list[Block]:
        root: list[Block] = []
        self._fill(root, iter(tokens), "")
        return root

    def _fill(self, out: list[Block], stream: Iterator[Token], closer: str) -> None:
        """Append blocks read from ``stream`` to ``out`` until the token type ``closer``."""
        html: list[str] = []  # adjacent raw HTML blocks are rendered back to back: one piece of HTML
        for token in stream:
            kind = token.type
            if html and kind != "html_block":
                out.extend(html_blocks("".join(html), self.base))
                html = []
            if kind == closer:
                return
            if kind == "paragraph_open":
                inline = next(stream)
                next(stream)  # paragraph_close
                text, lead, rest = paragraph_text(inline.content, _inline(inline.content, self.env), self.base)
                if text:
                    out.append(Paragraph(text, lead, rest))
            elif kind == "heading_open":
                inline = next(stream)
                next(stream)  # heading_close
                out.append(Heading(int(token.tag[1]), self._text(inline)))
            elif kind in ("bullet_list_open", "ordered_list_open"):
                out.append(self._list(token, stream))
            elif kind == "blockquote_open":
                quote = Quote()
                self._fill(quote.children, stream, "blockquote_close")
                out.append(quote)
            elif kind == "fence":
                words = unescapeAll(token.info).split()
                out.append(CodeBlock(words[0] if words else "", token.content.removesuffix("\n")))
            elif kind == "code_block":
                out.append(CodeBlock("", _without_trailing_blank_lines(token.content)))
            elif kind == "html_block":
                html.append(token.content)
            elif kind == "hr":
                out.append(Rule())
            elif kind == "table_open":
                rows = [row for row in self._rows(stream) if any(row)]
                if rows:
                    out.append(Table(rows))
        if html:
            out.extend(html_blocks("".join(html), self.base))

    def _list(self, opener: Token, stream: Iterator[Token]) -> ListBlock:
        ordered = opener.type == "ordered_list_open"
        start = opener.attrGet("start")
        block = ListBlock(ordered, int(start) if ordered and start is not None else 1)
        closer = "ordered_list_close" if ordered else "bullet_list_close"
        for token in stream:
            if token.type == closer:
                break
            if token.type == "list_item_open":
                item: list[Block] = []
                self._fill(item, stream, "list_item_close")
                block.items.append(item)
        return block

    def _rows(self, stream: Iterator[Token]) -> list[list[str]]:
        rows: list[list[str]] = []
        for token in stream:
            if token.type == "table_close":
                break
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline" and rows:
                rows[-1].append(" ".join(self._text(token).split("\n")))
        return rows


def _without_trailing_blank_lines(text: str) -> str:
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)
