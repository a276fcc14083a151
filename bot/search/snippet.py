"""Snippets: a short window of a topic's summary around the match, matched words in bold, Discord-safe.

Matching is done on the normalised text with the same tokens the index uses, then mapped back to the
original characters, so ``ＧＰＴ`` in a query bolds ``GPT-4o`` in the summary and ``ｶﾞｿﾞｳ`` bolds ``ガゾウ``.
Everything that is not our own bold markup is escaped, so a summary can never format, link or mention.
"""

from __future__ import annotations

import re

from bot.output import escape_markdown
from bot.search import variants
from bot.search.query import Query, QueryToken
from bot.text import Span, fold_kana, normalize_with_offsets, spans

#: Default snippet width, in characters of the original text.
SNIPPET_WIDTH = 160
ELLIPSIS = "…"

_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\s]*\)")
_LINE_MARK = re.compile(r"^\s*(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,3}[.)]\s+)", re.MULTILINE)
_EMPHASIS = re.compile(r"\*\*|__|~~|`+")
_SPACE = re.compile(r"\s+")


def plain_text(markdown: str) -> str:
    """A summary's markdown as one line of plain text: links keep their text, markup and line marks go."""
    text = _LINK.sub(r"\1", markdown)
    text = _LINE_MARK.sub("", text)
    text = _EMPHASIS.sub("", text)
    return _SPACE.sub(" ", text).strip()


def _phrase_ranges(tokens: list[Span], wanted: tuple[QueryToken, ...]) -> list[tuple[int, int]]:
    """Normalised-text ranges where the tokens ``wanted`` occur consecutively."""
    size = len(wanted)
    first = wanted[0]
    found: list[tuple[int, int]] = []
    for i in range(len(tokens) - size + 1):
        if first.matches(tokens[i][0]) and all(wanted[j].matches(tokens[i + j][0]) for j in range(1, size)):
            _, last_start, last_end, last_cjk, _ = tokens[i + size - 1]
            end = last_start + len(wanted[-1].text) if wanted[-1].prefix and last_cjk else last_end
            found.append((tokens[i][1], end))
    return found


def match_ranges(text: str, query: Query) -> list[tuple[int, int, int]]:
    """Where the query's positive terms occur in ``text``, in any form they match (the term itself, its
    content words, their variants, readings and synonyms): sorted, merged (start, end, term index) ranges."""
    normalized, offsets = normalize_with_offsets(text)
    phrases = [
        (index, dict.fromkeys((term.tokens, *(phrase for word in term.words for phrase in word.phrases))))
        for index, term in enumerate(query.positive)
    ]
    tokens = spans(fold_kana(normalized), {token.text for _, found in phrases for phrase in found for token in phrase})

    def original_end(end: int) -> int:
        # the end of the original piece that produced normalised character ``end - 1``
        piece = offsets[end - 1]
        while end < len(offsets) - 1 and offsets[end] == piece:
            end += 1
        return offsets[end]

    ranges = sorted(
        (offsets[start], original_end(end), index)
        for index, found in phrases
        for phrase in found
        for start, end in _phrase_ranges(tokens, phrase)
    )
    marks = {mark: index for index, term in enumerate(query.positive) for word in term.words for mark in word.marks}
    if marks:
        for start, end, keys in variants.word_spans(text):
            for key in keys:
                if key + variants.MARK in marks:
                    ranges.append((start, end, marks[key + variants.MARK]))
                    break
        ranges.sort()
    merged: list[tuple[int, int, int]] = []
    for start, end, index in ranges:
        if merged and start <= merged[-1][1]:
            previous = merged[-1]
            merged[-1] = (previous[0], max(previous[1], end), previous[2])
        else:
            merged.append((start, end, index))
    return merged


def _best_window(ranges: list[tuple[int, int, int]], length: int, width: int) -> int:
    """Start of the ``width`` window that shows the most distinct terms (earliest on ties)."""
    lead = width // 4
    best_start, best_score = 0, -1
    for start, _, _ in ranges:
        window_start = max(0, min(start - lead, length - width))
        terms = {index for s, e, index in ranges if s >= window_start and e <= window_start + width}
        if len(terms) > best_score:
            best_start, best_score = window_start, len(terms)
    return best_start


def snippet(text: str, query: Query, width: int = SNIPPET_WIDTH, *, escape: bool = True) -> str:
    """Up to ``width`` characters of ``text`` (markdown) around the best match, matches in ``**bold**``.

    The result is Discord markdown: the text escaped (unless ``escape`` is false, for plain output),
    ``…`` where it was cut. Without a match, the text's beginning is returned.
    """
    shown = escape_markdown if escape else str
    plain = plain_text(text)
    if not plain:
        return ""
    ranges = match_ranges(plain, query) if query.positive else []
    start = _best_window(ranges, len(plain), width) if ranges else 0
    end = min(len(plain), start + width)
    for s, e, _ in ranges:  # never cut a match in half
        if s < end < e:
            end = e
        if s < start < e:
            start = s
    parts = [ELLIPSIS] if start > 0 else []
    cursor = start
    for s, e, _ in ranges:
        if e <= start or s >= end:
            continue
        parts.append(shown(plain[cursor:s]))
        parts.append(f"**{shown(plain[s:e])}**")
        cursor = e
    parts.append(shown(plain[cursor:end]))
    if end < len(plain):
        parts.append(ELLIPSIS)
    return "".join(parts)
