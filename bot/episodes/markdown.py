"""Canonical summary markdown: one text for a topic summary, whether read from a post or a feed.

A post's markdown and the HTML the site renders from it (the feed item's ``<description>``) are
both reduced to a block tree (:mod:`bot.episodes.blocks`) and written out in this canonical form,
so the same episode yields identical ``Topic.summary`` strings from either reader. It is what the
bot shows in Discord, so it only uses markdown Discord renders (and CommonMark reads the same way):

Blocks
  * Blocks are separated by exactly one blank line; no leading or trailing blank lines.
  * Paragraph: its lines joined by ``\n``; every line stripped of leading and trailing whitespace,
    empty lines dropped. Soft and hard line breaks (two trailing spaces, a trailing backslash,
    ``<br>``) all become a plain ``\n``.
  * Headings: ``# `` / ``## `` / ``### `` + text on one line (h4-h6 are written as ``### ``).
  * Lists: bullets are ``- ``, numbered items ``N. `` counting up from the list's start. Lists are
    tight (no blank line between items). An item's further lines and nested blocks are indented by
    the width of its marker (2 for ``- ``, 3 for ``1. ``), so nesting follows CommonMark.
  * Code blocks: fenced with backticks (at least three, more when the code contains a fence; tildes
    when the language contains a backtick), the language after the opening fence, the code itself
    verbatim. Indented code becomes fenced.
  * Block quotes: ``> `` before every line. Thematic breaks: ``***`` (never read as a heading underline).
  * Tables: one line per row, cells joined by `` | ``.

Inline
  * Strong ``**x**``, emphasis ``*x*``, strikethrough ``~~x~~``. A ``*`` or ``~`` that is not markup
    stays as written, and markers stay where the source put them; ``_``/``__`` emphasis is
    rewritten with ``*``.
  * Code spans use the shortest backtick fence not found in the code, padded with one space when
    the code starts or ends with a backtick; their content is verbatim (``<tag>``, ``**``, ``\\``).
    A code span of spaces only is dropped.
  * Links are ``[text](url)``, or the bare URL when the text is the URL itself. URLs are URIs (see
    :func:`bot.episodes.urls.to_uri`), made absolute against the page; links that are not http(s)
    keep only their text. Images become their alt text.
  * Backslash escapes and HTML entities are resolved to the characters they stand for; nothing is
    escaped again.
  * Raw HTML: ``<b>``/``<strong>``, ``<i>``/``<em>``, ``<s>``/``<del>``, ``<code>`` and ``<a href>``
    become the markdown above (an element left open ends with its paragraph), ``<br>`` and
    block-level tags a line break; other tags of real HTML elements are dropped (their text kept,
    script/style/iframe content removed); tags with other names (``<think>``) stay as text.
    Raw HTML that the rendered page reads differently from its source text (a ``</p>`` inside a
    paragraph, tags straddling markdown emphasis) can give different text on the two sides.

Topic titles are plain text: the link's text with markup removed and whitespace runs collapsed.
"""

from __future__ import annotations

from bot.episodes.blocks import render
from bot.episodes.html import html_blocks
from bot.episodes.mdparse import parse_blocks

__all__ = ["html_to_markdown", "html_to_text", "normalise_markdown"]


def normalise_markdown(text: str, *, base: str | None = None) -> str:
    """Canonical markdown of post markdown ``text`` (relative links resolved against ``base``)."""
    return render(parse_blocks(text, base=base))


def html_to_markdown(html: str, *, base: str | None = None) -> str:
    """Canonical markdown of an HTML fragment (relative links resolved against ``base``)."""
    return render(html_blocks(html, base))


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: no tags, no markdown markers, blocks on their own lines."""
    return render(html_blocks(html, None, plain=True), plain=True)
