"""One escaper for text shown in Discord: pure (no discord import), shared by the domain and the Discord glue.

Discord's markdown gives meaning to more than emphasis: masked links ``[text](url)``, headings ``#``, lists
``-`` and ``1.``, subtext ``-#``, quotes ``>``, spoilers ``||``, ``<@id>``/``<#id>``/``<t:…>`` tags, custom
emoji ``:name:`` and bare URLs (``https://``). :func:`escape_markdown` backslash-escapes every character
that can start or take part in any of them — each occurrence, not only the first of a line — so the text
shows literally: a masked link shows as text and a bare URL as text the reader can copy, never as a link.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"([\\*_~`|<>#\-\[\]().:@!])")
_MENTION = re.compile(r"@(everyone|here|[!&]?[0-9]{17,20})")


def escape_markdown(text: str) -> str:
    """Backslash-escape every character Discord markdown could give a meaning (links, mentions included)."""
    return _ESCAPE.sub(r"\\\1", text)


def neutralize_mentions(text: str) -> str:
    """Break ``@everyone``, ``@here`` and ``@<id>`` with a zero-width space, so they can never ping."""
    return _MENTION.sub("@\u200b\\1", text)


def escape_text(text: str) -> str:
    """Someone's text shown literally: markdown escaped and mentions neutralised."""
    return neutralize_mentions(escape_markdown(text))


def one_line(text: str, limit: int) -> str:
    """``text`` on one line (runs of whitespace as one space), at most ``limit`` characters (``…`` when cut)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: max(0, limit - 1)] + "…"
