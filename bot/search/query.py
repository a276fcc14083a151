"""What a listener types → an FTS5 match expression that can never be a syntax error.

Grammar (everything else is literal text):

* words separated by spaces must all match (AND);
* ``"..."`` (also “...”, 「...」, 『...』) is a phrase: its words in this order;
* ``-word`` / ``-"..."`` excludes topics containing it (and episodes containing it or having a topic that
  does).

Each word or phrase becomes an FTS5 phrase of quoted tokens from :mod:`bot.text`, so FTS syntax characters
(``*``, ``(``, ``:``, ``^``), keywords (AND, OR, NEAR) and emoji are just text: they either tokenise to
searchable tokens or vanish. Japanese substring semantics come from the bigram tokens: the last character
of a term is dropped when the bigram before it already covers it, and a single character becomes a prefix
query; the last word of a Latin term, from 3 letters on, is a prefix query (``Claud`` finds ``Claude``).
That is :meth:`Query.fts`, the exact query.

Forgiving (:meth:`Query.match_fts`, what the store runs): a word typed without quotes (and shorter than a
long paste, :data:`MAX_ANALYSED_TERM`; one as long as a paste, :data:`PASTE`, only when the store finds nothing
as pasted) is also analysed (:mod:`bot.search.variants`) into its content words (:class:`Word`), dropping
particles, auxiliaries and filler (「MCPのガイド」 → MCP, ガイド; 「あの推論モデルの話」 → 推論モデル); a word of
hiragana only is read as katakana (ぷろんぷと → プロンプト). Each content word matches its own bigrams, those of
its normal form and reading, their variant tokens and, through :meth:`Query.with_synonyms`, the names it is
known by. A term then matches literally (as today) or by all its content words. When that finds nothing,
:meth:`Query.relaxed_fts` asks for a minimum share of the content words (:func:`required`), as Elasticsearch's
``minimum_should_match``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.search import variants
from bot.search.readings import KANJI, reads
from bot.search.sounds import spelled_out, versioned
from bot.text import Token, fold_kana, nfkc, normalize, scan

#: Longest query considered (characters after normalisation); the rest of a long paste is ignored.
MAX_QUERY_CHARS = 500
#: At most this many words or phrases take part in a query.
MAX_TERMS = 16
#: A Latin word at the end of a term matches as a prefix from this length on (``llm`` finds ``llms``;
#: ``ai`` is only ``ai``: short prefixes match too many words to be useful or cheap).
MIN_LATIN_PREFIX = 3
#: At most this many tokens per phrase: a long pasted sentence matches by its first 32 tokens (about 33
#: Japanese characters), plenty to find it and cheap to check.
MAX_PHRASE_TOKENS = 32
#: A longer word looks like a paste: it is searched exactly first, and analysed only when that finds nothing
#: (a sentence typed from memory: 「東大の院生がClaude Codeで毎日のタスクを45個も自動化した全記録」).
PASTE = 32
#: A longer word is a paste, searched only exactly.
MAX_ANALYSED_TERM = 80
#: At most this many content words take part in the relaxed (minimum-should-match) query.
MAX_RELAXED_WORDS = 6
#: When fewer hits than this (a page of ``/search``) hold every word, partial matches follow them.
FEW_HITS = 5

_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "”": "”"}
_SPLIT = re.compile(r"(-?)([\"“”「『])|(\S+)")


@dataclass(frozen=True, slots=True)
class QueryToken:
    """One token of a term; ``prefix`` matches every indexed token that starts with ``text``."""

    text: str
    prefix: bool = False

    def fts(self) -> str:
        return f'"{self.text}"' + (" *" if self.prefix else "")

    def matches(self, token: str) -> bool:
        return token.startswith(self.text) if self.prefix else token == self.text


def phrase_fts(tokens: Sequence[QueryToken]) -> str:
    """Tokens as one FTS5 phrase."""
    return " + ".join(token.fts() for token in tokens)


@dataclass(frozen=True, slots=True)
class Word:
    """A content word of a term: how it was understood (``shown``), and every form it matches.

    ``phrases`` are token sequences (its own first, then its normal form, reading and synonyms); ``marks``
    are the variant tokens of its normal form and reading (:data:`bot.search.variants.MARK`).
    """

    text: str
    shown: str
    phrases: tuple[tuple[QueryToken, ...], ...]
    marks: tuple[str, ...] = ()
    pieces: tuple[Word, ...] = ()
    #: What it was also searched as when the archive held it in too few documents, by layer (``reading: 推論``).
    heard: tuple[str, ...] = ()
    #: Whether some documents hold it as typed (then it is shown as typed, whatever else it was searched as).
    held: bool = False

    def _forms(self) -> list[str]:
        return [phrase_fts(phrase) for phrase in self.phrases] + [f'"{mark}"' for mark in self.marks]

    def forms_fts(self) -> str:
        """The word whole, in any of its forms."""
        return " OR ".join(f"({form})" for form in self._forms())

    def alternatives(self) -> tuple[str, ...]:
        """What the word matches by, any one of them: each of its forms, and all its pieces together."""
        pieces = [" AND ".join(f"({piece.fts()})" for piece in self.pieces)] if self.pieces else []
        return (*self._forms(), *pieces)

    def fts(self) -> str:
        """The word in any of its forms, or by all its pieces."""
        return " OR ".join(f"({alternative})" for alternative in self.alternatives())

    @property
    def slight(self) -> bool:
        """A single Latin letter, or a number (5, 3.2): too little to find anything by alone."""
        return (len(self.text) == 1 and self.text.isascii()) or _NUMBER.fullmatch(self.text) is not None

    def lookup_keys(self) -> tuple[str, ...]:
        """The keys its synonyms are looked up by: the word and its other forms."""
        own = variants.key(self.text)
        return tuple(dict.fromkeys([own, *(mark.removesuffix(variants.MARK) for mark in self.marks)]))


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase of the query: its text as typed (normalised) and its tokens in order.

    ``words`` are its content words (empty for a quoted phrase, an exclusion, or when the analyser finds no
    content word); ``dropped`` the particles and filler left out.
    """

    text: str
    tokens: tuple[QueryToken, ...]
    negated: bool = False
    words: tuple[Word, ...] = ()
    dropped: tuple[str, ...] = ()
    typed: str = ""

    def fts(self) -> str:
        return phrase_fts(self.tokens)

    def alternatives(self) -> tuple[str, ...]:
        """What the term matches by, any one of them: literally, or by all its content words in any of their
        forms (a single word's alternatives when the term is that word)."""
        if not self.words:
            return (self.fts(),)
        if len(self.words) == 1 and self.words[0].phrases[0] == self.tokens:
            return self.words[0].alternatives()
        return self.fts(), " AND ".join(f"({word.fts()})" for word in self.words)

    def match_fts(self) -> str:
        """The term, forgiving: literally, or by all its content words in any of their forms."""
        if not self.words:
            return self.fts()
        return " OR ".join(f"({alternative})" for alternative in self.alternatives())

    @property
    def filler(self) -> bool:
        """A term of nothing but particles and filler (「MCP の話」's の話): left out of a query with content words."""
        return not self.words and bool(self.dropped)

    @property
    def shown(self) -> str:
        """How the term was understood: its content words, as searched."""
        return " ".join(word.shown for word in self.words) if self.words else self.typed or self.text


def required(words: int) -> int:
    """How many of ``words`` content words a relaxed match needs: 75 %, rounded down, at least one."""
    return max(1, words * 3 // 4)


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query. ``positive`` terms must all match; ``negative`` ones must not."""

    text: str
    positive: tuple[Term, ...] = ()
    negative: tuple[Term, ...] = ()
    #: Terms of nothing but filler, left out (:attr:`Term.filler`).
    left_out: tuple[Term, ...] = ()

    @property
    def pasted(self) -> bool:
        """Whether a word of the query is as long as a paste (:data:`PASTE`) and was analysed."""
        return any(len(term.typed) > PASTE for term in self.positive if term.words)

    @property
    def empty(self) -> bool:
        """Nothing to search for (only symbols, emoji or exclusions were typed)."""
        return not self.positive

    def fts(self) -> str | None:
        """The FTS5 MATCH expression, or ``None`` when the query has nothing to search for."""
        if not self.positive:
            return None
        expression = " AND ".join(f"({term.fts()})" for term in self.positive)
        excluded = self.excluded_fts()
        return f"({expression}) NOT ({excluded})" if excluded else expression

    def excluded_fts(self) -> str | None:
        """The FTS5 MATCH expression of the excluded terms (any of them), or ``None`` when there are none."""
        return " OR ".join(f"({term.fts()})" for term in self.negative) or None

    def exact(self) -> Query:
        """The query searched exactly, as before the forgiving layers: every term literally, no analysis."""
        return replace(self, positive=tuple(replace(term, words=(), dropped=()) for term in self.positive))

    def whole(self) -> Query:
        """The query with each content word matching only whole, in any of its forms (not by its pieces)."""
        return self._each_word(lambda word: replace(word, pieces=()))

    def excluding(self, expression: str) -> str:
        """``expression`` without the documents holding an excluded term."""
        excluded = self.excluded_fts()
        return f"({expression}) NOT ({excluded})" if excluded else expression

    def match_positive(self) -> str | None:
        """Every term, each literally or by its content words' forms (exclusions not applied)."""
        if not self.positive:
            return None
        return " AND ".join(f"({term.match_fts()})" for term in self.positive)

    def match_besides(self, listed: Sequence[Collection[str]]) -> str | None:
        """:meth:`match_positive` without the ``listed`` alternatives of each term (:meth:`Term.alternatives`),
        whose matches are all known. When only one term has alternatives beyond those, the query asks for its new
        ones with the other terms as they are (``None`` when no term has any); else it asks for everything."""
        if not listed:
            return self.match_positive()
        alternatives = self.alternatives()
        rests = [
            [alternative for alternative in mine if alternative not in seen]
            for mine, seen in zip(alternatives, listed, strict=True)
        ]
        grown = [index for index, rest in enumerate(rests) if rest]
        if not grown:
            return None
        if len(grown) > 1 or len(rests[grown[0]]) == len(alternatives[grown[0]]):
            return self.match_positive()
        new = " OR ".join(f"({alternative})" for alternative in rests[grown[0]])
        return " AND ".join(
            f"({new})" if index == grown[0] else f"({term.match_fts()})" for index, term in enumerate(self.positive)
        )

    def alternatives(self) -> tuple[tuple[str, ...], ...]:
        """Each term's alternatives (:meth:`Term.alternatives`)."""
        return tuple(term.alternatives() for term in self.positive)

    def match_fts(self) -> str | None:
        """The forgiving strict expression: :meth:`match_positive` with the exclusions."""
        positive = self.match_positive()
        return None if positive is None else self.excluding(positive)

    def content_words(self) -> tuple[Word, ...]:
        """The content words of the analysed terms, at most :data:`MAX_RELAXED_WORDS`."""
        return tuple(word for term in self.positive for word in term.words)[:MAX_RELAXED_WORDS]

    def relaxed_positive(self, anchor: int | None = None, *, at_least: int | None = None) -> str | None:
        """Documents holding at least :func:`required` (or ``at_least``) of the content words and every term that
        was not analysed (a quoted phrase, a paste); ``None`` with fewer than two content words (exclusions not
        applied). With ``anchor`` (an index of :meth:`content_words`), only those among them that hold that word.
        A partial match never holds only :attr:`Word.slight` words (the Q of Zuxqen-Q alone would find every
        Amazon Q).
        """
        words = self.content_words()
        if len(words) < 2:
            return None
        wanted = max(required(len(words)), min(at_least or 0, len(words)))
        groups = [
            " AND ".join(f"({word.fts()})" for word in group)
            for group in itertools.combinations(words, wanted)
            if (anchor is None or words[anchor] in group) and not all(word.slight for word in group)
        ]
        if not groups:
            return None
        should = " OR ".join(f"({group})" for group in groups)
        musts = [f"({term.fts()})" for term in self.positive if not term.words]
        return " AND ".join([*musts, f"({should})"])

    def relaxed_fts(self) -> str | None:
        """:meth:`relaxed_positive` with the exclusions."""
        positive = self.relaxed_positive()
        return None if positive is None else self.excluding(positive)

    def weighed_phrases(self) -> list[tuple[QueryToken, ...]]:
        """Every phrase a ranked search of the query may weigh: each term as typed, and each form, variant token
        and piece of its words."""

        def of(word: Word) -> list[tuple[QueryToken, ...]]:
            marks = [(QueryToken(mark),) for mark in word.marks]
            return [*word.phrases, *marks, *(phrase for piece in word.pieces for phrase in of(piece))]

        terms = (*self.positive, *self.negative)
        phrases = [term.tokens for term in terms] + [
            phrase for term in terms for word in term.words for phrase in of(word)
        ]
        return list(dict.fromkeys(phrase for phrase in phrases if phrase))

    def understood(self) -> str | None:
        """What was searched when it differs from what was typed (「プロンプト（ぷろんぷと）」), else ``None``."""
        parts = []
        changed = False
        for term in self.positive:
            if term.words and term.shown != (term.typed or term.text):
                parts.append(f"{term.shown}（{term.typed or term.text}）")
                changed = True
            else:
                parts.append(term.typed or term.text)
        return " ".join(parts) if changed or self.left_out else None

    def explain(self) -> list[str]:
        """How the query was read, line by line: terms, content words and their forms, what was dropped."""
        lines = [f"query: {self.text}"]
        for term in self.positive:
            kind = "phrase" if not term.words else "word"
            lines.append(f"{kind}: {term.typed or term.text}")
            for word in term.words:
                forms = " | ".join(" ".join(token.text for token in phrase) for phrase in word.phrases)
                lines.append(f"  content word: {word.shown}  (bigrams: {forms})")
                if word.marks:
                    lines.append(f"    variant tokens: {' '.join(word.marks)}")
                seen = "in few documents as typed; also" if word.held else "not in the archive as typed;"
                lines.extend(f"    {seen} by {heard}" for heard in word.heard)
            if term.dropped:
                lines.append(f"  dropped: {' '.join(term.dropped)}")
        lines.extend(f"left out: {term.typed or term.text} ({' '.join(term.dropped)})" for term in self.left_out)
        lines.extend(f"excluded: {term.typed or term.text}" for term in self.negative)
        return lines

    def synonym_keys(self) -> tuple[str, ...]:
        """Keys of every content word, for :meth:`with_synonyms`."""
        return tuple(dict.fromkeys(key for word in self.content_words() for key in word.lookup_keys()))

    def with_synonyms(self, synonyms: Mapping[str, Sequence[str]]) -> Query:
        """The query with every content word also matching the names ``synonyms`` gives for its keys."""

        def widen(word: Word) -> Word:
            extra = [
                tokens for key in word.lookup_keys() for name in synonyms.get(key, ()) if (tokens := name_tokens(name))
            ]
            return replace(word, phrases=tuple(dict.fromkeys((*word.phrases, *extra)))) if extra else word

        return self._each_word(widen)

    def sounding(self, names: Mapping[str, Sequence[tuple[str, str]]], held: Collection[str] = ()) -> Query:
        """The query with each content word that ``names`` has (by its text) also matching those names (each with
        the layer that found it, by reading or sound: :meth:`bot.store.search.queries.SearchQueries.widened`),
        and understood as the first of them unless some documents hold it as typed (its text is in ``held``)."""

        def widen(word: Word) -> Word:
            found = [(name, layer, tokens) for name, layer in names.get(word.text, ()) if (tokens := name_tokens(name))]
            if not found:
                return word
            phrases = (*word.phrases, *(tokens for _, _, tokens in found))
            heard = tuple(f"{layer}: {name}" for name, layer, _ in found)
            typed = word.text in held
            shown = word.shown if typed else found[0][0]
            pieces = word.pieces
            if not pieces and (parts := versioned(found[0][0], word.text)):  # Claude Opus 4.5 after Claude4.5
                pieces = tuple(_plain_word(part) for part in parts)
            return replace(
                word, shown=shown, phrases=tuple(dict.fromkeys(phrases)), heard=heard, held=typed, pieces=pieces
            )

        return self._each_word(widen)

    def _each_word(self, change: Callable[[Word], Word]) -> Query:
        """The query with ``change`` applied to every content word."""
        positive = tuple(replace(term, words=tuple(change(word) for word in term.words)) for term in self.positive)
        return replace(self, positive=positive)


def _plain_word(name: str) -> Word:
    """A name or number as a word matching only itself, as written."""
    return Word(fold_kana(normalize(name)), name, (name_tokens(name),))


def name_tokens(name: str) -> tuple[QueryToken, ...]:
    """The tokens of a name a word is widened to, a phrase to match whole."""
    return query_tokens(fold_kana(normalize(name)))


def query_tokens(normalized_term: str) -> tuple[QueryToken, ...]:
    """The tokens a term must match, consecutively (see the module docstring for the end-of-term rules)."""
    scanned: list[Token] = scan(normalized_term)
    if not scanned:
        return ()
    result = [QueryToken(token.text) for token in scanned]
    last = scanned[-1]
    if last.cjk:
        if len(scanned) >= 2 and scanned[-2].cjk and not scanned[-2].last_in_run:
            result.pop()  # the bigram before it already covers the run's last character
        else:
            result[-1] = QueryToken(last.text, prefix=True)
    elif len(last.text) >= MIN_LATIN_PREFIX:
        result[-1] = QueryToken(last.text, prefix=True)
    return tuple(result[:MAX_PHRASE_TOKENS])


def _raw_terms(text: str) -> list[tuple[str, bool, bool]]:
    """Split into (term text, negated, quoted) triples, honouring quotes; an unclosed quote runs to the end."""
    terms: list[tuple[str, bool, bool]] = []
    pos = 0
    while pos < len(text):
        match = _SPLIT.search(text, pos)
        if match is None:
            break
        if match.group(2):
            closing = _QUOTES.get(match.group(2), '"')
            end = text.find(closing, match.end())
            if end < 0:
                end = len(text)
            terms.append((text[match.end() : end], bool(match.group(1)), True))
            pos = end + 1
        else:
            word = match.group(3)
            negated = word.startswith("-") and len(word) > 1
            terms.append((word[1:] if negated else word, negated, False))
            pos = match.end()
    return terms


_HIRAGANA = re.compile(r"[ぁ-ゖゝゞー]+")
#: Latin letters and digits joined by dots, hyphens or underscores (GPT-4.5, Next.js, llm-jp-3): one name, which
#: the analyser would cut at its punctuation into words searched apart.
_JOINED_NAME = re.compile(r"[A-Za-z0-9]+(?:[.\-_][A-Za-z0-9]+)+")
#: Hiragana and a version number after it (じぇみに3, くうぇん2.5): a name typed unconverted, read as katakana.
_HIRAGANA_VERSION = re.compile(r"[ぁ-ゖゝゞー]{2,}[0-9][0-9.]*")
#: Parts of speech of words that qualify the next one rather than compound with it (作る of 作るエージェント).
_INFLECTING = frozenset(("動詞", "形容詞"))
#: A number written in digits or kanji (3, 45, 一, 二十).
_NUMERAL = re.compile(r"[0-9０-９一二三四五六七八九十百千]+")
#: One of something (一枚, 1台, 一つ): how a listener says "a single", not a number the text holds.
_ONE = frozenset(("1", "１", "一"))
#: Parts of speech of the particles a kana word typed unconverted may begin with (と of とくしゅトークン).
_PARTICLES = frozenset(("助詞", "助動詞"))
_SHORT_KATAKANA = re.compile(r"[ァ-ヺー]{1,2}")
#: A number of four digits or more typed without its thousands separators (1720億, as the archive writes 1,720億).
_THOUSANDS = re.compile(r"(?<![0-9.,])[1-9][0-9]{3,}(?![0-9.,])")
#: A number (5, 3.2, 1,720): a word too slight to find anything by alone.
_NUMBER = re.compile(r"[0-9][0-9.,]*")
#: The long-vowel mark ending a katakana word of three letters or more (サーバー, メモリー of メモリー管理): many
#: words are written with it and without it, and the dictionary gives them no common normal form.
_LONG_VOWEL_END = re.compile(r"(?<=[ァ-ヺー]{2}[ァ-ヺ])ー+(?![ァ-ヺー])")
#: Short pieces of kana the analyser cut (せい, せい) this long together are read as one word typed in kana.
MIN_KANA_WORD = 3
#: Function words that may be such a piece (the analyser reads せい of せいせい as a suffix, う of さいしょう as
#: an interjection).
_PIECES = frozenset(("接頭辞", "接尾辞", "感動詞"))


def _word(text: str, morphemes: Sequence[variants.Morpheme], *, split: bool = True) -> Word | None:
    """The content word spelled ``text`` (analysed as ``morphemes``), or ``None`` if it has no tokens; a
    compound also matches by its :func:`_pieces` unless not ``split``."""
    normalized = fold_kana(normalize(text))
    own = query_tokens(normalized)
    if not own:
        return None
    phrases = [own]
    if (short := _LONG_VOWEL_END.sub("", normalized)) != normalized:
        phrases.append(query_tokens(short))  # メモリー also finds メモリ (the other way round, メモリ's bigrams do)
    if letters := spelled_out(normalized):
        phrases.append(query_tokens(letters))  # エムシーピー is MCP, エーツーエー A2A
    if (grouped := _THOUSANDS.sub(lambda number: f"{int(number[0]):,}", normalized)) != normalized:
        phrases.append(query_tokens(grouped))  # 1720億 also finds 1,720億
    numbers = set(_NUMBER.findall(normalized))

    def kept(form: str) -> bool:  # a form joining the typed numbers into another (4.5 as 45) is dropped
        return set(_NUMBER.findall(form)) <= numbers

    marks: tuple[str, ...] = ()
    pieces: tuple[Word, ...] = ()
    forms: list[str] = []
    if len(morphemes) == 1:
        forms.extend(variants.forms(morphemes[0]))
        marks = tuple(mark for mark in variants.marks(morphemes[0]) if kept(mark))
    else:
        forms.append(variants.key("".join(morpheme.normal for morpheme in morphemes)))
        pieces = _pieces(morphemes) if split else ()
    forms.append(variants.key("".join(_stem(morpheme) for morpheme in morphemes)))
    phrases.extend(query_tokens(form) for form in forms if kept(form))
    unique = tuple(dict.fromkeys(phrase for phrase in phrases if phrase))
    return Word(normalized, text, unique, marks, pieces)


def _stem(morpheme: variants.Morpheme) -> str:
    """A verb or adjective as the stem all its forms begin with, its normal form less the last kana (読み上げ of
    読み上げる, which the noun 読み上げ and 読み上げた begin with too; 打ち込 of 打ち込む, 打ち込み); any other word
    as its normal form."""
    normal = morpheme.normal
    if morpheme.pos in _INFLECTING and len(normal) >= 3 and _HIRAGANA.fullmatch(normal[-1]):
        return normal[:-1]
    return normal


def _kana_word(run: Sequence[variants.Morpheme], *, split: bool = True) -> Word | None:
    """The one word typed in kana that the analyser cut into ``run`` (じゅん, こく, さん), read as katakana."""
    spelled = fold_kana("".join(morpheme.surface for morpheme in run))
    return _word(spelled, variants.analyse(spelled), split=split)


def _pieces(morphemes: Sequence[variants.Morpheme]) -> tuple[Word, ...]:
    """The words a compound is made of, each in any of its spellings, when there are two or more: a listener
    runs remembered words together without a particle (MCPガイド, ななしいんく卒業, オープンクロー).

    Each content morpheme is a piece, and so is each run of hiragana the analyser cut (:func:`_kana_groups`).
    """
    groups = dict(_kana_groups(morphemes))
    found: list[Word | None] = []
    index = 0
    while index < len(morphemes):
        morpheme = morphemes[index]
        if index in groups:
            found.append(_kana_word(morphemes[index : groups[index]], split=False))
            index = groups[index]
            continue
        if morpheme.content or _short_katakana_word(morpheme):
            found.append(_word(morpheme.surface, [morpheme]))
        index += 1
    pieces = tuple(piece for piece in found if piece is not None)
    return pieces if len(pieces) >= 2 else ()


#: What joins or follows the words of a phrase typed all in hiragana (「ぷろんぷとのこつ」, 「えーじぇんとについて」,
#: 「かたをてがき」: を is never part of a loanword typed in kana).
_HIRAGANA_JOINS = re.compile(r"(について|っていう|とかいう|みたいな|って|の|を)")


def _hiragana_phrase(text: str) -> tuple[tuple[Word, ...], tuple[str, ...]] | None:
    """The content words of a term typed all in hiragana, split where a particle joins them, or ``None`` when
    it does not read as such a phrase.

    The analyser reads hiragana loanwords as strings of particles (ぷろんぷと → ぷ, ろん, ぷ, と), so it cannot
    find the particles between them: the term is split at :data:`_HIRAGANA_JOINS`, each piece of two
    characters or more is read as katakana (a loanword typed unconverted), and a piece that is filler
    (はなし, はなしてたかい: filler words and function words, not function words alone, which is how the
    analyser reads a loanword) is dropped.
    """
    pieces = _HIRAGANA_JOINS.split(text)
    content, joins = pieces[0::2], pieces[1::2]
    if joins and all(not piece or _filler(piece) for piece in content):  # について, とかいうやつ: nothing but filler
        return (), (*joins, *filter(None, content))
    if not joins or any(len(piece) < 2 for piece in content[:-1]) or len(content[-1]) == 1:
        return None
    words: list[Word] = []
    dropped = list(joins)
    for after, piece in zip(("", *joins), content, strict=True):
        if not piece:
            continue
        if _filler(piece):
            dropped.append(piece)
        elif after == "を" and (verb := _verb(piece)):  # つくる of えーじぇんとをつくる is 作る, no loanword
            words.append(verb)
        elif word := _word(fold_kana(piece), variants.analyse(fold_kana(piece))):
            words.append(word)
    return (tuple(words), tuple(dropped)) if words else None


def _verb(piece: str) -> Word | None:
    """Hiragana ``piece`` as the one verb or adjective the analyser reads it as, if it does."""
    read = variants.analyse(piece)
    if len(read) != 1 or not read[0].known or read[0].pos not in _INFLECTING:
        return None
    word = _word(piece, read)
    return _inflected(word, read[0]) if word else None


def _counted(morphemes: Sequence[variants.Morpheme], index: int) -> bool:
    """Whether ``morphemes[index]`` is a number its counter follows (一 and 枚 of GPU一枚, 45 and 個 of 45個)."""
    return (
        index + 1 < len(morphemes)
        and _NUMERAL.fullmatch(morphemes[index].surface) is not None
        and morphemes[index + 1].pos == "接尾辞"
    )


def _filler(piece: str) -> bool:
    """Whether hiragana ``piece`` is filler: filler and function words, not function words alone (which is how the
    analyser reads a loanword typed in hiragana)."""
    read = variants.analyse(piece)
    return all(morpheme.function for morpheme in read) and any(morpheme.filler for morpheme in read)


def analyse_term(text: str) -> tuple[tuple[Word, ...], tuple[str, ...]]:
    """A term's content words (consecutive content morphemes form one word, a verb or adjective is one alone)
    and the words dropped.

    Filler is dropped only from a phrase, a term with particles or auxiliaries (「MCPのガイド」, 「あの…の話」):
    without any, the term is one word. A term of hiragana only is analysed as katakana: it is most often a
    loanword typed unconverted (a phrase of them, 「ぷろんぷとのこつ」, by :func:`_hiragana_phrase`); so is one
    of hiragana and a version number (じぇみに3).
    """
    hiragana = bool(_HIRAGANA.fullmatch(text))
    if hiragana and (phrase := _hiragana_phrase(text)):
        return phrase
    source = fold_kana(text) if hiragana or _HIRAGANA_VERSION.fullmatch(text) else text
    morphemes = variants.analyse(source)
    if _JOINED_NAME.fullmatch(nfkc(source)):
        joined = _word(source, morphemes, split=False)
        return ((joined,) if joined else ()), ()
    if not any(morpheme.pos in variants.FUNCTION_POS for morpheme in morphemes) and not _inflects(morphemes):
        whole = _word(source, morphemes)  # one word (話題13, AIニュース): nothing to drop
        return ((whole,) if whole else ()), ()
    words: list[Word] = []
    dropped: list[str] = []
    run: list[variants.Morpheme] = []

    def close() -> None:
        if run:
            word = _word(source[run[0].begin : run[-1].end], run)
            if word is not None:
                words.append(word)
            run.clear()

    groups = dict(_kana_groups(morphemes))
    index = 0
    while index < len(morphemes):
        morpheme = morphemes[index]
        if index in groups:  # じゅん, こく, さん of じゅんこくさんAI: one word typed in kana, read as katakana
            close()
            if word := _kana_word(morphemes[index : groups[index]]):
                words.append(word)
            index = groups[index]
            continue
        if _counted(morphemes, index):  # GPU一枚: the GPU, not a word GPU一; 45個: the number apart, one never
            close()
            if morpheme.surface not in _ONE and (word := _word(morpheme.surface, [morpheme], split=False)):
                words.append(word)
            else:
                dropped.append(morpheme.surface)
            dropped.append(morphemes[index + 1].surface)
            index += 2
            continue
        if morpheme.pos in _INFLECTING and morpheme.content:  # 作る of 作るエージェント: a word of its own
            close()
            if word := _word(morpheme.surface, [morpheme]):
                words.append(_inflected(word, morpheme))
        elif (
            morpheme.content
            or (not hiragana and _short_katakana_word(morpheme))
            or _leading_kana(morphemes, index)
            or _kanji_prefix(morphemes, index)
        ):
            run.append(morpheme)
        else:
            close()
            if morpheme.surface.strip():
                dropped.append(morpheme.surface)
        index += 1
    close()
    return tuple(words), tuple(dropped)


def _inflects(morphemes: Sequence[variants.Morpheme]) -> bool:
    """Whether a term of several words holds a verb or adjective that is filler or inflected (深く検索するRAG):
    a phrase, not one compound, although no particle joins its words."""
    return len(morphemes) > 1 and any(
        morpheme.pos in _INFLECTING and (morpheme.filler or morpheme.surface != morpheme.normal)
        for morpheme in morphemes
    )


def _leading_kana(morphemes: Sequence[variants.Morpheme], index: int) -> bool:
    """Whether the morpheme at ``index`` is hiragana the analyser read as a particle at the very start of a term,
    before a word in kana (the と of とくしゅトークン): a query does not begin with a particle, so it is part of the
    word."""
    if index or len(morphemes) < 2 or morphemes[1].function or not variants.KANA.fullmatch(morphemes[1].surface):
        return False
    return morphemes[0].pos in _PARTICLES and _HIRAGANA.fullmatch(morphemes[0].surface) is not None


def _kanji_prefix(morphemes: Sequence[variants.Morpheme], index: int) -> bool:
    """Whether the morpheme at ``index`` is a prefix in kanji before a content word, part of that word (新 of 新発表,
    非 of 非推論モデル, 再 of 再学習: a 非推論モデル is no 推論モデル); a prefix in kana (お, ご) is only politeness."""
    morpheme = morphemes[index]
    return (
        morpheme.pos == "接頭辞"
        and KANJI.search(morpheme.surface) is not None
        and index + 1 < len(morphemes)
        and morphemes[index + 1].content
    )


def _inflected(word: Word, morpheme: variants.Morpheme) -> Word:
    """A verb or adjective shown in its dictionary form (比べる, not the 比べ of 比べた) when typed with kanji; typed
    in kana it is shown as typed (しくみ may be no verb at all, and is also looked up by its reading)."""
    if reads(morpheme.surface) or not morpheme.normal:
        return word
    return replace(word, shown=morpheme.normal)


def _short_katakana_word(morpheme: variants.Morpheme) -> bool:
    """A word of one or two katakana typed as such (バグ, ログ, コツ): a word, not a piece the analyser cut."""
    return not morpheme.function and _SHORT_KATAKANA.fullmatch(morpheme.surface) is not None


def _kana_groups(morphemes: Sequence[variants.Morpheme]) -> Iterator[tuple[int, int]]:
    """(first, past the last) of each run of morphemes in hiragana that is one word the analyser cut into
    pieces: two or more, :data:`MIN_KANA_WORD` characters or more, with a piece too short to be a word (せい of
    せいせい), and nothing that joins words (particles, auxiliaries, あの, filler) among them."""

    def piece(morpheme: variants.Morpheme) -> bool:
        return (
            (morpheme.pos in _PIECES or morpheme.pos not in variants.FUNCTION_POS)
            and not morpheme.filler
            and _HIRAGANA.fullmatch(morpheme.surface) is not None
        )

    start = 0
    while start < len(morphemes):
        end = start
        while end < len(morphemes) and piece(morphemes[end]):
            end += 1
        group = morphemes[start:end]
        if (
            len(group) >= 2
            and group[-1].end - group[0].begin >= MIN_KANA_WORD
            and not all(morpheme.content for morpheme in group)
        ):
            yield start, end
        start = max(end, start + 1)


def parse_query(text: str) -> Query:
    """Parse what a user typed; never raises, whatever the input."""
    prepared = normalize(text).strip()[:MAX_QUERY_CHARS]
    positive: list[Term] = []
    negative: list[Term] = []
    seen: set[tuple[tuple[QueryToken, ...], bool]] = set()
    for raw, negated, quoted in _raw_terms(prepared):
        typed = raw.strip()
        term_text = fold_kana(typed)
        tokens = query_tokens(term_text)
        if not tokens or (tokens, negated) in seen:
            continue
        seen.add((tokens, negated))
        if negated or quoted or len(typed) > MAX_ANALYSED_TERM:
            (negative if negated else positive).append(Term(term_text, tokens, negated, typed=typed))
            continue
        words, dropped = analyse_term(typed)
        positive.append(Term(term_text, tokens, False, words, dropped, typed))
        if len(positive) + len(negative) >= MAX_TERMS:
            break
    kept = tuple(term for term in positive if not term.filler)
    if not kept:
        return Query(prepared, tuple(positive), tuple(negative))  # only filler was typed: search it as typed
    return Query(prepared, kept, tuple(negative), tuple(term for term in positive if term.filler))
