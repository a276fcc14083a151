"""Every real episode as a V2 card is one Discord takes: created with its nonce and edited, checked by the
emulator's validator (Discord's spec and its V2 rules), within 40 components and 4000 characters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.announce.ledger import delivery_nonce, edit_body, with_nonce
from bot.card import CARD_LIMITS, component_count, text_displays, text_length
from bot.episodes.model import Episode
from bot.episodes.posts import read_post
from bot.episodes.site import Site
from bot.render import main_card, message_problems
from discord_emulator.errors import FormErrors
from discord_emulator.schema import validate_body
from discord_emulator.validation import validate_message

pytestmark = pytest.mark.corpus

ROLE = 223456789012345678
CHANNEL = 123456789012345678


@pytest.fixture(scope="module")
def episodes(corpus_dir: Path) -> list[Episode]:
    return [read_post(path, site=Site()) for path in sorted(corpus_dir.glob("*.md"))]


def refusals(method: str, route: str, body: dict[str, Any]) -> dict[str, Any]:
    errors = FormErrors()
    validate_body(method, route, body, errors)
    validate_message(body, errors)
    return errors.to_dict()


def test_every_real_episode_is_a_card_discord_takes(episodes: list[Episode]) -> None:
    assert len(episodes) > 400
    problems: dict[str, object] = {}
    for episode in episodes:
        for role in (None, ROLE):
            card = main_card(episode, role_id=role)
            assert message_problems(card) == [], episode.number
            assert component_count(card["components"]) <= CARD_LIMITS["components"]
            assert text_length(card["components"]) <= CARD_LIMITS["text"]
            created = with_nonce(card, delivery_nonce(episode.key, CHANNEL, 0))
            for method, route, body in (
                ("POST", "/channels/{channel_id}/messages", created),
                ("PATCH", "/channels/{channel_id}/messages/{message_id}", edit_body(card)),
            ):
                found = refusals(method, route, body)
                if found:
                    problems[f"{episode.number} {method} role={role}"] = found
    assert problems == {}


def test_every_real_card_lists_every_topic(episodes: list[Episode]) -> None:
    """The real posts have at most a handful of topics: every one fits as a section, none is cut."""
    for episode in episodes:
        card = main_card(episode)
        texts = text_displays(card["components"])
        for index in range(1, len(episode.topics) + 1):
            assert any(text.startswith(f"**{index}. ") for text in texts), episode.number
        assert not any("ほか" in text and "件" in text for text in texts), episode.number
        if not episode.topics and episode.description.strip():
            assert any(episode.description.strip()[:20] in text for text in texts), episode.number
