"""Spelling variants and readings from a morphological analyser (SudachiPy with sudachidict-core).

The second layer of the index, beside the bigram tokens of :mod:`bot.text`. The analyser gives every word its
*normalised form* (サーバ → サーバー, シュミレーション → シミュレーション, 打込む → 打ち込む, グーグル → Google) and its
*reading* (NVIDIA → エヌビディア); the design follows the Elasticsearch analysis-sudachi plugin's
``sudachi_normalizedform`` filter.

The index stores only the differences: a word whose normalised form or reading differs from what is written
adds a *variant token*, that form followed by :data:`MARK` (a character the bigram tokens never hold). A query
word then matches (see :mod:`bot.search.query`) its own bigrams, the bigrams of its normal form and reading
(documents that write it that way), and their variant tokens (documents that write another variant).

What is analysed: each katakana run and Latin word alone, and in a title also each run of kanji with its
okurigana (打込む, 打ち込む), with a cache: words repeat, and analysing every text whole took longer than the
rest of a cold ingest together (1.2 s for the corpus's titles alone).
The analyser is loaded once per thread on first use (0.1 s) from the installed dictionary, never from the
network.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.text import fold_kana, normalize

if TYPE_CHECKING:
    from sudachipy import Dictionary, Tokenizer

#: Ends every variant token: a character that is never part of a bigram token (it separates tokens there).
MARK = "〓"
#: Longest text analysed at once (characters); the analyser's input limit is far above it.
MAX_ANALYSED = 4000

#: Parts of speech that carry no content: particles, auxiliaries, symbols, blanks, interjections,
#: pronouns and adnominals (あの, その), prefixes and suffixes.
FUNCTION_POS = frozenset(
    ("助詞", "助動詞", "補助記号", "記号", "空白", "感動詞", "代名詞", "連体詞", "接頭辞", "接尾辞")
)
#: Words listeners wrap around what they remember (「…について話してた回」, 「あの…の話」), by normalised form.
FILLER = frozenset(
    (
        "話", "話題", "回", "こと", "事", "もの", "物", "やつ", "奴", "件", "感じ", "ところ", "とき", "時", "辺",
        "ニュース", "記事", "紹介", "放送", "エピソード", "内容", "関連", "系", "的", "何", "なに", "なん", "結局",
        "する", "ある", "いる", "居る", "なる", "成る", "話す", "言う", "思う", "聞く", "付く", "つく", "関する",
        "出る", "やる", "知る", "分かる", "たい", "ない", "教える", "探す", "見る", "くれる", "くださる", "みたい",
        # when it was on (この前の…, 最近の…, 先週やってた…): the listener's time, not the topic's words
        "前", "最近", "先週", "昨日", "今日", "先日", "前回", "以前", "今週", "先月", "昔", "間",
    )
)  # fmt: skip

_KATAKANA_RUN = re.compile(r"[ァ-ヺヽヾー・]{2,}")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_OKURIGANA = re.compile(r"(?:[一-龯々]+[ぁ-ゖ]{1,2})+")
_ASCII_SEPARATORS = re.compile(r"[^0-9a-z+#\u0080-\U0010ffff]")
_LATIN = re.compile(r"[a-z][a-z0-9]*")
#: A string of kana only (hiragana, katakana, the long-vowel mark).
KANA = re.compile(r"[ぁ-ゖァ-ヺー]+")
_KATAKANA = re.compile(r"[ァ-ヺー・]+")

_local = threading.local()
_dictionary_lock = threading.Lock()
_dictionary: list[Dictionary] = []


def _tokenizer() -> Tokenizer:
    """This thread's analyser (the dictionary is shared; a tokenizer is not thread-safe)."""
    tokenizer: Tokenizer | None = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import Dictionary, SplitMode

        with _dictionary_lock:
            if not _dictionary:
                _dictionary.append(Dictionary(dict="core"))
        tokenizer = _dictionary[0].tokenizer(SplitMode.C)
        _local.tokenizer = tokenizer
    return tokenizer


@dataclass(frozen=True, slots=True)
class Morpheme:
    """A word as the analyser sees it; ``begin``/``end`` index the analysed text."""

    surface: str
    normal: str
    reading: str
    pos: str
    known: bool
    begin: int
    end: int

    @property
    def filler(self) -> bool:
        """One of the words listeners wrap around what they remember (:data:`FILLER`: 話, 回...)."""
        return self.normal in FILLER or self.surface in FILLER

    @property
    def function(self) -> bool:
        """A function word (particles, auxiliaries...) or filler."""
        return self.pos in FUNCTION_POS or self.filler

    @property
    def content(self) -> bool:
        """A content word: not a function word, not filler, not one or two kana alone (the analyser cuts an
        unknown word in kana into such pieces)."""
        return not self.function and not (len(self.surface) <= 2 and KANA.fullmatch(self.surface))


def _analysable(text: str) -> str | None:
    """What the analyser is given of ``text``: NFKC'd, at most :data:`MAX_ANALYSED` characters; None when blank."""
    value = unicodedata.normalize("NFKC", text)[:MAX_ANALYSED]
    return value if value.strip() else None


def analyse(text: str) -> list[Morpheme]:
    """The words of ``text`` (NFKC'd first; at most :data:`MAX_ANALYSED` characters)."""
    value = _analysable(text)
    if value is None:
        return []
    return [
        Morpheme(m.surface(), m.normalized_form(), m.reading_form(), m.part_of_speech()[0], not m.is_oov(),
                 m.begin(), m.end())
        for m in _tokenizer().tokenize(value)
    ]  # fmt: skip


def spoken_words(text: str) -> list[tuple[str, str, str]]:
    """(surface, normal form, reading in katakana) of each word of ``text`` (already NFKC): no more of the
    analyser's output than that, for the readings layer, which asks it for every run of kanji of the archive."""
    tokens = _tokenizer().tokenize(text) if text.strip() else []
    return [(m.surface(), m.normalized_form(), m.reading_form()) for m in tokens]


def key(form: str) -> str:
    """A form as one index token: normalised (kana folded, case folded), without ASCII separators."""
    found = _keys.get(form)
    if found is None:
        if len(_keys) >= CACHE_WORDS:
            _keys.clear()
        found = _keys[form] = _ASCII_SEPARATORS.sub("", fold_kana(normalize(form)))
    return found


#: Keys by form, bounded like :data:`_cache` (a dict of strings: nothing for the garbage collector to walk).
_keys: dict[str, str] = {}


def forms(morpheme: Morpheme) -> tuple[str, ...]:
    """The other forms a word is known by (keys): its normal form and, for a Latin word, its katakana reading."""
    return _forms(morpheme.surface, morpheme.normal, morpheme.reading, morpheme.known)


def _forms(surface: str, normal_form: str, reading_form: str, known: bool) -> tuple[str, ...]:
    written = key(surface)
    found: list[str] = []
    normal = key(normal_form)
    if normal and normal != written:
        found.append(normal)
    if known and _LATIN.fullmatch(written):
        reading = key(reading_form)
        if _KATAKANA.fullmatch(reading) and reading != written and reading not in found:
            found.append(reading)
    return tuple(found)


def marks(morpheme: Morpheme) -> tuple[str, ...]:
    """The variant tokens a query word looks for: its normal form and, for a Latin word, its reading (written
    elsewhere in another variant or script, a document holds these)."""
    found = [key(morpheme.normal)]
    written = key(morpheme.surface)
    if morpheme.known and _LATIN.fullmatch(written):
        reading = key(morpheme.reading)
        if _KATAKANA.fullmatch(reading):
            found.append(reading)
    return tuple(dict.fromkeys(form + MARK for form in found if form))


def _nfkc(word: str) -> str:
    return word if word.isascii() or unicodedata.is_normalized("NFKC", word) else unicodedata.normalize("NFKC", word)


def _word_keys(word: str) -> tuple[str, ...]:
    """The variant keys of one word analysed alone: :func:`forms` of its content morphemes (what
    ``forms`` of each of :func:`analyse` gives, without building the morphemes: this runs for every new word)."""
    value = _analysable(word)
    if value is None:
        return ()
    tokenizer = _tokenizer()
    _local.out = morphemes = tokenizer.tokenize(value, out=getattr(_local, "out", None))
    found: list[str] = []
    for m in morphemes:
        if _pos(m.part_of_speech_id()) not in FUNCTION_POS:
            found.extend(_forms(m.surface(), m.normalized_form(), m.reading_form(), not m.is_oov()))
    return tuple(found)


def _pos(pos_id: int) -> str:
    """The first level of a part-of-speech id (名詞, 助詞, …)."""
    pos = _POS.get(pos_id)
    if pos is None:
        pos = _POS[pos_id] = _dictionary[0].pos_of(pos_id)[0]
    return pos


_POS: dict[int, str] = {}


#: Variant keys of words analysed alone, by word (NFKC); bounded: cleared when it reaches :data:`CACHE_WORDS`.
_cache: dict[str, tuple[str, ...]] = {}
CACHE_WORDS = 200_000


def _analyse_words(words: list[str]) -> None:
    """Analyse the words not yet cached, each alone: a word's forms must not depend on the words beside it.

    The analyser picks among homographs by the words around one (``Is`` reads アイエス alone and イズ between
    ``Was`` and ``It``), so analysing many words per call, one per line, gave a word different forms in different
    batches, and a contentless index must remove a document with the very tokens it was added with. One
    call per word is also faster than joining them (2.7 against 4.7 s for the corpus's 61,667 words).
    """
    missing = [word for word in dict.fromkeys(words) if word not in _cache]
    if len(_cache) + len(missing) > CACHE_WORDS:
        _cache.clear()
    for word in missing:
        _cache[word] = _word_keys(word)


def word_spans(text: str, *, okurigana: bool = False) -> Iterator[tuple[int, int, tuple[str, ...]]]:
    """Katakana runs and Latin words of ``text`` (and kanji with okurigana) that have variants: (start, end,
    variant keys)."""
    patterns = (_KATAKANA_RUN, _LATIN_WORD, *((_OKURIGANA,) if okurigana else ()))
    spans = [(m.start(), m.end(), _nfkc(m.group())) for p in patterns for m in p.finditer(text)]
    _analyse_words([word for _, _, word in spans])
    for start, end, word in spans:
        variants = _cache.get(word, ())
        if variants:
            yield start, end, variants


def title_tokens(text: str) -> list[str]:
    """The variant tokens of a title (its katakana and Latin words, and kanji with okurigana)."""
    return [variant + MARK for _, _, variants in word_spans(text, okurigana=True) for variant in variants]


def body_tokens(text: str) -> list[str]:
    """The variant tokens of a summary (its katakana runs and Latin words, each analysed alone)."""
    return [variant + MARK for _, _, variants in word_spans(text) for variant in variants]
