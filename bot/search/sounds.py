"""Names by their sound: a katakana name finds the Latin one it is a reading of, and back (オブシディアン ⇄ Obsidian).

The analyser knows the readings of common words and the archive writes some names in both scripts
(:mod:`bot.search.names`), but a new product name is often in the archive in one script only while a listener
types it in the other (セレニウム for Selenium, ぷらねっとすけーる for PlanetScale). Both spellings are reduced
to how katakana hears them (:func:`spoken`): English spelling rules first (``ph`` → f, ``tion`` → shon, a soft
``c``, ``er`` at the end heard as アー as in computer → コンピューター, another ``r`` after a vowel silent), then
sounds Japanese does not tell apart merged (l and r; b and v; s, z, sh and j; t, ch and ts; m and n; f and h),
semivowels dropped. The consonants that remain, doubles single, are the name's *sound* (``bsdn`` for both
spellings of Obsidian), the key it is looked up by; a candidate with the same sound must also be spelled alike,
vowels included (:func:`likeness`), because short sounds are shared by many words.

The store keeps the sound of every Latin word, pair of adjacent Latin words (Agent Teams) and katakana run of
the archive (:func:`names_in`) and asks for them only for a query word that finds nothing as typed: a word
the archive has is never widened to its homophones. Letters read out in katakana (エーツーエー) are read as the
letters themselves (:func:`spelled_out`): their sound is too short to look up.

Written by hand: transliteration libraries go from kana to romaji (the easy half); none matches an English
spelling to its katakana reading, which is what this does, roughly and symmetrically.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

from bot.text import fold_kana, nfkc, normalize

#: Bump when a name's sound changes (:func:`spoken`): the store mines the archive's sounds again at the next
#: start. 2: er at a word's end as アー, wh, a w after a consonant. 3: ts before a consonant as ト and ス. 4: a
#: closed u also as ア; no silent-e vowel after another vowel. 5: a ch also as k and sh.
RULES_VERSION = 5
#: A shorter sound (one consonant, or none) names too many words to look up.
MIN_SOUND = 2
#: The least :func:`likeness` of a name found by its sound, by the sound's length (2, 3, 4 or more consonants):
#: a short sound is shared by many words, and a random string of kana has one as often. Measured on the show's
#: names (bench/RESULTS.md, ``bench_sounds``): true readings mostly 0.8–1.0 (those of two consonants: Llama,
#: Gemini, AirPods 0.9–1.0); of 1,500 random kana strings none of whose bigrams is in the archive, 0.7 % find a
#: name with these bounds and :data:`SHORT_KANA` (10.7 % with 0.9, 0.76, 0.65 and the old comparison).
MIN_LIKENESS = (0.9, 0.85, 0.75)
#: A kana name of this many morae or fewer (ラマ, ホサ) must sound exactly like the name it is found as: three
#: random kana sound like some short English word too often (ホサ and Forza, ロオグ and log).
SHORT_KANA = 3
#: How alike (difflib ratio) a misspelt Latin word must be spelled to a name of the archive, besides sounding
#: alike: nemotoron and Nemotron 0.94, bilder and Builder 0.92; random letters and the names they sound like
#: mostly below 0.75 (lugen and Lucene 0.73).
MIN_SPELLING = 0.8
#: A misspelling is taken only this close to the best name found (コーパイロット: コパイロット and Copilot, not
#: コピーライト, which sounds alike too).
MISSPELT_MARGIN = 0.1
#: At most this many names are taken for one word.
MAX_NAMES = 3
#: Longest name looked at (characters).
MAX_NAME = 40

#: English spellings as katakana hears them, replaced in one pass, longest first (tch before ch, ck before c).
_SPELLINGS = {
    "tch": "t", "ture": "tar", "tion": "son", "sion": "son", "ph": "f", "gh": "", "ck": "k", "qu": "kw",
    "x": "ks", "ch": "t", "sh": "s", "th": "s", "wh": "w", "air": "ea", "au": "o", "aw": "o", "ee": "i",
    "ea": "i", "oo": "u", "ce": "se", "ci": "si", "cy": "sy", "c": "k",
}  # fmt: skip
_SPELLING = re.compile("|".join(sorted(_SPELLINGS, key=len, reverse=True)))
#: A ch (or tch) before a consonant or at the end heard as チ, with its i (torch → トーチ, search → サーチ, patch).
_CH_CLOSED = re.compile(r"t?ch(?![aeiouy])")
#: ts heard as ツ (t, below) before a vowel or at the end (Tsunami, cats), as ト and ス before a consonant
#: (Agentspace → エージェントスペース, hotspot).
_TS = re.compile(r"ts(?![b-df-hj-np-tv-z])")
#: ear before a consonant heard as アー (search → サーチ, learn → ラーン), not as the ea of team.
_EAR = re.compile(r"ear(?=[b-df-hj-np-tv-z])")
#: A w after a consonant heard with the vowel katakana puts between them (twitter → ツイッター, Qwen → クウェン).
_GLIDE_W = re.compile(r"(?<=[b-df-hj-np-tv-z])w")
#: At a word's start (kn, gn, wr, ps) and end (mb, ge, ds; a y after a consonant, as in tiny → タイニー).
_EDGES = {"kn": "n", "gn": "n", "wr": "r", "ps": "s", "mb": "m", "ge": "je", "ds": "s", "y": "i"}
_EDGE = re.compile(r"^(?:kn|gn|wr|ps)|(?:mb|ge|ds|(?<=[b-df-hj-np-tv-z])y)$")
#: er, or and ar at a word's end heard as アー (computer → コンピューター, editor → エディター).
_R_END = re.compile(r"[aeo]r$")
#: A vowel before a consonant and a silent e (make, time): heard as its name; not the second of two (voice).
_MAGIC_E = re.compile(r"(?<![aeiou])[ai](?=[b-df-hj-np-tv-z]e)")
#: A ch heard as チ (chat), and also as ク (Chrome, schema) or シ (cache, machine); not the tch of watch.
_CH = re.compile(r"(?<!t)ch")
#: A u closed by its consonant (Opus, Rust, bus): also heard as ア (オーパス, ラスト, バス).
_SHORT_U = re.compile(r"(?<=[b-df-hj-np-tv-z])u(?=[b-df-hj-np-tv-z](?:[b-df-hj-np-tv-z]|$))")
#: Letters not heard: an r after a vowel and before a consonant or the end (computer → コンピューター), an h
#: before a consonant.
_SILENT = re.compile(r"(?<=[aeiouy])r+(?![aeiouy])|h(?![aeiouy])")
_SOFT_G = re.compile(r"g(?=[eiy])")
#: Latin letters as katakana names them (エー, ビー, シー...), spelled as :func:`_katakana` hears them.
_LETTERS = {
    "A": "e", "B": "bi", "C": "si", "D": "di", "E": "i", "F": "ehu", "G": "zi", "H": "eiti", "I": "ai",
    "J": "ze", "K": "ke", "L": "eru", "M": "emu", "N": "enu", "O": "o", "P": "pi", "Q": "kyu", "R": "aru",
    "S": "esu", "T": "ti", "U": "yu", "V": "bui", "W": "daburyu", "X": "ekkusu", "Y": "wai", "Z": "zetto",
}  # fmt: skip
#: An upper-case part up to this long may be an acronym, read letter by letter.
MAX_ACRONYM = 5
_MERGED = str.maketrans({"j": "s", "z": "s", "f": "h", "v": "b", "l": "r", "m": "n", "q": "k", "w": "", "y": ""})
_NO_VOWELS = str.maketrans("", "", "aeiou")
#: A consonant katakana cannot end a syllable with (all but ン): it adds a vowel (ト in ベッドロック, ク, ブ).
_CLOSED = re.compile(r"([b-df-hj-mp-tv-z])(?![aeiou])")
_WORD_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?: [A-Za-z][A-Za-z0-9]*)?")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+")
_KATAKANA_NAME = re.compile(r"[ァ-ヺー]{2,}")
_PARTS = re.compile(r"[ァ-ヺー]{2,}|[A-Za-z][A-Za-z0-9]*(?: [A-Za-z][A-Za-z0-9]*)*")
#: A name glued from katakana and Latin runs (ジェミニCLI, ニューラルGCM), each heard as its script is.
_MIXED_NAME = re.compile(r"(?:[ァ-ヺー]{2,}|[A-Za-z][A-Za-z0-9]*)+")
#: Each katakana letter by its Unicode name, less ``KATAKANA LETTER`` (ア → A, シ → SI, ッ → SMALL TU).
KANA_LETTERS = {
    char: unicodedata.name(char).removeprefix("KATAKANA LETTER ")
    for char in map(chr, range(0x30A1, 0x30FB))
    if unicodedata.name(char, "").startswith("KATAKANA LETTER ")
}
_SMALL_VOWELS = frozenset("AIUEO")
_SMALL_GLIDES = frozenset(("YA", "YU", "YO"))

#: A version number a name typed in katakana goes on with (クウェン2.5, ジェミニ3): the names it is heard as take it
#: instead of their own (Qwen2 and Qwen heard for クウェン are both Qwen2.5).
_VERSION_END = re.compile(r"(?<=[ァ-ヺー])[0-9][0-9.]*$")
_NUMBER_END = re.compile(r"[0-9][0-9.]*$")


class Spoken(NamedTuple):
    """A spelling as heard: its sound (the consonants only), its form (vowels kept), and whether it is a guess at
    a spelling English reads more than one way (a ch as ク or シ, a closed u as ア), which only the strictest
    :data:`MIN_LIKENESS` takes (シュトラーゼン sounds like Orchestration with its ch as シ, 0.76 alike)."""

    sound: str
    form: str
    guess: bool = False


def _single(letters: str) -> str:
    """Each run of one letter as one letter (a doubled consonant is heard once)."""
    return "".join(letter for letter, _ in itertools.groupby(letters))


def _heard(letters: str, guess: bool = False) -> Spoken:
    merged = _single(letters.translate(_MERGED))
    return Spoken(_single(merged.translate(_NO_VOWELS)), merged, guess)


@functools.lru_cache(maxsize=16384)
def _latin_part(part: str) -> tuple[Spoken, ...]:
    """How one word part (``Git`` of GitHub) may be heard: as a word, also with a ch as k or sh (Chrome, cache),
    a soft ``g`` and a closed u as ア, and an acronym (``SQL``) also letter by letter (エスキューエル)."""
    lower = _EDGE.sub(lambda match: _EDGES[match[0]], part.lower())
    spelled: list[tuple[str, bool]] = []  # (letters, whether a guess)
    for letters in [lower, *(_CH.sub(sound, lower) for sound in ("k", "sh") if _CH.search(lower))]:
        letters = _CH_CLOSED.sub("ti", _TS.sub("t", _EAR.sub("ar", letters)))
        letters = _SPELLING.sub(lambda match: _SPELLINGS[match[0]], letters)
        letters = _GLIDE_W.sub("uw", letters)
        spelled.append((_MAGIC_E.sub(lambda match: "e" if match[0] == "a" else "ai", letters), bool(spelled)))
    for rule, sound, guess in ((_SOFT_G, "j", False), (_SHORT_U, "a", True)):
        spelled += [
            (rule.sub(sound, letters), guessed or guess) for letters, guessed in spelled if rule.search(letters)
        ]
    heard = [_heard(_SILENT.sub("", _R_END.sub("a", letters)), guessed) for letters, guessed in spelled]
    if part.isupper() and len(part) <= MAX_ACRONYM:
        heard.append(_heard("".join(_LETTERS[letter] for letter in part)))
    return tuple(heard)


def _latin(name: str) -> list[Spoken]:
    """A Latin name's ways of being heard, part by part (words and camel-case parts: PlanetScale)."""
    heard = [Spoken("", "")]
    for word in name.split():
        for part in _WORD_PARTS.findall(word):
            heard = [_joined(one, more) for one in heard for more in _latin_part(part)][:4]
    return [said._replace(sound=_single(said.sound)) for said in heard]


def _joined(one: Spoken, more: Spoken) -> Spoken:
    """Two parts of a name heard one after the other."""
    return Spoken(one.sound + more.sound, one.form + more.form, one.guess or more.guess)


def _katakana(name: str) -> list[Spoken]:
    """A katakana name as heard, from the letters' Unicode names (``KATAKANA LETTER SI`` → si)."""
    syllables: list[str] = []
    for char in name:
        letter = KANA_LETTERS.get(char)
        if letter is None:
            continue  # the long-vowel mark, the middle dot, iteration marks
        if letter.startswith("SMALL "):
            letter = letter.removeprefix("SMALL ")
            if letter == "TU":
                continue  # ッ doubles the next consonant, which is heard once
            if syllables and (letter in _SMALL_VOWELS or letter in _SMALL_GLIDES):
                syllables[-1] = syllables[-1][:-1] + letter[-1]  # ディ, シェ, チュ
                continue
        syllables.append(letter)
    return [_heard("".join(syllables).lower())]


def _mixed(name: str) -> list[Spoken]:
    """A name of katakana and Latin runs as heard, run by run (ジェミニ as katakana, then CLI as Latin)."""
    heard = [Spoken("", "")]
    for run in _PARTS.findall(name):
        ways = _katakana(run) if _KATAKANA_NAME.fullmatch(run) else _latin(run)
        heard = [_joined(one, more) for one in heard for more in ways][:4]
    return [said._replace(sound=_single(said.sound)) for said in heard]


@functools.lru_cache(maxsize=16384)
def spoken(name: str) -> tuple[Spoken, ...]:
    """How ``name`` (Latin letters, kana, or runs of both) is heard: empty for other scripts or a sound too short
    to use."""
    text = fold_kana(nfkc(name).strip())
    if not text or len(text) > MAX_NAME:
        return ()
    if _KATAKANA_NAME.fullmatch(text):
        heard = _katakana(text)
    elif _LATIN_NAME.fullmatch(text):
        heard = _latin(text)
    elif _MIXED_NAME.fullmatch(text):
        heard = _mixed(text)
    else:
        return ()
    return tuple(dict.fromkeys(item for item in heard if len(item.sound) >= MIN_SOUND))


@functools.lru_cache(maxsize=16384)
def sounds(name: str) -> tuple[str, ...]:
    """The keys ``name`` is looked up by: one per way it may be heard (a soft ``g``, a ch as ク...)."""
    return tuple(dict.fromkeys(heard.sound for heard in spoken(name)))


def _voiced(consonant: re.Match[str]) -> str:
    return consonant[1] + ("o" if consonant[1] in "td" else "u")


def likeness(one: str, other: str) -> float:
    """How alike two names sound, 0 to 1: 0 unless they share a sound, else how alike their heard forms are, each
    with the vowel katakana adds after a closing consonant (Bedrock heard as bedoroku, as ベッドロック is), less
    than :func:`_least` asks counting as 0."""
    best = 0.0
    for heard in spoken(one):
        for other_heard in spoken(other):
            if heard.sound == other_heard.sound:
                a, b = (_katakana_like(said.form, name) for said, name in ((heard, one), (other_heard, other)))
                ratio = difflib.SequenceMatcher(None, a, b).ratio()
                if ratio >= _least(heard, other_heard):
                    best = max(best, ratio)
    return best


def _least(one: Spoken, other: Spoken) -> float:
    """The least likeness two heard forms sharing a sound need: by the sound's length; the strictest for a guess."""
    if one.guess or other.guess:
        return MIN_LIKENESS[0]
    return MIN_LIKENESS[min(len(one.sound) - MIN_SOUND, len(MIN_LIKENESS) - 1)]


def _katakana_like(form: str, name: str) -> str:
    """A heard form with the vowels katakana adds after closing consonants, less a Latin name's silent e."""
    return _CLOSED.sub(_voiced, form.removesuffix("e") if _script(name) == "latin" else form)


def _morae(kana: str) -> int:
    """Kana letters of ``kana`` that make a syllable of their own (not ー, ッ or a small ャ of キャ)."""
    return sum(1 for char in fold_kana(nfkc(kana)) if char in KANA_LETTERS and "SMALL" not in KANA_LETTERS[char])


@functools.lru_cache(maxsize=16384)
def _script(name: str) -> str:
    text = fold_kana(normalize(name))
    if _KATAKANA_NAME.fullmatch(text):
        return "kana"
    return "latin" if _LATIN_NAME.fullmatch(text) else "mixed"


def names_in(text: str) -> Iterator[tuple[str, str]]:
    """(sound, name) for every Latin word, pair of adjacent capitalised Latin words (Agent Teams) and katakana
    run of ``text``, as written (the archive's own text rarely holds full-width letters or half-width kana; a
    query is normalised before it is heard)."""
    words = list(_LATIN_WORD.finditer(text))
    pairs = (
        text[one.start() : other.end()]
        for one, other in itertools.pairwise(words)
        if other.start() == one.end() + 1 and text[one.end()] == " " and one[0][0].isupper() and other[0][0].isupper()
    )
    found = (*(word[0] for word in words), *pairs, *_KATAKANA_NAME.findall(text))
    for name in dict.fromkeys(found):
        for sound in sounds(name):
            yield sound, name


#: Latin letters and digits by the katakana names they are read out with (エムシーピー is MCP, エーツーエー A2A).
_SPELLED = {
    "エー": "a", "エイ": "a", "ビー": "b", "シー": "c", "ディー": "d", "デー": "d", "イー": "e", "エフ": "f",
    "ジー": "g", "エイチ": "h", "エッチ": "h", "アイ": "i", "ジェー": "j", "ジェイ": "j", "ケー": "k", "ケイ": "k",
    "エル": "l", "エム": "m", "エヌ": "n", "オー": "o", "ピー": "p", "キュー": "q", "アール": "r", "エス": "s",
    "ティー": "t", "テー": "t", "ユー": "u", "ブイ": "v", "ヴイ": "v", "ダブリュー": "w", "ダブル": "w",
    "エックス": "x", "ワイ": "y", "ゼット": "z", "ゼロ": "0", "ワン": "1", "ツー": "2", "スリー": "3",
    "フォー": "4", "ファイブ": "5", "シックス": "6", "セブン": "7", "エイト": "8", "ナイン": "9",
}  # fmt: skip
_LONGEST_NAME = max(map(len, _SPELLED))


@functools.lru_cache(maxsize=4096)
def spelled_out(word: str) -> str | None:
    """The letters and digits ``word`` reads out, when it is nothing but their katakana names, two or more
    (えむしーぴー → mcp, エーツーユーアイ → a2ui); else ``None``. Their sound is too short to look up (A2A: t)."""
    kana = fold_kana(nfkc(word))
    # read[i]: the letters of kana[:i], or None when kana[:i] is not letter names only
    read: list[str | None] = [""] + [None] * len(kana)
    for end in range(1, len(kana) + 1):
        for start in range(max(0, end - _LONGEST_NAME), end):
            letter = _SPELLED.get(kana[start:end])
            if letter is not None and read[start] is not None:
                read[end] = f"{read[start]}{letter}"
                break
    letters = read[-1]
    return letters if letters is not None and len(letters) >= 2 else None


def parts(word: str) -> tuple[str, ...]:
    """What of ``word`` can be heard: the word, or else its katakana runs and Latin words (セレニウム of
    セレニウム作者, Bedrock of 減らすBedrock) that have a sound. A word glued from both scripts (ジェミニCLI) is
    heard whole first, then by its runs: :func:`named` takes the runs' names only when the whole has none."""
    runs = tuple(part for part in _PARTS.findall(word) if sounds(part))
    if not sounds(word):
        return runs
    return (word, *runs) if _script(word) == "mixed" and len(runs) > 1 else (word,)


def _misspelling(typed: str, name: str, script: str) -> bool:
    """Whether ``typed`` may be a misspelling of ``name`` of its own script: not the same, beginning alike (a
    word sharing only a later part, クシュトークン and アクセストークン, is another word), and for Latin letters also
    spelled alike (:data:`MIN_SPELLING`), as Latin sounds alike far more loosely than kana."""
    if typed == name or typed[:1] != name[:1]:
        return False
    return script != "latin" or difflib.SequenceMatcher(None, typed, name).ratio() >= MIN_SPELLING


def alike(word: str, names: Iterable[str], *, misspelt: bool = False) -> list[str]:
    """The names, among ``names`` (found by :func:`sounds`), that ``word`` can be the other script's spelling
    of, or when ``misspelt`` (no document holds it) also another spelling in its own script (シュミレーター of
    シミュレーター, nemotoron of Nemotron; only near the best, :data:`MISSPELT_MARGIN`): best first, at most
    :data:`MAX_NAMES`, one per spelling differing only in case."""
    script = _script(word)
    own = fold_kana(normalize(word))
    least = 1.0 if script == "kana" and _morae(word) <= SHORT_KANA else 0.0
    scored: dict[str, tuple[float, str]] = {}
    for name in names:
        if _script(name) == script and not (misspelt and _misspelling(own, fold_kana(normalize(name)), script)):
            continue
        score = likeness(word, name)
        folded = name.casefold()
        if score and score >= least and score > scored.get(folded, (0.0, ""))[0]:
            scored[folded] = (score, name)
    ranked = sorted(scored.values(), key=lambda item: (-item[0], item[1]))
    best = ranked[0][0] if ranked else 0.0
    kept = [name for score, name in ranked if _script(name) != script or score >= best - MISSPELT_MARGIN]
    return kept[:MAX_NAMES]


def named(
    words: Mapping[str, Sequence[str]], by_sound: Mapping[str, Sequence[str]], misspelt: Collection[str] = ()
) -> dict[str, list[str]]:
    """For each word (its text → its :func:`parts`), the names of ``by_sound`` (the archive's names by sound)
    its parts sound like, best first, part by part; for a word glued from both scripts, those of the whole when
    it has any, else those of its runs. The words of ``misspelt`` (texts no document holds) may also be another
    spelling in their own script (:func:`alike`)."""

    found: dict[str, list[str]] = {}
    for text, heard in words.items():
        wrong = text in misspelt
        glued = len(heard) > 1 and _script(heard[0]) == "mixed"
        whole = heard_as(heard[0], by_sound, misspelt=wrong) if glued else []
        parts = heard[1:] if glued else heard
        names = whole or [name for part in parts for name in heard_as(part, by_sound, misspelt=wrong)]
        version = _typed_version(text)
        found[text] = list(dict.fromkeys(_NUMBER_END.sub("", name) + version for name in names)) if version else names
    return found


def versioned(name: str, typed: str) -> tuple[str, str] | None:
    """(The name, its version) when ``typed`` goes on with a version number after its kana (クウェン2.5) and
    ``name``, one it was heard as (:func:`named`), ends with it (Qwen2.5 → Qwen, 2.5)."""
    version = _typed_version(typed)
    if version is None or not name.endswith(version) or name == version:
        return None
    return name.removesuffix(version), version


def _typed_version(typed: str) -> str | None:
    """The version number ``typed`` goes on with after its kana (2.5 of クウェン2.5), if any."""
    version = _VERSION_END.search(fold_kana(typed))
    return version[0] if version else None


def heard_as(part: str, by_sound: Mapping[str, Sequence[str]], *, misspelt: bool = False) -> list[str]:
    """The names of ``by_sound`` (the archive's names by sound) ``part`` sounds like (:func:`alike`)."""
    return alike(part, [name for sound in sounds(part) for name in by_sound.get(sound, ())], misspelt=misspelt)
