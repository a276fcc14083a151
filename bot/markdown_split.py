"""Split Discord markdown into pieces that fit a length limit without breaking its formatting.

Lengths are counted in code points, as Discord counts them (Python's ``len``). A cut is made at
the best boundary available in this order: a blank line (paragraph), a line break, the end of a
sentence (``。`` ``！`` ``. ``), a clause mark (``、``), a space, a boundary between characters that is
neither inside a Latin word nor against Japanese line-breaking rules, any boundary that keeps
grapheme clusters whole, and — only for input that leaves no other choice — a plain code point
boundary.

Cuts never fall inside a *protected span*: a fenced code block, a code span, a link
``[text](url)``, an autolink ``<url>``, a bare URL, or an emphasis pair (``**bold**``, ``__u__``,
``~~s~~``, ``||spoiler||``, ``*i*``, ``_i_``). A span longer than the limit on its own is split
inside and each piece is wrapped in the span's own markers (a bold span becomes two bold spans, a
code block two code blocks), so every piece renders as the original did.

When no span had to be wrapped, the pieces are exactly the text with whitespace dropped at the
cuts: ``text`` equals the pieces in order with only whitespace between and around them.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Span", "protected_spans", "safe_prefix", "split_markdown"]

_FENCE_OPEN = re.compile(r"^[ \t]*(`{3,}(?=[^`\n]*$)|~{3,})[^\n]*$", re.M)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = re.compile(r"[。！？!?．…]+[」』）)\]】〕〉》\"'”’]*|\.(?=[ \t\n])")
_CLAUSE_END = re.compile(r"[、，；：]|[,;:](?=[ \t])")
_SPACE = re.compile(r"[ \t\u3000]+")
_NEWLINE = re.compile("\n")
#: Cut levels, best first: the pattern, and whether the cut falls after the match (else before it).
_LEVELS = ((_BLANK_LINE, False), (_NEWLINE, False), (_SENTENCE_END, True), (_CLAUSE_END, True), (_SPACE, False))
_BARE_URL = re.compile(r"(?<![\w/])https?://[^\s<>\"`]+")
_AUTOLINK = re.compile(r"<https?://[^\s<>]+>")
_URL_TRAILING = "。、，．！？」』）】.,;:!?'\""
_PAIRED = ("**", "__", "~~", "||")
#: Link text longer than this is not taken for a link (bounds the work per ``[``: no quadratic scans).
_LINK_TEXT_MAX = 1000
#: Where an inline span may start: the scanner jumps from one of these to the next.
_SPECIAL = re.compile(r"[\\`\[<*_~|]|https?://")
#: Characters a Japanese line (here: a piece) should not start with, or end with (kinsoku).
_NO_START = set("ーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖ、。，．・：；？！」』）】〕〉》”’)]}…‥")
_NO_END = set("「『（【〔〈《“‘([{")
_VARIATION = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x1F3FB, 0x1F3FF), (0xE0020, 0xE007F))
_ZWJ = "\u200d"


@dataclass(frozen=True, slots=True)
class Span:
    """A protected region ``[start, end)``; ``open`` and ``close`` are its markers as written."""

    start: int
    end: int
    open: str = ""
    close: str = ""
    kind: str = ""


def split_markdown(text: str, limit: int) -> list[str]:
    """Split ``text`` into non-empty pieces of at most ``limit`` code points (see the module doc)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    stripped = text.strip()
    if not stripped:
        return []
    if len(stripped) <= limit:
        return [stripped]
    return _Splitter(text, limit).run()


def safe_prefix(text: str, limit: int) -> str:
    """The longest prefix of ``text`` of at most ``limit`` code points that ends at a space or a word
    boundary outside any protected span (a grapheme boundary if there is none), trailing space removed."""
    if len(text) <= limit:
        return text
    splitter = _Splitter(text, limit)
    for cut in range(limit, 0, -1):
        if not splitter._blocked(cut) and (text[cut].isspace() or _word_boundary(text, cut)):
            return text[:cut].rstrip()
    for cut in range(limit, 0, -1):
        if _grapheme_boundary(text, cut):
            return text[:cut].rstrip()
    return text[:limit]


def protected_spans(text: str) -> list[Span]:
    """The outermost protected spans of ``text``, in order, not overlapping."""
    spans: list[Span] = []
    pos = 0
    for fence in _fences(text):
        spans.extend(_inline_spans(text, pos, fence.start))
        spans.append(fence)
        pos = fence.end
    spans.extend(_inline_spans(text, pos, len(text)))
    return spans


def _fences(text: str) -> list[Span]:
    """Fenced code blocks: from the opening fence line to the closing one (or the end of the text)."""
    if "```" not in text and "~~~" not in text:
        return []
    fences: list[Span] = []
    pos = 0
    while True:
        match = _FENCE_OPEN.search(text, pos)
        if match is None:
            return fences
        marker = match.group(1)
        closing = re.compile(rf"^[ \t]*{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$", re.M)
        body_start = match.end() + 1
        close = closing.search(text, body_start) if body_start <= len(text) else None
        open_text = text[match.start() : min(body_start, len(text))]
        if close is None:
            end = len(text.rstrip())
            fences.append(Span(match.start(), end, open_text, "", "fence"))
            return fences
        fences.append(Span(match.start(), close.end(), open_text, text[close.start() - 1 : close.end()], "fence"))
        pos = close.end()


def _inline_spans(text: str, start: int, end: int) -> list[Span]:
    """Inline spans of ``text[start:end]``, paragraph by paragraph (they never cross a blank line)."""
    spans: list[Span] = []
    pos = start
    for blank in _BLANK_LINE.finditer(text, start, end):
        spans.extend(_InlineScanner(text, pos, blank.start()).scan())
        pos = blank.end()
    spans.extend(_InlineScanner(text, pos, end).scan())
    return spans


class _InlineScanner:
    """Finds code spans, links, URLs and emphasis pairs in one paragraph ``text[start:end]``."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start = start
        self.end = end
        #: (marker, line end) -> an opener position from which no closer was found on that line: a later
        #: opener of the same marker finds none either (keeps lines of unmatched ``*`` linear).
        self._unclosed: dict[tuple[str, int], int] = {}
        #: Where the next ``](`` is (a link needs one): ``[`` without one after it is no link, at once.
        self._link_close = -1

    def scan(self) -> list[Span]:
        text, end = self.text, self.end
        spans: list[Span] = []
        i = self.start
        while i < end:
            special = _SPECIAL.search(text, i, end)
            if special is None:
                break
            i = special.start()
            ch = text[i]
            span: Span | None = None
            if ch == "\\":
                i += 2
                continue
            if ch == "`":
                span = self._code(i)
                if span is None:
                    i = self._run_end(i, "`")
                    continue
            elif ch == "[":
                span = self._link(i)
            elif ch == "<":
                span = self._autolink(i)
            elif ch == "h" and text.startswith(("http://", "https://"), i):
                span = self._bare_url(i)
            elif ch in "*_~|":
                span = self._emphasis(i)
                if span is None:
                    i = self._run_end(i, ch)
                    continue
            if span is None:
                i += 1
            else:
                spans.append(span)
                i = span.end
        return spans

    def _run_end(self, i: int, ch: str) -> int:
        while i < self.end and self.text[i] == ch:
            i += 1
        return i

    def _code(self, i: int) -> Span | None:
        run = self._run_end(i, "`") - i
        marker = "`" * run
        j = i + run
        while True:
            j = self.text.find(marker, j, self.end)
            if j < 0:
                return None
            after = self._run_end(j, "`")
            if after - j == run:
                return Span(i, after, marker, marker, "code")
            j = after

    def _skip_code(self, j: int) -> int:
        """Position after the code span starting at ``j``, or after its literal backticks."""
        span = self._code(j)
        return span.end if span else self._run_end(j, "`")

    def _link(self, i: int) -> Span | None:
        text, end = self.text, self.end
        if self._link_close < i:
            found = text.find("](", i, end)
            self._link_close = end if found < 0 else found
        if self._link_close >= end or self._link_close - i > _LINK_TEXT_MAX:
            return None
        text_end = min(end, i + _LINK_TEXT_MAX)
        depth = 0
        j = i
        while j < text_end:
            ch = text[j]
            if ch == "\\":
                j += 2
                continue
            if ch == "`":
                j = self._skip_code(j)
                continue
            if ch == "[":
                depth += 1
            elif ch == "]":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        else:
            return None
        if j + 1 >= end or text[j + 1] != "(":
            return None
        k = j + 2
        depth = 1
        while k < end:
            ch = text[k]
            if ch == "\\":
                k += 2
                continue
            if ch in " \t\n" and text[j + 2] != "<":
                return None
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    return Span(i, k + 1, "[", text[j : k + 1], "link")
            k += 1
        return None

    def _autolink(self, i: int) -> Span | None:
        match = _AUTOLINK.match(self.text, i, self.end)
        return Span(i, match.end(), kind="url") if match else None

    def _bare_url(self, i: int) -> Span | None:
        match = _BARE_URL.match(self.text, i, self.end)
        if match is None or (i > 0 and (self.text[i - 1].isalnum() or self.text[i - 1] == "/")):
            return None
        url = match.group(0)
        while url and url[-1] in _URL_TRAILING:
            url = url[:-1]
        while url.endswith(")") and url.count(")") > url.count("("):
            url = url[:-1]
        return Span(i, i + len(url), kind="url") if len(url) > len("https://") else None

    def _emphasis(self, i: int) -> Span | None:
        text = self.text
        line_end = text.find("\n", i, self.end)
        line_end = self.end if line_end < 0 else line_end
        pair = text[i : i + 2]
        marker = pair if pair in _PAIRED else text[i]
        if marker in "~|":
            return None
        size = len(marker)
        inner = i + size
        if inner >= line_end or text[inner].isspace() or text[inner] == marker[0]:
            return None
        if marker == "_" and i > 0 and text[i - 1].isalnum():
            return None
        if self._unclosed.get((marker, line_end), line_end) <= i:
            return None
        j = inner
        while j < line_end:
            ch = text[j]
            if ch == "\\":
                j += 2
                continue
            if ch == "`":
                j = self._skip_code(j)
                continue
            if text.startswith(marker, j) and not text[j - 1].isspace():
                after = j + size
                if size == 1 and after < line_end and text[after] == marker:
                    j = self._run_end(j, marker)
                    continue
                if marker == "_" and after < line_end and text[after].isalnum():
                    j += 1
                    continue
                return Span(i, after, marker, marker, "emphasis")
            j += 1
        self._unclosed[(marker, line_end)] = i
        return None


@lru_cache(maxsize=4096)
def _is_word_char(ch: str) -> bool:
    return (ch.isalnum() or ch == "_") and unicodedata.east_asian_width(ch) not in ("W", "F")


@lru_cache(maxsize=4096)
def _extends(ch: str) -> bool:
    """Whether ``ch`` belongs to the grapheme cluster of the character before it."""
    if ch == _ZWJ or unicodedata.category(ch) in ("Mn", "Me", "Mc"):
        return True
    code = ord(ch)
    return any(low <= code <= high for low, high in _VARIATION)


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _grapheme_boundary(text: str, c: int) -> bool:
    """Whether a cut at ``c`` keeps every grapheme cluster whole (an approximation of UAX #29)."""
    if c <= 0 or c >= len(text):
        return True
    before, after = text[c - 1], text[c]
    if _extends(after) or before == _ZWJ:
        return False
    if before == "\r" and after == "\n":
        return False
    if _regional(before) and _regional(after):
        run = 0
        k = c - 1
        while k >= 0 and _regional(text[k]):
            run += 1
            k -= 1
        return run % 2 == 0
    return not _hangul_joins(before, after)


def _hangul_kind(ch: str) -> str:
    code = ord(ch)
    if 0x1100 <= code <= 0x115F:
        return "L"
    if 0x1160 <= code <= 0x11A7:
        return "V"
    if 0x11A8 <= code <= 0x11FF:
        return "T"
    if 0xAC00 <= code <= 0xD7A3:
        return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
    return ""


def _hangul_joins(before: str, after: str) -> bool:
    """Hangul syllable sequences (UAX #29 rules GB6-GB8) form one grapheme cluster."""
    first, second = _hangul_kind(before), _hangul_kind(after)
    if first == "L":
        return second in ("L", "V", "LV", "LVT")
    if first in ("V", "LV"):
        return second in ("V", "T")
    if first in ("T", "LVT"):
        return second == "T"
    return False


def _word_boundary(text: str, c: int) -> bool:
    """A grapheme boundary that neither splits a Latin word nor breaks Japanese line-start/end rules."""
    if not _grapheme_boundary(text, c):
        return False
    before, after = text[c - 1], text[c]
    if _is_word_char(before) and _is_word_char(after):
        return False
    return after not in _NO_START and before not in _NO_END


class _Splitter:
    def __init__(self, text: str, limit: int, *, keep_indent: bool = False) -> None:
        self.text = text
        self.limit = limit
        self.keep_indent = keep_indent
        self.spans = protected_spans(text)
        self.starts = [span.start for span in self.spans]
        self._levels: dict[int, list[int]] = {}

    def _level(self, number: int) -> list[int]:
        """Cut positions of one level, in order, found the first time the level is needed."""
        if number not in self._levels:
            pattern, use_end = _LEVELS[number]
            found = pattern.finditer(self.text)
            self._levels[number] = [m.end() if use_end else m.start() for m in found]
        return self._levels[number]

    def run(self) -> list[str]:
        text, limit = self.text, self.limit
        pieces: list[str] = []
        content_end = len(text.rstrip())
        pos = self._skip(0)
        while pos < content_end:
            if content_end - pos <= limit:
                pieces.append(self._trim(text[pos:content_end]))
                break
            span = self._span_at(pos)
            if span is not None and span.start == pos and span.end - pos > limit:
                pieces.extend(self._split_span(span))
                pos = self._skip(span.end)
                continue
            cut = self._best_cut(pos, pos + limit)
            pieces.append(self._trim(text[pos:cut]))
            pos = self._skip(cut)
        return [piece for piece in pieces if piece.strip()]

    def _trim(self, piece: str) -> str:
        return piece.strip("\n").rstrip() if self.keep_indent else piece.strip()

    def _skip(self, pos: int) -> int:
        text = self.text
        while pos < len(text) and text[pos].isspace() and (not self.keep_indent or text[pos] == "\n"):
            pos += 1
        return pos

    def _span_at(self, pos: int) -> Span | None:
        index = bisect_right(self.starts, pos) - 1
        if index >= 0 and self.spans[index].end > pos:
            return self.spans[index]
        return None

    def _blocked(self, cut: int) -> bool:
        index = bisect_left(self.starts, cut) - 1
        return index >= 0 and self.spans[index].end > cut

    def _best_cut(self, pos: int, last: int) -> int:
        """The furthest allowed cut in ``(pos, last]`` at the best level that has one."""
        for number in range(len(_LEVELS)):
            positions = self._level(number)
            index = bisect_right(positions, last) - 1
            while index >= 0 and positions[index] > pos:
                cut = positions[index]
                if not self._blocked(cut) and self.text[pos:cut].strip():
                    return cut
                index -= 1
        for allowed in (_word_boundary, _grapheme_boundary):
            for cut in range(last, pos, -1):
                if not self._blocked(cut) and allowed(self.text, cut):
                    return cut
        # Only reachable when a span shorter than the limit sits across the window's end with no
        # boundary before it: cut right before that span, else anywhere grapheme-safe.
        span = self._span_at(last)
        if span is not None and span.start > pos:
            return span.start
        for cut in range(last, pos, -1):
            if _grapheme_boundary(self.text, cut):
                return cut
        return last

    def _split_span(self, span: Span) -> list[str]:
        """Split an over-long protected span inside, wrapping each piece in the span's markers."""
        inner = self.text[span.start + len(span.open) : span.end - len(span.close)]
        opening, closing = span.open, span.close
        if span.kind == "fence":
            fence = span.open.strip()
            marker = fence[: len(fence) - len(fence.lstrip(fence[0]))]
            opening = span.open if span.open.endswith("\n") else span.open + "\n"
            closing = "\n" + span.open[: len(span.open) - len(span.open.lstrip())] + marker
        budget = self.limit - len(opening) - len(closing)
        if budget < 1 or not inner.strip():
            return _hard_split(self.text[span.start : span.end], self.limit)
        splitter = _Splitter(inner, budget, keep_indent=span.kind == "fence")
        if span.kind not in ("emphasis", "link"):  # code and URLs hold no markdown
            splitter.spans, splitter.starts = [], []
        return [opening + piece + closing for piece in splitter.run()]


def _hard_split(text: str, limit: int) -> list[str]:
    """Last resort for a span whose own markers exceed the limit: grapheme-safe fixed-size pieces."""
    pieces: list[str] = []
    pos = 0
    while pos < len(text):
        cut = min(pos + limit, len(text))
        if cut < len(text):
            back = cut
            while back > pos + 1 and not _grapheme_boundary(text, back):
                back -= 1
            cut = back if back > pos else cut
        pieces.append(text[pos:cut])
        pos = cut
    return [piece for piece in (p.strip() for p in pieces) if piece]
