"""Names across scripts: pairs the archive writes (「NVIDIA（エヌビディア）」) and the operator's synonyms file.

Both give, for a word's key (:func:`bot.search.variants.key`), the other names it is known by; the store adds
them to a query's content words (:meth:`bot.search.query.Query.with_synonyms`).

Mined pairs are a Latin name and a katakana one, either way round, where the katakana can be a reading of the
Latin: when the analyser knows the Latin word, its reading must be the katakana (which keeps 「API（ツール）」 or
「AI（エージェント）」 out); otherwise the two must start with a similar sound (by the kana's Unicode names:
``KATAKANA LETTER KA`` → ``ka``) and have comparable lengths.

The synonyms file (``content/synonyms.txt`` by default, ``SEARCH_SYNONYMS``) has one group per line, names
separated by commas (``NVIDIA, エヌビディア, Nvidia``); ``#`` starts a comment. It is read at start: a bad line
stops the bot with its line number and what is wrong.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from bot.search import variants
from bot.search.sounds import KANA_LETTERS

#: Longest name in a pair or in the synonyms file (characters).
MAX_NAME = 50
#: Bump when :func:`mine_pairs` finds other pairs: the store mines the archive's pairs again at the next start.
RULES_VERSION = 1

_LATIN_NAME = r"[A-Za-z][A-Za-z0-9.&+\-]*(?: [A-Za-z0-9.&+\-]+){0,3}"
_KANA_NAME = r"[ァ-ヺー・]{2,30}"
_LATIN_FIRST = re.compile(rf"({_LATIN_NAME})\s*[（(]({_KANA_NAME})[)）]")
_KANA_FIRST = re.compile(rf"({_KANA_NAME})\s*[（(]({_LATIN_NAME})[)）]")
_ACRONYM = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,5}(?:\.md)?")
#: Letters that can begin the same sound in a Latin spelling and its katakana reading.
_SOUNDS = ("aeiouy", "kcqg", "sczxtj", "bv", "rl", "hfw", "gj", "dtz", "m", "n", "p", "wuo", "jyi")


def _romaji(kana: str) -> str:
    """A rough romanisation of katakana from the characters' Unicode names (enough to compare first sounds)."""
    return "".join(KANA_LETTERS[char].removeprefix("SMALL ").lower() for char in kana if char in KANA_LETTERS)


def _sounds_alike(latin: str, kana: str) -> bool:
    letters = re.sub(r"[^a-z]", "", latin.lower())
    romaji = _romaji(kana)
    if not letters or not romaji:
        return False
    spoken = len(kana.replace("ー", "").replace("・", ""))
    if not len(letters) / 2.2 <= spoken <= 1.6 * len(letters) + 1:
        return False
    return any(letters[0] in group and romaji[0] in group for group in _SOUNDS)


@functools.lru_cache(maxsize=4096)
def plausible(latin: str, kana: str) -> bool:
    """Whether ``kana`` can be the reading of ``latin``."""
    morphemes = variants.analyse(latin)
    if len(morphemes) == 1 and morphemes[0].known:
        reading = variants.key(morphemes[0].reading)
        if re.fullmatch(r"[ァ-ヺー・]+", reading):
            return reading == variants.key(kana)
    if _ACRONYM.fullmatch(latin):
        return False  # an acronym is spelled out, or explained by a word (「MCP（モデル…）」): no reading
    return _sounds_alike(latin, kana)


def mine_pairs(text: str) -> Iterator[tuple[str, str]]:
    """(Latin, katakana) names that ``text`` writes side by side, one in brackets after the other."""
    if "（" not in text and "(" not in text:
        return
    for latin, kana in (
        *((m.group(1), m.group(2)) for m in _LATIN_FIRST.finditer(text)),
        *((m.group(2), m.group(1)) for m in _KANA_FIRST.finditer(text)),
    ):
        if len(latin) <= MAX_NAME and plausible(latin, kana):
            yield latin, kana


class SynonymsError(ValueError):
    """The synonyms file cannot be used; the message names the file, the line and the problem."""


def parse_synonyms(text: str, source: str = "synonyms") -> dict[str, tuple[str, ...]]:
    """The groups of a synonyms file as key → the other names; raises :class:`SynonymsError` for a bad line."""
    found: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        names = [name.strip() for name in re.split(r"[,、，]", content)]
        where = f"{source} line {number}"
        if any(not name for name in names):
            raise SynonymsError(f"{where}: an empty name (two commas in a row, or one at an end)")
        if len(names) < 2:
            raise SynonymsError(f"{where}: a group needs at least two names separated by commas")
        for name in names:
            if len(name) > MAX_NAME:
                raise SynonymsError(f"{where}: {name[:20]!r}… is longer than {MAX_NAME} characters")
            if not variants.key(name):
                raise SynonymsError(f"{where}: {name!r} has no letters or digits to search for")
        for name in names:
            others = found.setdefault(variants.key(name), [])
            others.extend(other for other in names if other != name and other not in others)
    return {key: tuple(others) for key, others in found.items()}


def load_synonyms(path: Path) -> dict[str, tuple[str, ...]]:
    """Read and check a synonyms file (UTF-8); raises :class:`SynonymsError` when it is unreadable or bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SynonymsError(f"cannot read the synonyms file {path}: {exc}") from exc
    return parse_synonyms(text, str(path))


def merge(*groups: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Several key → names maps as one."""
    merged: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for key, names in group.items():
            merged[key] = tuple(dict.fromkeys((*merged.get(key, ()), *names)))
    return merged
