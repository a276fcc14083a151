"""The output toolkit: everything that turns text into something Discord shows as meant (pure, no discord import).

* **Escaping.** Two strengths. Text someone wrote (letters, radio names, queries, server names, errors)
  goes through :func:`escape_text`: every character Discord markdown could give a meaning — masked links
  ``[text](url)``, headings ``#``, lists ``-`` and ``1.``, subtext ``-#``, quotes ``>``, spoilers ``||``,
  ``<@id>``/``<#id>``/``<t:…>`` tags, custom emoji ``:name:``, bare URLs — is backslash-escaped, each
  occurrence, and mentions are broken so they can never ping. The show's own titles in link text and lists
  take :func:`escape_light` (emphasis, code, spoilers, brackets, a list or heading marker at a line start;
  mentions broken too),
  and embed titles :func:`escape_title` (they render emphasis and code, not links).
* **Truncation.** :func:`truncate` cuts at a safe boundary (:func:`bot.markdown_split.safe_prefix`: not
  inside a combining sequence, flag, word, link, bold or code) and marks the cut with ``…``; :func:`clip` cuts
  plain text at exactly its limit; :func:`collapse` puts text on one line, :func:`one_line` collapses and clips.
* **Links.** :func:`safe_url` (an http(s) URL Discord accepts, or ``None``) and :func:`link` (a masked
  link whose text is escaped and shortened, or the bare text when the URL is unusable).
Custom ids of the components that outlive the process live with their feature (``bot.letters.custom_ids``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from bot.markdown_split import safe_prefix

ELLIPSIS = "…"
_ESCAPE = re.compile(r"([\\*_~`|<>#\-\[\]().:@!])")
_MENTION = re.compile(r"@(everyone|here|[!&]?[0-9]{17,20})")
_LIGHT_SPECIAL = re.compile(r"([\\*_~`|\[\]<>])")
_TITLE_SPECIAL = re.compile(r"([\\*_~`|])")
_LINE_START_SPECIAL = re.compile(r"^([#>\-+]|\d+\.)(?=\s)", re.M)
_URL_SAFE = "/:?#[]@!$&'*+,;=%~-._()"


def escape_markdown(text: str) -> str:
    """Backslash-escape every character Discord markdown could give a meaning (links, mentions included)."""
    return _ESCAPE.sub(r"\\\1", text)


def neutralize_mentions(text: str) -> str:
    """Break ``@everyone``, ``@here`` and ``@<id>`` with a zero-width space, so they can never ping."""
    return _MENTION.sub("@\u200b\\1", text)


def escape_text(text: str) -> str:
    """Someone's text shown literally: markdown escaped and mentions neutralised."""
    return neutralize_mentions(escape_markdown(text))


def escape_light(text: str) -> str:
    """The show's own title shown literally inside link text or a list line (mentions broken, as everywhere)."""
    escaped = _LIGHT_SPECIAL.sub(r"\\\1", text)
    return neutralize_mentions(_LINE_START_SPECIAL.sub(r"\\\1", escaped))


def escape_title(text: str) -> str:
    """Show ``text`` literally as an embed title (titles render emphasis and code, not links)."""
    return _TITLE_SPECIAL.sub(r"\\\1", text)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` code points at a safe boundary, marked with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    return safe_prefix(text, limit - len(ELLIPSIS)) + ELLIPSIS


def collapse(text: str) -> str:
    """``text`` on one line: runs of whitespace (newlines included) as one space, none at the ends."""
    return " ".join(text.split())


def clip(text: str, limit: int) -> str:
    """``text`` cut to exactly ``limit`` code points (``…`` last) when longer: for plain text such as labels,
    placeholders and text already escaped, where the exact length matters more than the boundary."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS


def one_line(text: str, limit: int) -> str:
    """``text`` on one line, clipped to ``limit`` characters (``…`` when cut)."""
    return clip(collapse(text), limit)


def safe_url(url: str | None, limit: int = 2048) -> str | None:
    """An http(s) URL Discord accepts (non-ASCII and spaces percent-encoded), or ``None``."""
    if not url:
        return None
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    encoded = quote(text, safe=_URL_SAFE)
    return encoded if len(encoded) <= limit else None


def link(text: str, url: str | None, limit: int, escape: Callable[[str], str] = escape_text) -> str:
    """``[text](url)`` with ``text`` on one line, shortened to ``limit`` and escaped (``—`` when empty); the
    text alone when ``url`` is not one Discord accepts. Parentheses in the URL are encoded."""
    shown = escape(truncate(collapse(text), limit)) or "—"
    target = safe_url(url)
    if not target:
        return shown
    return f"[{shown}]({target.replace('(', '%28').replace(')', '%29')})"
