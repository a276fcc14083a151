"""Does a followed word occur in a topic? One rule, used for one pair and for every follower at once.

The seam is :func:`normalize_word` / :func:`matches`: both fold text with the lookup's normaliser
(:func:`bot.text.normalize`: full-width/half-width, case, dashes, invisible characters), so a
word matches exactly when search would find it. A word that starts (ends) with a Latin letter or a
digit must not continue a run of the same kind in the text: ``AI`` matches 「生成AI」 and ``AI-driven``
but not ``OpenAI`` or ``MAIL``; ``GPT`` matches ``GPT-4o`` and ``GPT4o``. Japanese words match anywhere
(``画像`` in 「画像生成」), and a space next to Japanese text does not matter (「ローカル LLM」 is
「ローカルLLM」).

:class:`Matcher` answers "which topics of this episode does each follower's word occur in" for
tens of thousands of followers in one pass over the episode's text (``bench/bench_follow.py``); it is
CPU work, run off the event loop.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

from bot.episodes.model import Topic
from bot.follow.model import Follow
from bot.text import normalize

#: Joins the topics' normalised texts: a control character, which no followed word holds.
_SEPARATOR = "\x00"
#: A space next to a non-ASCII character (「ローカル LLM」): Japanese is written without them.
_LOOSE_SPACE = re.compile(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])")


def _fold(text: str) -> str:
    return _LOOSE_SPACE.sub("", normalize(text))


def normalize_word(text: str) -> str:
    """The form a followed word is stored and compared in."""
    return _fold(text).strip()


def topic_text(topic: Topic) -> str:
    """What a word is looked for in: the topic's title and summary, normalised."""
    return _fold(f"{topic.title}\n{topic.summary}")


def _kind(char: str) -> int:
    """0 for anything that separates Latin words, 1 for an ASCII letter, 2 for a digit."""
    if char.isascii():
        if char.isalpha():
            return 1
        if char.isdigit():
            return 2
    return 0


def _occurs(word: str, text: str) -> list[int]:
    """Start offsets where ``word`` (normalised) occurs in ``text`` (normalised) on the word-edge rule."""
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


def matches(word: str, text: str) -> bool:
    """Whether the followed ``word`` occurs in ``text`` (both as typed or stored; folded here)."""
    return bool(_occurs(normalize_word(word), _fold(text)))


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

    def topics_of(self, word: str) -> set[int]:
        """Indexes of the topics a normalised word occurs in."""
        if len(word) >= 2 and (word[:2] not in self._pairs or word[-2:] not in self._pairs):
            return set()
        return {bisect.bisect_right(self._starts, start) - 1 for start in _occurs(word, self._text)}

    def hits(self, words: Iterable[str]) -> dict[str, set[int]]:
        """The normalised words that occur in the episode, each with the indexes of its topics."""
        found: dict[str, set[int]] = {}
        for word in words:
            topics = self.topics_of(word)
            if topics:
                found[word] = topics
        return found

    def match(self, follows: Iterable[Follow]) -> dict[int, dict[int, list[str]]]:
        """Per listener, the topics (by index) that their words occur in, with the words (as they typed them)."""
        listed = list(follows)
        return group(listed, self.hits({follow.normalized for follow in listed}))


def group(follows: Iterable[Follow], hits: dict[str, set[int]]) -> dict[int, dict[int, list[str]]]:
    """Per listener, topic index → their words found in it, from the words' :meth:`Matcher.hits`."""
    result: dict[int, dict[int, list[str]]] = {}
    for follow in follows:
        for index in sorted(hits.get(follow.normalized, ())):
            words = result.setdefault(follow.user_id, {}).setdefault(index, [])
            if follow.word not in words:
                words.append(follow.word)
    return result
