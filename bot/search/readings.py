"""Kanji words by their reading: a word typed in kana and never converted finds the kanji the archive writes it in
(すいろん → 推論, せいせいAI → 生成AI, たこのせいそう → タコの精巣).

The store keeps the reading of every run of kanji of the archive and of each word in it (:func:`readings_in`,
from the analyser: 大規模言語 → ダイキボゲンゴ, and ダイキボ, ゲンゴ), and asks for them only for a query word in
kana that finds nothing as typed. :func:`spellings` then rewrites the word with the kanji of the readings it
holds, the rest kept as kana (read as katakana: もでる → モデル), and the store keeps the spellings the archive
holds: a reading can be several words (せいそう: 精巣, 清掃), and a string of kana holds readings by accident.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

from bot.search.variants import spoken_words
from bot.text import fold_kana, nfkc

#: A reading shorter than this (in kana) is too common to look up inside a longer word; it may still be a whole
#: word's (ねこ → 猫).
MIN_PART = 3
#: Bump when :func:`readings_in` reads otherwise: the store mines the archive's readings again at the next start.
RULES_VERSION = 1
#: Longest reading looked up (kana).
MAX_READING = 16
#: At most this many spellings are tried for one word (the best covered first).
MAX_SPELLINGS = 8
#: At most this many words are taken for one reading.
MAX_WORDS = 4

_KANJI_RUN = re.compile(r"[一-龯㐀-䶵々〆ヶ]+")
#: A kanji (with the iteration and abbreviation marks written among them).
KANJI = re.compile(r"[一-龯㐀-䶵々〆ヶ]")
_KANA_WORD = re.compile(r"[ぁ-ゖァ-ヺー]{2,}")
_READING = re.compile(r"[ァ-ヺー]{2,}")

#: Readings of kanji runs analysed alone, by run; bounded (cleared when full).
_cache: dict[str, tuple[tuple[str, str], ...]] = {}
CACHE_RUNS = 100_000


def _run_readings(run: str) -> tuple[tuple[str, str], ...]:
    """(reading, word) of a run of kanji analysed alone: the whole run, and each of its words with kanji."""
    words = spoken_words(run)
    pairs = [(reading, surface) for surface, _, reading in words if KANJI.search(surface)]
    if len(words) > 1:
        pairs.append(("".join(reading for _, _, reading in words), run))
    return tuple((reading, word) for reading, word in dict.fromkeys(pairs) if _READING.fullmatch(reading))


def readings_in(text: str) -> set[tuple[str, str]]:
    """(reading in katakana, word) of every run of kanji in ``text`` and of the words in it."""
    found: set[tuple[str, str]] = set()
    for run in set(_KANJI_RUN.findall(text if text.isascii() else nfkc(text))):
        pairs = _cache.get(run)
        if pairs is None:
            if len(_cache) >= CACHE_RUNS:
                _cache.clear()
            pairs = _cache[run] = _run_readings(run) if len(run) <= MAX_READING else ()
        found.update(pairs)
    return found


def reads(word: str) -> bool:
    """Whether ``word`` (as typed) is kana that may be a kanji word's reading."""
    return _KANA_WORD.fullmatch(word) is not None


def pieces(word: str) -> list[str]:
    """The readings to look up for kana ``word``: itself, and every part of it of :data:`MIN_PART` kana or more."""
    kana = fold_kana(word)
    found = {kana} if len(kana) <= MAX_READING else set()
    for start in range(len(kana)):
        for end in range(start + MIN_PART, min(len(kana), start + MAX_READING) + 1):
            found.add(kana[start:end])
    return sorted(found)


@functools.lru_cache(maxsize=4096)
def _with_okurigana(word: str, reading: str) -> tuple[str, ...]:
    """``word`` as mined (a run of kanji: 手続), and when the analyser writes it with okurigana (its normal form),
    also that way (手続キ, as the archive writes 手続き記憶; the index holds hiragana as katakana)."""
    morphemes = spoken_words(word)
    if len(morphemes) != 1:
        return (word,)
    _, normal, heard = morphemes[0]
    written = fold_kana(normal)
    return (word, written) if written != word and heard == reading and KANJI.search(written) else (word,)


def spellings(word: str, by_reading: Mapping[str, Sequence[str]]) -> list[str]:
    """Kana ``word`` written with the kanji of the readings it holds (``by_reading``: the archive's words by
    reading), the rest as katakana; those covering most of the word by readings first, then those adding the
    fewest okurigana (:func:`_with_okurigana`), at most :data:`MAX_SPELLINGS`. Only spellings with at least one
    kanji word are returned."""
    kana = fold_kana(word)
    # best[i]: up to MAX_SPELLINGS (kana covered by readings, -pieces, -okurigana added, spelling) of kana[:i]
    best: list[list[tuple[int, int, int, str]]] = [[] for _ in range(len(kana) + 1)]
    best[0] = [(0, 0, 0, "")]
    for start in range(len(kana)):
        if not best[start]:
            continue
        steps = [(kana[start], 0, 0, "")] + [
            (reading, len(reading), len(written) - len(spelled), written)
            for end in range(start + 2, min(len(kana), start + MAX_READING) + 1)
            if (reading := kana[start:end]) in by_reading and (len(reading) >= MIN_PART or reading == kana)
            for spelled in by_reading[reading][:MAX_WORDS]
            for written in _with_okurigana(spelled, reading)
        ]
        for reading, covered, added, spelled in steps:
            end = start + len(reading)
            best[end].extend(
                (score + covered, parts - (1 if covered else 0), extra - added, text + (spelled or reading))
                for score, parts, extra, text in best[start]
            )
            best[end] = sorted(set(best[end]), reverse=True)[:MAX_SPELLINGS]
    return list(dict.fromkeys(text for score, _, _, text in best[len(kana)] if score))
