"""Every real episode renders within every Discord limit, and its summaries reach the thread whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.episodes.model import Episode
from bot.episodes.posts import read_post
from bot.episodes.site import Site
from bot.markdown_split import protected_spans, split_markdown
from bot.render import LIMITS, message_problems, render_announcement

pytestmark = pytest.mark.corpus

ROLE = 123456789012345678


@pytest.fixture(scope="module")
def episodes(corpus_dir: Path) -> list[Episode]:
    return [read_post(path, site=Site()) for path in sorted(corpus_dir.glob("*.md"))]


def pieces_of(text: str, pieces: list[str]) -> list[int]:
    """The end offsets of ``pieces`` in ``text``; fails unless only whitespace lies between them."""
    ends = []
    pos = 0
    for piece in pieces:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        assert text.startswith(piece, pos), (piece[:40], text[pos : pos + 40])
        pos += len(piece)
        ends.append(pos)
    assert not text[pos:].strip()
    return ends


def test_every_episode_renders_within_every_limit(episodes: list[Episode]) -> None:
    assert len(episodes) > 400
    for episode in episodes:
        payloads = render_announcement(episode, role_id=ROLE)
        for payload in payloads:
            assert message_problems(payload) == [], (episode.number, payload)
        assert payloads[0]["allowed_mentions"] == {"parse": [], "roles": [str(ROLE)]}
        assert all(p["allowed_mentions"] == {"parse": []} for p in payloads[1:])


def test_every_summary_reaches_the_thread_whole(episodes: list[Episode]) -> None:
    for episode in episodes:
        descriptions: dict[str, list[str]] = {}
        for payload in render_announcement(episode)[1:]:
            for embed in payload["embeds"]:
                number = embed["title"].split(".", 1)[0]
                descriptions.setdefault(number, []).append(embed.get("description", ""))
        for index, topic in enumerate(episode.topics, start=1):
            shown = [piece for piece in descriptions[str(index)] if piece]
            if topic.summary.strip():
                pieces_of(topic.summary, shown)
            else:
                assert shown == []


@pytest.mark.parametrize("limit", [300, 700, 1500])
def test_corpus_summaries_split_only_between_words_and_spans(episodes: list[Episode], limit: int) -> None:
    """Summaries cut smaller than Discord needs: each cut is whitespace-separated and never inside a
    word, link, bold or code span — and the pieces put together are the summary."""
    word = re.compile(r"[A-Za-z0-9]")
    cuts = longer = 0
    for episode in episodes:
        for topic in episode.topics:
            spans = protected_spans(topic.summary)
            if any(span.end - span.start > limit for span in spans):
                continue
            pieces = split_markdown(topic.summary, limit)
            longer += len(topic.summary.strip()) > limit
            assert all(len(piece) <= limit for piece in pieces)
            for end in pieces_of(topic.summary, pieces)[:-1]:
                cuts += 1
                text = topic.summary
                assert not any(span.start < end < span.end for span in spans), (
                    episode.number,
                    text[end - 20 : end + 20],
                )
                assert not (word.match(text[end - 1]) and end < len(text) and word.match(text[end])), (
                    episode.number,
                    text[end - 20 : end + 20],
                )
    assert longer > 0
    assert cuts >= longer  # every summary longer than the limit was cut at least once


def test_main_embed_lists_every_topic(episodes: list[Episode]) -> None:
    for episode in episodes:
        description = render_announcement(episode)[0]["embeds"][0].get("description", "")
        assert len(description) <= LIMITS["description"]
        if episode.topics:
            assert all(f"{i}. [" in description for i in range(1, len(episode.topics) + 1))
        else:
            assert episode.description.strip()[:20] in description
