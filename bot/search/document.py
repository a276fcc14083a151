"""What the search index stores for a document's text, and those values computed ahead on the parse workers.

The index is contentless: SQLite calls these functions (:mod:`bot.store.search.functions`) when it adds a
document and again, with the old values, when it removes one. Computing them is most of a cold start's index
flush (1.4 s of the corpus's 1.6 s), and one core does it while the second one is idle. So a large scan
(:mod:`bot.episodes.post_worker`, where posts are parsed on two cores) also computes its episodes' values
(:func:`prepare`) and leaves them here (:func:`remember`); the flush takes each one (:func:`take`) instead of
computing it again. A value is found by the exact text it was computed from, so a text that changed in
between is computed afresh: what is stored is the same either way. At most :data:`MAX_AHEAD_CHARS` wait, and
what a flush did not take is dropped after it (:func:`forget`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable

from bot.episodes.model import Episode
from bot.search.names import mine_pairs
from bot.search.variants import body_tokens, key, title_tokens
from bot.text import fold_kana, index_text

#: What may wait to be taken, in characters of texts and values (about 22 MB; the show's 484 posts take 7.4 M,
#: 16 MB).
MAX_AHEAD_CHARS = 10_000_000

#: A value computed ahead: which function (``title``, ``body`` or ``pairs``), its text, the value.
Prepared = tuple[str, str, str]


def title_text(text: str) -> str:
    """What the index stores for a title: its bigram tokens and the variant tokens of the title analysed whole."""
    return " ".join((index_text(fold_kana(text)), *title_tokens(text)))


def body_text(text: str) -> str:
    """What the index stores for a summary: its bigram tokens and the variant tokens of its katakana and Latin
    words."""
    return " ".join((index_text(fold_kana(text)), *body_tokens(text)))


def name_pairs(text: str) -> str:
    """The names ``text`` writes in both scripts, as a JSON list of [key, other name], both ways round."""
    found = {(key(a), b) for latin, kana in mine_pairs(text) for a, b in ((latin, kana), (kana, latin))}
    return json.dumps(sorted(found), ensure_ascii=False)


def prepare(episode: Episode) -> list[Prepared]:
    """The values of an episode's documents (the episode itself, then each topic), as the flush asks for them."""
    documents = [("", f"{episode.title}\n{episode.description}")]
    documents += [(topic.title, topic.summary) for topic in episode.topics]
    out: list[Prepared] = []
    for title, body in documents:
        if title:
            out.append(("title", title, title_text(title)))
        out.append(("body", body, body_text(body)))
        out.append(("pairs", f"{title}\n{body}", name_pairs(f"{title}\n{body}")))
    return out


class _Ahead:
    """Values computed ahead, oldest dropped first past :data:`MAX_AHEAD_CHARS`; safe across threads."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, str], str] = {}
        self._chars = 0
        self._lock = threading.Lock()

    def remember(self, values: Iterable[Prepared]) -> None:
        with self._lock:
            for kind, text, value in values:
                if (kind, text) in self._values:
                    continue
                self._values[kind, text] = value
                self._chars += len(text) + len(value)
            while self._chars > MAX_AHEAD_CHARS:
                oldest, value = next(iter(self._values.items()))
                del self._values[oldest]
                self._chars -= len(oldest[1]) + len(value)

    def take(self, kind: str, text: str) -> str | None:
        with self._lock:
            value = self._values.pop((kind, text), None)
            if value is not None:
                self._chars -= len(text) + len(value)
            return value

    def forget(self) -> None:
        with self._lock:
            self._values.clear()
            self._chars = 0

    def __len__(self) -> int:
        return len(self._values)


_ahead = _Ahead()
remember = _ahead.remember
take = _ahead.take
forget = _ahead.forget


def waiting() -> int:
    """How many values wait to be taken."""
    return len(_ahead)
