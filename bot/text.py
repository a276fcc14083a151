"""Text normalisation and tokenisation for Japanese full-text search.

One normalisation, :func:`normalize`, is used both when indexing and when querying:

* NFKC folds full-width Latin and digits (``ＧＰＴ`` → ``GPT``), half-width katakana (``ｶﾞｿﾞｳ`` → ``ガゾウ``)
  and compatibility characters (``①`` → ``1``, ``ﬁ`` → ``fi``);
* case folding (``GPT`` → ``gpt``, ``Straße`` → ``strasse``);
* dashes and wave dashes are unified (``‐ – — ― − －`` → ``-``, ``〜 ～`` → ``~``) and whitespace runs
  become one space. Both are separators for the tokeniser, so this only keeps snippets tidy;
* invisible characters are dropped before all of this (:data:`INVISIBLE`: zero-width spaces and joiners,
  soft hyphens, direction marks, variation selectors, every format character), so ``推\u200b論`` is
  ``推論`` and ``e\u200b\u0301`` is ``é``, where they used to split a word in two.

Index and queries also fold hiragana to katakana (:func:`fold_kana`: ``ぐーぐる`` → ``グーグル``), so either
script finds the other: listeners on a phone often leave a word unconverted. It is a step of its own, one
character for one, because the analyser (:mod:`bot.search.variants`) needs the hiragana.

The original text is always kept for display; :func:`normalize_with_offsets` maps every normalised
character back to the original so snippets can bold the matched words in the original.

Tokens (:func:`tokens`) are what the FTS5 index stores, space separated, with FTS5's ``ascii`` tokenizer
(which keeps every non-ASCII character inside a token, so our tokens survive intact):

* **CJK runs** (kanji, hiragana, katakana, hangul): every character emits the *bigram* starting at it;
  the last character of a run emits itself (``推論モデル`` → ``推論 論モ モデ デル ル``). A query term of
  n ≥ 2 characters is the phrase of its n-1 bigrams, so it matches any substring; a 1-character term is the
  prefix query ``"猫" *``, which hits both the bigrams starting with it and run-final unigrams.
* **Word runs** (Latin, digits and other alphabets) are words split where letters and digits meet, so
  ``GPT-4o``, ``GPT4o`` and ``ＧＰＴ－４ｏ`` all give ``gpt 4 o``; ``+``/``#`` right after a word stay in it
  (``c++``, ``c#``). The last word of a query term, from 3 letters on, is matched as a prefix
  (``Claud`` finds ``Claude``).
* Everything else (punctuation, symbols, emoji, spaces) separates tokens and is never indexed.

Why bigrams rather than FTS5's ``trigram`` tokenizer: Japanese queries are often one or two characters long
(推論, 画像, 花火). A trigram index cannot answer them at all, and the fallback (a ``LIKE``/``instr`` scan
over normalised text; on SQLite 3.40.1 ``LIKE`` against a trigram table even misses 1–2-character non-ASCII
patterns) costs a full scan. bench/bench_search.py measures the options side by side; the numbers are in
bench/RESULTS.md.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

#: Bump when :func:`normalize` or :func:`tokens` change: the search index is rebuilt at the next start.
#: 2: invisible characters are dropped. 3: hiragana folded to katakana; variant tokens (bot.search.variants).
#: 4: each word analysed alone for its variant tokens (they depended on the words analysed with it).
TOKENIZER_VERSION = 4

# Characters of scripts written without spaces; each one starts a bigram.
_CJK = (
    "\u1100-\u11ff"  # hangul jamo
    "\u3005-\u3007"  # 々 〆 〇
    "\u303b"  # 〻
    "\u3041-\u3096"  # hiragana
    "\u3099-\u309a"  # combining (han)dakuten left alone by NFKC
    "\u309d-\u309f"  # ゝ ゞ ゟ
    "\u30a1-\u30fa"  # katakana
    "\u30fc-\u30ff"  # ー ヽ ヾ ヿ
    "\u3131-\u318e"  # hangul compatibility jamo
    "\u31f0-\u31ff"  # katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B-H
)
_WORD_CHAR = rf"[^\W_{_CJK}]"
_TOKEN_RE = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>{_WORD_CHAR}+[+#]*)")
_WORD_PART_RE = re.compile(r"(?:\d+|[^\W\d_]+)[+#]*")
# The same tokens in one pass: a CJK run, or one part of a word (letters or digits, then any + or #).
_RUNS_RE = re.compile(rf"([{_CJK}]+)|((?:\d+|[^\W\d_{_CJK}]+)[+#]*)")

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_WAVES = "\u301c\u3030\uff5e"
_DASH_RE = re.compile(f"[{_DASHES}]")
_WAVE_RE = re.compile(f"[{_WAVES}]")
_SPACES = re.compile(r"\s+")

# Characters that may combine with the one before them under NFKC: they never start a segment.
_COMBINERS = frozenset("\u3099\u309a\uff9e\uff9f")

#: Invisible characters, dropped by :func:`normalize`: every format character (Unicode category Cf, up to
#: Unicode 15.1: soft hyphen, zero-width space/joiners, direction marks and isolates, word joiner, BOM, tags...),
#: the combining grapheme joiner and the variation selectors (standard, Mongolian and ideographic).
INVISIBLE = (
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufe00-\ufe0f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef"
)
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")


# Characters NFKC leaves alone and that never compose with a neighbour: most of a Japanese summary.
_INERT = "\t\n\r -~\u3001\u3002\u300c-\u300f\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff"
# A run of other characters, with the character before it (a combining mark composes with it).
_NEEDS_NFKC = re.compile(f".?[^{_INERT}]+", re.DOTALL)
_WORDS_OR_SPACES = re.compile(r"\s+|\S+")


def _nfkc(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", _INVISIBLE_RE.sub("", match.group()))


def nfkc(text: str) -> str:
    """NFKC with invisible characters dropped, applied only to the runs that can change (see :func:`normalize`)."""
    return _NEEDS_NFKC.sub(_nfkc, text)


def normalize(text: str) -> str:
    """Invisible characters dropped, NFKC, case folding, unified dashes and single spaces: the form both
    index and queries use.

    NFKC is applied only to the runs that can change (full-width punctuation, half-width kana, combining
    marks, invisible characters...), with the character before each run: the same result as NFKC of the
    whole text, four times faster on Japanese prose.
    """
    return _fold(nfkc(text))


#: Hiragana → katakana (ぁ..ゖ, ゝ, ゞ), one character for one: offsets stay valid.
_KANA = str.maketrans({chr(code): chr(code + 0x60) for code in (*range(0x3041, 0x3097), 0x309D, 0x309E)})


def fold_kana(text: str) -> str:
    """Hiragana as katakana, one character for one (offsets into the text stay valid)."""
    return text.translate(_KANA)


def _fold(text: str) -> str:
    folded = _WAVE_RE.sub("~", _DASH_RE.sub("-", text.casefold()))
    return _SPACES.sub(" ", folded)


def _segments(text: str) -> list[tuple[int, str]]:
    """Split ``text`` into (start, piece) where a piece is a character and the marks that combine with it;
    invisible characters belong to no piece (a mark after one combines with the character before it)."""
    pieces: list[tuple[int, str]] = []
    for index, char in enumerate(text):
        if _INVISIBLE_RE.match(char):
            continue
        if pieces and (char in _COMBINERS or unicodedata.combining(char)):
            start, piece = pieces[-1]
            pieces[-1] = (start, piece + char)
        else:
            pieces.append((index, char))
    return pieces


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """:func:`normalize` piece by piece, with ``offsets[i]`` = index in ``text`` of normalised character ``i``.

    ``offsets`` has one extra entry, ``len(text)``, so a normalised range ``[a, b)`` maps to the original
    range ``[offsets[a], offsets[b])``. Whitespace runs collapse to one space exactly as in :func:`normalize`.
    Runs of characters NFKC leaves alone (most of a Japanese summary) are taken whole, the rest piece by piece.
    """
    out: list[str] = []
    offsets: list[int] = []
    space = False  # whether the last character put out is a space

    def inert(base: int, run: str) -> None:
        nonlocal space
        for match in _WORDS_OR_SPACES.finditer(run):
            start = base + match.start()
            if match.group()[0].isspace():
                if not space:
                    out.append(" ")
                    offsets.append(start)
                    space = True
            else:
                out.append(match.group().lower())  # ASCII letters fold one for one, the rest stays
                offsets.extend(range(start, base + match.end()))
                space = False

    def pieces(base: int, run: str) -> None:
        nonlocal space
        for start, piece in _segments(run):
            for char in _fold(unicodedata.normalize("NFKC", piece)):
                if char.isspace():
                    if space:
                        continue
                    char = " "
                out.append(char)
                offsets.append(base + start)
                space = char == " "

    done = 0
    for match in _NEEDS_NFKC.finditer(text):
        if match.start() > done:
            inert(done, text[done : match.start()])
        pieces(match.start(), match.group())
        done = match.end()
    if done < len(text):
        inert(done, text[done:])
    offsets.append(len(text))
    return "".join(out), offsets


@dataclass(frozen=True, slots=True)
class Token:
    """A token and where it came from in the normalised text (``end`` is exclusive)."""

    text: str
    start: int
    end: int
    cjk: bool
    last_in_run: bool


#: A token as plain values: text, start, end, whether it is a CJK bigram, whether it ends its run.
Span = tuple[str, int, int, bool, bool]


def spans(normalized: str, wanted: Collection[str] | None = None) -> list[Span]:
    """The tokens of already normalised text, with their positions, as plain tuples (see the module docstring).

    With ``wanted`` (token texts, or prefixes of them, looked for), a CJK run holding none of them is one empty
    token, which nothing matches and no phrase spans: a snippet needs only the runs its words are in.
    """
    found: list[Span] = []
    for match in _TOKEN_RE.finditer(normalized):
        start = match.start()
        run = match.group()
        if match.group("cjk") is not None:
            if wanted is not None and not any(text in run for text in wanted):
                found.append(("", start, start + len(run), True, True))
                continue
            last = len(run) - 1
            for i in range(len(run)):
                found.append((run[i : i + 2], start + i, start + min(i + 2, len(run)), True, i == last))
        else:
            parts = list(_WORD_PART_RE.finditer(run))
            for n, part in enumerate(parts):
                found.append((part.group(), start + part.start(), start + part.end(), False, n == len(parts) - 1))
    return found


def scan(normalized: str) -> list[Token]:
    """The tokens of already normalised text, with their positions (see the module docstring)."""
    return [Token(*span) for span in spans(normalized)]


def tokens(normalized: str) -> list[str]:
    """The index tokens of already normalised text: :func:`scan` without positions, three times faster."""
    out: list[str] = []
    for cjk, word in _RUNS_RE.findall(normalized):
        if cjk:
            out.extend(map(operator.add, cjk, cjk[1:]))
            out.append(cjk[-1])
        else:
            out.append(word)
    return out


def index_text(text: str) -> str:
    """The bigram tokens of ``text``, space separated (the index stores those of :func:`fold_kana` ``(text)``)."""
    return " ".join(tokens(normalize(text)))
