"""Queries built from the real corpus, with the topic each must find: for the recall test and the benchmark.

Listeners remember a topic by a word of its title: a distinctive word, two Japanese characters, a product
name in mixed scripts, typed in full width or half-width katakana, or two words. :func:`build_cases` samples
such queries from the topics' titles (deterministically), choosing only words that appear in few titles, so
that "the topic is in the top 5" is a fair demand.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.episodes.model import Episode
from bot.search.query import QueryToken, query_tokens
from bot.text import normalize, tokens

CATEGORIES = ("title word", "two kanji", "product name", "full width", "half-width kana", "two words")

_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[.\-+#][A-Za-z0-9]+)*[+#]*")
_KATAKANA = re.compile(r"[ァ-ヴー]{3,}")
_KANJI = re.compile(r"[一-龯々]{2,}")
_WORD = re.compile(rf"{_LATIN.pattern}|{_KATAKANA.pattern}|{_KANJI.pattern}")
#: Words too generic to pick as "the word a listener remembers".
_GENERIC = {"the", "and", "for", "with", "from", "how", "what", "your", "you", "are", "new", "using", "use"}


@dataclass(frozen=True, slots=True)
class Case:
    """A query and the topic it must find in the top 5 (or another topic with the same title)."""

    category: str
    query: str
    episode_key: str
    position: int
    title: str


def to_full_width(text: str) -> str:
    """ASCII letters, digits and symbols as their full-width forms (ＧＰＴ－４ｏ)."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ("\u3000" if ch == " " else ch) for ch in text)


def _half_width_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code in range(0xFF61, 0xFFA0):
        half = chr(code)
        full = unicodedata.normalize("NFKC", half)
        if len(full) == 1:
            table.setdefault(full, half)
    for full, half in list(table.items()):
        for mark, half_mark in (("\u3099", "\uff9e"), ("\u309a", "\uff9f")):
            composed = unicodedata.normalize("NFC", full + mark)
            if len(composed) == 1:
                table.setdefault(composed, half + half_mark)
    return table


_HALF = _half_width_table()


def to_half_width_kana(text: str) -> str:
    """Katakana as half-width katakana (ガゾウ → ｶﾞｿﾞｳ), the rest unchanged."""
    return "".join(_HALF.get(ch, ch) for ch in text)


def build_cases(episodes: Sequence[Episode], *, per_category: int = 40, seed: int = 5) -> list[Case]:
    """Up to ``per_category`` cases per category from the topics' titles (see the module docstring)."""
    topics = [(episode, position, topic) for episode in episodes for position, topic in enumerate(episode.topics)]
    titles = [tokens(normalize(topic.title)) for _, _, topic in topics]
    by_token: dict[str, set[int]] = {}
    for index, title in enumerate(titles):
        for token in title:
            by_token.setdefault(token, set()).add(index)

    def having(token: QueryToken) -> set[int]:
        if not token.prefix:
            return by_token.get(token.text, set())
        return set().union(*(found for text, found in by_token.items() if text.startswith(token.text)))

    def contains(title: list[str], wanted: tuple[QueryToken, ...]) -> bool:
        size = len(wanted)
        return any(all(wanted[j].matches(title[i + j]) for j in range(size)) for i in range(len(title) - size + 1))

    def title_count(*terms: str) -> int:
        """Titles the search would match for all ``terms`` (same tokens, same prefix rules)."""
        wanted = [query_tokens(normalize(term)) for term in terms]
        if not all(wanted):
            return len(titles)
        candidates = set.intersection(*(having(token) for each in wanted for token in each))
        return sum(1 for index in candidates if all(contains(titles[index], each) for each in wanted))

    rng = random.Random(seed)
    order = list(range(len(topics)))
    rng.shuffle(order)
    cases: dict[str, list[Case]] = {category: [] for category in CATEGORIES}
    used: set[tuple[str, str]] = set()

    def add(category: str, query: str, index: int) -> None:
        episode, position, topic = topics[index]
        if len(cases[category]) < per_category and (category, normalize(query)) not in used:
            used.add((category, normalize(query)))
            cases[category].append(Case(category, query, episode.key, position, topic.title))

    for index in order:
        if all(len(found) >= per_category for found in cases.values()):
            break
        title = unicodedata.normalize("NFC", topics[index][2].title)
        words = [w for w in _WORD.findall(title) if normalize(w) not in _GENERIC]
        rare = [w for w in words if len(normalize(w)) >= 3 and title_count(w) <= 3]
        if rare:
            add("title word", rng.choice(rare), index)
        pairs = [run[i : i + 2] for run in _KANJI.findall(title) for i in range(len(run) - 1)]
        rare_pairs = [pair for pair in pairs if title_count(pair) <= 3]
        if rare_pairs:
            add("two kanji", rng.choice(rare_pairs), index)
        products = [w for w in _LATIN.findall(title) if len(w) >= 3 and w.lower() not in _GENERIC]
        rare_products = [
            w for w in products if title_count(w) <= 3 and (not w.islower() or any(c.isdigit() for c in w))
        ]
        if rare_products:
            product = rng.choice(rare_products)
            add("product name", product, index)
            add("full width", to_full_width(product), index)
        kana = [w for w in _KATAKANA.findall(title) if title_count(w) <= 3]
        if kana:
            add("half-width kana", to_half_width_kana(rng.choice(kana)), index)
        if len(words) >= 2:
            first, second = rng.sample(words, 2)
            if normalize(first) != normalize(second) and title_count(first, second) <= 3:
                add("two words", f"{first} {second}", index)
    return [case for category in CATEGORIES for case in cases[category]]
