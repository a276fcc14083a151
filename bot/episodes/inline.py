"""markdown-it-py inline tokens to canonical inline text (see :mod:`bot.episodes.markdown`).

Strong, emphasis and strikethrough are written back with ``*`` and ``~`` (``_`` emphasis becomes
``*``), so ``*`` and ``~`` stay where the source put them whether or not they are markup; code spans
get a canonical fence; links become ``[text](uri)`` or their bare URL, images their alt text. Raw
HTML tags are written as the HTML reader writes the elements they open: ``<b>``, ``<i>``, ``<s>``,
``<code>`` and ``<a href>`` become markdown (an element left open ends with its paragraph), ``<br>``
and block tags a line break, other tags of real elements vanish, tags of unknown names stay as text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token

from bot.episodes.blocks import Link, clean_lines, code_span
from bot.episodes.html import HTML_ELEMENTS, LINE_TAGS, MARKS, SKIPPED_ELEMENTS, wrap
from bot.episodes.urls import resolve, to_uri

#: Text with none of these (and no ``_`` that may be emphasis) reads as itself: ``*``/``~`` are kept anyway.
_NEEDS_WORK = re.compile(r"[\\`&<\[]")
_LOOSE_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_ATTR_VALUE = re.compile(r"""\s([a-zA-Z_:][a-zA-Z0-9:._-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")
_MARKUP = {"strong_open": "**", "strong_close": "**", "em_open": "*", "em_close": "*", "s_open": "~~", "s_close": "~~"}


def needs_parsing(src: str) -> bool:
    """False when inline markdown ``src`` is its own canonical text (up to line stripping)."""
    return bool(_NEEDS_WORK.search(src)) or ("_" in src and bool(_LOOSE_UNDERSCORE.search(src)))


def text_of(src: str, tokens: Sequence[Token] | None, base: str | None) -> str:
    """Canonical text of inline markdown ``src`` from its ``tokens`` (None: ``src`` needs no parsing)."""
    if tokens is None:
        return clean_lines(src)
    return clean_lines("".join(_Writer(base, plain=False).write(tokens)))


def _plain_text(tokens: Sequence[Token]) -> str:
    """The text a reader sees, markup removed, whitespace runs collapsed to one space."""
    return " ".join("".join(_Writer(None, plain=True).write(tokens)).split())


def paragraph_text(src: str, tokens: Sequence[Token] | None, base: str | None) -> tuple[str, Link | None, str]:
    """A paragraph's canonical text and, when it opens with an http(s) link, that link (plain title)
    and the canonical text after it."""
    if tokens is None:
        return clean_lines(src), None, ""
    writer = _Writer(base, plain=False)
    parts = writer.write(tokens)
    text = clean_lines("".join(parts))
    if writer.lead is None:
        return text, None, ""
    link, index = writer.lead
    return text, link, clean_lines("".join(parts[index + 1 :]))


class _Writer:
    """One pass over a paragraph's inline tokens, one output string per step."""

    def __init__(self, base: str | None, plain: bool) -> None:
        self.base = base
        self.plain = plain
        self.lead: tuple[Link, int] | None = None  # a link opening the paragraph and its index in the output

    def write(self, tokens: Sequence[Token], *, top: bool = True) -> list[str]:
        parts: list[str] = []
        raw: list[tuple[str, str, int]] = []  # open raw HTML elements: (tag, URL or marker, index in parts)
        raw_seen = False
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            index += 1
            if kind in ("text", "text_special"):
                parts.append(token.content)
            elif kind in ("softbreak", "hardbreak"):
                parts.append("\n")
            elif kind in _MARKUP:
                parts.append("" if self.plain else _MARKUP[kind])
            elif kind == "code_inline":
                parts.append(token.content if self.plain else code_span(token.content))
            elif kind == "image":
                parts.append(_plain_text(token.children or []))
            elif kind == "link_open":
                end = next((at for at in range(index, len(tokens)) if tokens[at].type == "link_close"), len(tokens))
                opens = top and not raw_seen and not "".join(parts).strip()
                href = str(token.attrGet("href") or "")
                parts.append(self._link(href, tokens[index:end], token.markup == "autolink", opens, len(parts)))
                index = end + 1
            elif kind == "html_inline":
                index = self._tag(token.content, tokens, index, parts, raw)
                raw_seen = raw_seen or bool(raw)
        while raw:  # the paragraph's end closes what raw HTML left open, as in the rendered page
            _close(raw, parts)
        return parts

    def _link(self, href: str, label: Sequence[Token], auto: bool, opens: bool, position: int) -> str:
        inner = _Writer(self.base, self.plain).write(label, top=False)
        if self.plain:
            return "".join(inner)
        url = resolve(href, self.base)
        text = clean_lines("".join(inner))
        if url is None:
            return text
        if opens:
            self.lead = (Link(_plain_text(label), url), position)
        if auto or (text[:4].lower() == url[:4] and to_uri(text) == url):
            return url
        return f"[{text}]({url})"

    def _tag(
        self, source: str, tokens: Sequence[Token], index: int, parts: list[str], raw: list[tuple[str, str, int]]
    ) -> int:
        """Write the raw HTML tag ``source``; returns the index of the next token to read."""
        match = _TAG.match(source)
        if match is None:
            return index  # a comment, processing instruction or declaration: never shown
        closing, name = bool(match.group(1)), match.group(2).lower()
        if name not in HTML_ELEMENTS:
            parts.append(f"</{name}>" if closing else source)
            return index
        if name in SKIPPED_ELEMENTS and not closing and not source.endswith("/>"):
            ender = re.compile(rf"</{name}\s*>", re.IGNORECASE)
            for at in range(index, len(tokens)):
                if tokens[at].type in ("link_open", "link_close"):
                    break
                if tokens[at].type == "html_inline" and ender.match(tokens[at].content):
                    return at + 1
            return index
        if name == "br" or name in LINE_TAGS:
            parts.append("\n")
        elif name == "img" and not closing:
            parts.append(_attribute(source, "alt") or "")
        elif (name in MARKS or name in ("a", "code")) and not self.plain:
            if not closing:
                if name == "a":
                    href = _attribute(source, "href")
                    url = resolve(href, self.base) if href is not None else None
                    raw.append((name, url or "", len(parts)))
                else:
                    raw.append((name, MARKS.get(name, "`"), len(parts)))
                parts.append("")
            elif any(entry[0] == name for entry in raw):
                while raw[-1][0] != name:
                    _close(raw, parts)
                _close(raw, parts)
        return index


def _close(raw: list[tuple[str, str, int]], parts: list[str]) -> None:
    """Close the innermost open raw element: its content is written as the HTML reader writes it."""
    tag, value, opened = raw.pop()
    if tag == "a" and not value:
        return
    inner = "".join(parts[opened + 1 :])
    if tag == "a":
        label = clean_lines(inner)
        written = value if to_uri(label) == value else f"[{label}]({value})"
    elif tag == "code":
        written = code_span(inner)
    else:
        written = wrap(inner, value)
    parts[opened:] = [written]


def _attribute(tag: str, name: str) -> str | None:
    for match in _ATTR_VALUE.finditer(tag):
        if match.group(1).lower() == name:
            value = next((group for group in match.groups()[1:] if group is not None), "")
            return unescapeAll(value)
    return None
