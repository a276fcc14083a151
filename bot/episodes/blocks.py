"""The block tree both readers build, and its canonical markdown serialisation.

The posts reader parses markdown into these blocks (:mod:`bot.episodes.mdparse`), the feed reader
parses rendered HTML into them (:mod:`bot.episodes.html`); :func:`render` turns them into the
canonical markdown described in :mod:`bot.episodes.markdown`. Inline content is already canonical
text when a block is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BACKTICKS = re.compile(r"`+")
_FENCE_TICKS = re.compile(r"^ {0,3}`{3,}", re.MULTILINE)
_FENCE_TILDES = re.compile(r"^ {0,3}~{3,}", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Link:
    """A link that opens a paragraph: its plain-text label and its URI."""

    title: str
    url: str


@dataclass(slots=True)
class Paragraph:
    """Inline text, lines joined by ``\\n``; ``lead``/``rest`` split off a link that opens it."""

    text: str
    lead: Link | None = None
    rest: str = ""


@dataclass(slots=True)
class Heading:
    level: int
    text: str


@dataclass(slots=True)
class CodeBlock:
    info: str
    text: str


@dataclass(slots=True)
class ListBlock:
    """A bullet list (``ordered`` false) or a numbered list starting at ``start``."""

    ordered: bool
    start: int = 1
    items: list[list[Block]] = field(default_factory=list)


@dataclass(slots=True)
class Quote:
    children: list[Block] = field(default_factory=list)


@dataclass(slots=True)
class Rule:
    pass


@dataclass(slots=True)
class Table:
    """Rows of cells (inline text); the header row first."""

    rows: list[list[str]] = field(default_factory=list)


Block = Paragraph | Heading | CodeBlock | ListBlock | Quote | Rule | Table


def code_span(content: str) -> str:
    """A canonical code span for ``content``: the shortest fence that works, padded when needed.

    Line breaks become spaces (those at either end are dropped); content of spaces only gives nothing.
    """
    content = content.strip("\n").replace("\n", " ")
    if not content.strip():
        return ""  # a code span of spaces shows nothing
    runs = {len(run) for run in _BACKTICKS.findall(content)}
    width = 1
    while width in runs:
        width += 1
    fence = "`" * width
    if (
        content.startswith("`")
        or content.endswith("`")
        or (content.startswith(" ") and content.endswith(" ") and content.strip(" "))
    ):
        return f"{fence} {content} {fence}"
    return f"{fence}{content}{fence}"


def clean_lines(text: str) -> str:
    """Inline text with every line stripped and empty lines dropped."""
    if "\n" not in text:
        return text.strip()
    return "\n".join(line for line in (part.strip() for part in text.split("\n")) if line)


def render(blocks: list[Block], *, plain: bool = False) -> str:
    """The canonical markdown of ``blocks`` (``plain``: without markdown markers)."""
    return "\n\n".join(filter(None, (_render(block, plain) for block in blocks)))


def _render(block: Block, plain: bool) -> str:
    if isinstance(block, Paragraph):
        return block.text
    if isinstance(block, Heading):
        text = " ".join(block.text.split("\n"))
        if plain or not text:
            return text
        return "#" * min(block.level, 3) + " " + text
    if isinstance(block, ListBlock):
        return _render_list(block, plain)
    if isinstance(block, CodeBlock):
        if plain:
            return block.text
        char, pattern = ("~", _FENCE_TILDES) if "`" in block.info else ("`", _FENCE_TICKS)
        longest = max((len(run.strip()) for run in pattern.findall(block.text)), default=0)
        fence = char * max(3, longest + 1)
        return f"{fence}{block.info}\n{block.text}\n{fence}" if block.text else f"{fence}{block.info}\n{fence}"
    if isinstance(block, Quote):
        inner = render(block.children, plain=plain)
        if plain or not inner:
            return inner
        return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
    if isinstance(block, Table):
        return "\n".join(" | ".join(row) for row in block.rows if any(row))
    return "" if plain else "***"


def _render_list(block: ListBlock, plain: bool) -> str:
    lines: list[str] = []
    number = block.start
    for item in block.items:
        marker = f"{number}. " if block.ordered else "- "
        number += 1
        pad = " " * len(marker)
        body = "\n".join(filter(None, (_render(child, plain) for child in item)))
        if not body:
            lines.append(marker.rstrip())
            continue
        first, *others = body.split("\n")
        lines.append(marker + first)
        lines.extend(pad + line if line else "" for line in others)
    return "\n".join(lines)
