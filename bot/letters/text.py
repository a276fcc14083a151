"""Validation and normalisation of what a listener types: radio name and letter body.

The rules, in order:

* line breaks of every kind become ``\\n``; the text is NFC-normalised (composed, but full-width
  characters stay as typed: this is not NFKC);
* control characters (C0/C1 other than newline and tab, lone surrogates) and bidirectional
  embedding/override/isolate controls are refused: they cannot be typed in Discord's text box and
  can disguise text; the draft offered for a retry has them removed;
* invisible characters with no meaning in a letter (zero-width space, word joiner, BOM, ...) are
  dropped silently; zero-width joiners stay (emoji sequences and some scripts need them);
* Unicode tag characters (U+E0020–E007F) are stripped silently, except inside an emoji tag sequence
  (🏴 followed by tags and the cancel tag: the flags of Scotland, Wales, England): elsewhere they only
  carry hidden text;
* trailing spaces on each line and blank lines beyond two in a row are dropped, the whole is stripped;
* what is left must be visible — blank fillers (U+3164 Hangul filler, U+2800 braille blank, U+115F/U+1160,
  U+FFA0, ...) do not count — 10–2000 characters long, and free of "walls" of stacked combining
  marks (more than :data:`MAX_COMBINING_RUN` on one character).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

MIN_BODY = 10
MAX_BODY = 2000
MAX_NAME = 32
#: Longest run of non-spacing/enclosing marks on one base character that real scripts need.
MAX_COMBINING_RUN = 4
#: Radio name used when neither the listener nor their display name gives a usable one.
ANONYMOUS_NAME = "名無しのリスナー"

_LINE_BREAKS = re.compile("\r\n|[\r\x85\u2028\u2029\v\f]")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Invisible characters dropped silently.
_SILENT = frozenset("\u200b\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad")
#: Characters that render as nothing although they are letters or symbols to Unicode.
BLANK_FILLERS = frozenset("\u3164\u2800\u115f\u1160\uffa0\u17b4\u17b5\u034f")
_TAG_SEQUENCE = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
_TAG = re.compile("[\U000e0000-\U000e007f]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"\s+")


class Field(StrEnum):
    NAME = "name"
    BODY = "body"


class Code(StrEnum):
    """Why a text was refused."""

    BLANK = "blank"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    CONTROL = "control"
    BIDI = "bidi"
    COMBINING = "combining"


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason to refuse a field. ``length``/``limit`` for length problems, ``chars`` names offenders."""

    field: Field
    code: Code
    length: int = 0
    limit: int = 0
    chars: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CleanLetter:
    """A radio name and body that passed every rule, normalised."""

    radio_name: str
    body: str


class InvalidLetter(Exception):
    """The letter was refused. ``draft_name``/``draft_body`` are what to offer for a retry.

    The drafts are the listener's text with only invisible control characters removed, so
    nothing they typed is lost.
    """

    def __init__(self, problems: tuple[Problem, ...], draft_name: str, draft_body: str) -> None:
        super().__init__(", ".join(f"{p.field}:{p.code}" for p in problems))
        self.problems = problems
        self.draft_name = draft_name
        self.draft_body = draft_body


@dataclass(frozen=True, slots=True)
class _Scan:
    text: str
    controls: tuple[str, ...]
    bidi: tuple[str, ...]


def codepoint(char: str) -> str:
    """``U+202E`` style name of a character."""
    return f"U+{ord(char):04X}"


def _scan(raw: str) -> _Scan:
    """Unify line breaks, NFC-normalise and take out control, bidi and silent characters."""
    text = _LINE_BREAKS.sub("\n", raw)
    kept: list[str] = []
    controls: dict[str, None] = {}
    bidi: dict[str, None] = {}
    for char in text:
        if char in "\n\t":
            kept.append(char)
            continue
        category = unicodedata.category(char)
        if category in {"Cc", "Cs"}:
            controls[char] = None
        elif char in _BIDI_CONTROLS:
            bidi[char] = None
        elif char not in _SILENT:
            kept.append(char)
    cleaned = strip_stray_tags(unicodedata.normalize("NFC", "".join(kept)))
    return _Scan(cleaned, tuple(controls), tuple(bidi))


def strip_stray_tags(text: str) -> str:
    """``text`` without tag characters, except those of emoji tag sequences (subdivision flags)."""
    if not _TAG.search(text):
        return text
    parts: list[str] = []
    last = 0
    for match in _TAG_SEQUENCE.finditer(text):
        parts += [_TAG.sub("", text[last : match.start()]), match.group()]
        last = match.end()
    parts.append(_TAG.sub("", text[last:]))
    return "".join(parts)


def _tidy_body(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _tidy_name(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def is_visible(text: str) -> bool:
    """Whether ``text`` shows anything: a character that is not space, mark, format control or blank filler."""
    return any(
        not char.isspace() and char not in BLANK_FILLERS and unicodedata.category(char) not in {"Mn", "Me", "Cf"}
        for char in text
    )


def longest_combining_run(text: str) -> int:
    """The most non-spacing or enclosing marks in a row (stacked on one character)."""
    longest = run = 0
    for char in text:
        if unicodedata.category(char) in {"Mn", "Me"}:
            run += 1
            longest = max(longest, run)
        else:
            run = 0
    return longest


def _char_problems(scan: _Scan, which: Field) -> list[Problem]:
    problems = []
    if scan.controls:
        problems.append(Problem(which, Code.CONTROL, chars=scan.controls))
    if scan.bidi:
        problems.append(Problem(which, Code.BIDI, chars=scan.bidi))
    if longest_combining_run(scan.text) > MAX_COMBINING_RUN:
        problems.append(Problem(which, Code.COMBINING, limit=MAX_COMBINING_RUN))
    return problems


def clean_name(raw: str, fallback: str = "") -> tuple[str, list[Problem]]:
    """A single-line radio name; empty means the (cleaned) ``fallback``, then :data:`ANONYMOUS_NAME`."""
    scan = _scan(raw)
    name = _tidy_name(scan.text)
    problems = _char_problems(_Scan(name, scan.controls, scan.bidi), Field.NAME)
    if not is_visible(name):
        name = ""
    if len(name) > MAX_NAME:
        problems.append(Problem(Field.NAME, Code.TOO_LONG, length=len(name), limit=MAX_NAME))
    if not name:
        name = display_name(fallback)
    return name, problems


def display_name(raw: str) -> str:
    """A Discord display name made safe to use as a radio name (never refused: cleaned and cut)."""
    scan = _scan(raw)
    name = _tidy_name(scan.text)
    if not is_visible(name) or longest_combining_run(name) > MAX_COMBINING_RUN:
        return ANONYMOUS_NAME
    return name[:MAX_NAME]


def clean_body(raw: str) -> tuple[str, list[Problem]]:
    """The normalised body and the problems that refuse it (none when it may be stored)."""
    scan = _scan(raw)
    body = _tidy_body(scan.text)
    problems = _char_problems(_Scan(body, scan.controls, scan.bidi), Field.BODY)
    if not is_visible(body):
        return body, [*problems, Problem(Field.BODY, Code.BLANK, limit=MIN_BODY)]
    if len(body) < MIN_BODY:
        problems.append(Problem(Field.BODY, Code.TOO_SHORT, length=len(body), limit=MIN_BODY))
    elif len(body) > MAX_BODY:
        problems.append(Problem(Field.BODY, Code.TOO_LONG, length=len(body), limit=MAX_BODY))
    return body, problems


def clean_letter(radio_name: str, body: str, *, fallback_name: str = "") -> CleanLetter:
    """Validate and normalise a letter, or raise :class:`InvalidLetter` listing every problem."""
    name, name_problems = clean_name(radio_name, fallback_name)
    text, body_problems = clean_body(body)
    problems = (*name_problems, *body_problems)
    if problems:
        draft_name = _tidy_name(_scan(radio_name).text)
        draft_body = _scan(body).text.strip()
        raise InvalidLetter(problems, draft_name, draft_body)
    return CleanLetter(name, text)
