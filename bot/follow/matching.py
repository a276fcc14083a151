"""Does a followed word occur in a topic? One rule, used for one pair and for every follower at once.

The seam is :func:`normalize_word` / :func:`word_forms` / :func:`matches`, built on the lookup's
forgiving text handling:

* text is folded as search folds it (:func:`bot.text.normalize`: full-width/half-width, case, dashes,
  invisible characters) and hiragana as katakana (:func:`bot.text.fold_kana`), and a space next to
  Japanese text does not matter (「ローカル LLM」 is 「ローカルLLM」);
* a word also goes by its other forms from the morphological analyser (:mod:`bot.search.variants`: サーバ →
  サーバー, a Latin name's katakana reading: Gemini → ジェミニ), computed once when it is followed; a topic
  is known by the forms of its words too, so 「サーバー」 finds a topic writing サーバ;
* a word (or form) that starts (ends) with a Latin letter or a digit must not continue a run of the same
  kind in the text: ``AI`` matches 「生成AI」 and ``AI-driven`` but not ``OpenAI`` or ``MAIL``; ``GPT`` matches
  ``GPT-4o`` and ``GPT4o``. Japanese words match anywhere (``画像`` in 「画像生成」).

:class:`Matcher` answers "which topics of this episode hold each follower's word" for tens of thousands
of followers in one pass over the episode's text (``bench/bench_follow.py``); it is CPU work (and loads
the analyser), run off the event loop.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence

from bot.episodes.model import Topic
from bot.follow.model import Follow
from bot.search import variants
from bot.text import fold_kana, normalize

#: Joins the topics' normalised texts: a control character, which no followed word holds.
_SEPARATOR = "\x00"
#: A space next to a non-ASCII character (「ローカル LLM」): Japanese is written without them.
_LOOSE_SPACE = re.compile(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])")


def _fold(text: str) -> str:
    return fold_kana(_LOOSE_SPACE.sub("", normalize(text)))


def normalize_word(text: str) -> str:
    """The form a followed word is stored and compared in."""
    return _fold(text).strip()


def word_forms(text: str) -> tuple[str, ...]:
    """The other forms (variant keys) of a word made of one analysed word, e.g. its katakana reading;
    none for a phrase. Loads the analyser on first use: call it off the event loop."""
    morphemes = [m for m in variants.analyse(text) if m.surface.strip()]
    if len(morphemes) != 1:
        return ()
    written = normalize_word(text)
    return tuple(form for form in dict.fromkeys(f.removesuffix(variants.MARK) for f in variants.marks(morphemes[0]))
                 if form and form != written)  # fmt: skip


def topic_text(topic: Topic) -> str:
    """What a word is looked for in: the topic's title and summary, folded."""
    return _fold(f"{topic.title}\n{topic.summary}")


def topic_forms(topic: Topic) -> set[str]:
    """The other forms of the topic's words (variant keys of its title and summary)."""
    tokens = variants.title_tokens(topic.title) + variants.body_tokens(topic.summary)
    return {token.removesuffix(variants.MARK) for token in tokens}


def _kind(char: str) -> int:
    """0 for anything that separates Latin words, 1 for an ASCII letter, 2 for a digit."""
    if char.isascii():
        if char.isalpha():
            return 1
        if char.isdigit():
            return 2
    return 0


def _occurs(word: str, text: str) -> list[int]:
    """Start offsets where ``word`` (folded) occurs in ``text`` (folded) on the word-edge rule."""
    found: list[int] = []
    if not word:
        return found
    first, last = _kind(word[0]), _kind(word[-1])
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before_ok = not first or start == 0 or _kind(text[start - 1]) != first
        after_ok = not last or end == len(text) or _kind(text[end]) != last
        if before_ok and after_ok:
            found.append(start)
        start = text.find(word, start + 1)
    return found


def matches(word: str, topic: Topic) -> bool:
    """Whether the followed ``word`` (as typed) occurs in ``topic``, by itself or by another of its forms."""
    return bool(Matcher([topic]).topics_of(normalize_word(word), word_forms(word)))


class Matcher:
    """The topics of one episode, prepared once, matched against any number of followed words."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        texts = [topic_text(topic) for topic in topics]
        self._starts: list[int] = []
        offset = 0
        for text in texts:
            self._starts.append(offset)
            offset += len(text) + len(_SEPARATOR)
        self._text = _SEPARATOR.join(texts)
        #: Every pair of adjacent characters of the text: most words are ruled out by one set lookup.
        self._pairs = {self._text[i : i + 2] for i in range(len(self._text) - 1)}
        self._forms: dict[str, set[int]] = {}
        for index, topic in enumerate(topics):
            for form in topic_forms(topic):
                self._forms.setdefault(form, set()).add(index)

    def _literal(self, word: str) -> set[int]:
        if len(word) >= 2 and (word[:2] not in self._pairs or word[-2:] not in self._pairs):
            return set()
        return {bisect.bisect_right(self._starts, start) - 1 for start in _occurs(word, self._text)}

    def topics_of(self, word: str, forms: Iterable[str] = ()) -> set[int]:
        """Indexes of the topics a stored word (and its other forms) occurs in."""
        found = self._literal(word) | self._forms.get(word.replace(" ", ""), set())
        for form in forms:
            found |= self._literal(form) | self._forms.get(form, set())
        return found

    def hits(self, words: Mapping[str, Sequence[str]] | Iterable[str]) -> dict[str, set[int]]:
        """The stored words that occur in the episode (each given with its other forms, or alone), each with
        the indexes of its topics."""
        pairs = words.items() if isinstance(words, Mapping) else ((word, ()) for word in words)
        found: dict[str, set[int]] = {}
        for word, forms in pairs:
            topics = self.topics_of(word, forms)
            if topics:
                found[word] = topics
        return found

    def match(self, follows: Iterable[Follow]) -> dict[int, dict[int, list[str]]]:
        """Per listener, the topics (by index) that their words occur in, with the words (as they typed them)."""
        listed = list(follows)
        return group(listed, self.hits({follow.normalized: follow.forms for follow in listed}))


def group(follows: Iterable[Follow], hits: Mapping[str, set[int]]) -> dict[int, dict[int, list[str]]]:
    """Per listener, topic index → their words found in it, from the words' :meth:`Matcher.hits`."""
    result: dict[int, dict[int, list[str]]] = {}
    for follow in follows:
        for index in sorted(hits.get(follow.normalized, ())):
            words = result.setdefault(follow.user_id, {}).setdefault(index, [])
            if follow.word not in words:
                words.append(follow.word)
    return result
