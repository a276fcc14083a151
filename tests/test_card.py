"""The Components V2 card: the episode's main message as a layout, always one Discord takes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.card import CARD_FLAG, CARD_LIMITS, card_problems, component_count, first_line, text_displays, text_length
from bot.episodes.model import Episode, Topic
from bot.render import main_card, message_problems, render_announcement, thread_messages
from discord_emulator.errors import FormErrors
from discord_emulator.schema import validate_body
from discord_emulator.validation import validate_message
from tests.factories import make_episode
from tests.test_render import episodes

ROLE = 987654321098765432


def refused(body: dict[str, Any]) -> dict[str, Any]:
    """What the emulator (Discord's spec and its V2 rules) refuses in a create-message body."""
    errors = FormErrors()
    validate_body("POST", "/channels/{channel_id}/messages", body, errors)
    validate_message(body, errors)
    return errors.to_dict()


def assert_sendable(card: dict[str, Any]) -> None:
    assert card_problems(card) == []
    assert message_problems(card) == []
    assert refused(card) == {}


def container(card: dict[str, Any]) -> list[dict[str, Any]]:
    [box] = [c for c in card["components"] if c["type"] == 17]
    return list(box["components"])


def sections(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in container(card) if c["type"] == 9]


def test_card_shape() -> None:
    episode = make_episode(
        389,
        topics=3,
        information="明日はお休みなのだ",
        youtube_url="https://youtu.be/x",
        image_url="https://i.example/a.png",
    )
    card = main_card(episode, role_id=ROLE)
    assert card["flags"] == CARD_FLAG
    assert "content" not in card
    assert "embeds" not in card
    assert card["allowed_mentions"] == {"parse": [], "roles": [str(ROLE)]}
    headline, box = card["components"]
    assert headline == {"type": 10, "content": f"<@&{ROLE}> 📻 新しいエピソードを公開したのだ！"}
    assert box["type"] == 17
    assert box["accent_color"] == 0x7CB342
    header, *topics = sections(card)
    assert header["accessory"] == {
        "type": 11,
        "media": {"url": "https://i.example/a.png"},
        "description": episode.title,
    }
    header_text = header["components"][0]["content"]
    assert header_text.startswith(f"## [{episode.title}]({episode.page_url})")
    assert "🎙️ ずんだもん　📅 2025年1月24日(金)" in header_text
    assert any("明日はお休みなのだ" in text for text in text_displays(card["components"]))
    assert len(topics) == 3
    for index, (section, topic) in enumerate(zip(topics, episode.topics, strict=True), start=1):
        text = section["components"][0]["content"]
        assert text == f"**{index}. [{topic.title}]({topic.url})**\n要約 **{index - 1}**"
        assert section["accessory"] == {"type": 2, "style": 5, "label": "example.com", "url": topic.url}
    [row] = [c for c in container(card) if c["type"] == 1]
    buttons = row["components"]
    assert [b.get("url") for b in buttons[:3]] == [episode.audio_url, "https://youtu.be/x", episode.page_url]
    assert buttons[3]["custom_id"] == "zb:letter:389"
    assert_sendable(card)


def test_the_card_carries_the_same_buttons_as_the_embed() -> None:
    episode = make_episode(12, youtube_url="https://youtu.be/y")
    embed, card = render_announcement(episode)[0], render_announcement(episode, card=True)[0]
    [row] = [c for c in container(card) if c["type"] == 1]
    assert row == embed["components"][0]


def test_the_thread_is_the_same_whichever_the_main_message() -> None:
    episode = make_episode(7, topics=4)
    assert render_announcement(episode, card=True)[1:] == thread_messages(episode) == render_announcement(episode)[1:]


def test_without_an_image_the_header_is_plain_text() -> None:
    card = main_card(make_episode(3, image_url=None))
    first = container(card)[0]
    assert first["type"] == 10
    assert first["content"].startswith("## [")
    assert all(s["accessory"]["type"] == 2 for s in sections(card))
    assert_sendable(card)


def test_an_unusable_image_url_is_left_out() -> None:
    card = main_card(make_episode(3, image_url="javascript:alert(1)"))
    assert not any(c.get("type") == 11 for c in card["components"][1]["components"])
    assert_sendable(card)


def test_long_titles_are_shortened_within_every_limit() -> None:
    long = "とても長いタイトル" * 100
    topics = tuple(Topic(long, f"https://example.com/{i}", "要約" * 2000) for i in range(4))
    episode = make_episode(5, title=long, topics=0, image_url="https://i.example/a.png")
    card = main_card(replace(episode, topics=topics))
    header = sections(card)[0]
    assert len(header["accessory"]["description"]) <= CARD_LIMITS["media_description"]
    assert all(len(text) < 1100 for text in text_displays(card["components"]))
    assert "…" in header["components"][0]["content"]
    assert_sendable(card)


def test_thirty_topics_degrade_to_what_fits_and_say_how_many_more() -> None:
    episode = make_episode(8, topics=30, image_url="https://i.example/a.png", youtube_url="https://youtu.be/z")
    card = main_card(episode, role_id=ROLE)
    assert component_count(card["components"]) <= CARD_LIMITS["components"]
    texts = text_displays(card["components"])
    shown = [text for text in texts if text.startswith("**") and ". [話題8-" in text]
    assert 8 <= len(shown) < 30
    assert texts[-1] == f"…ほか {30 - len(shown)} 件（スレッドで紹介しているのだ）"
    assert_sendable(card)
    # every topic still reaches the thread in full
    titles = [e["title"] for m in thread_messages(episode) for e in m["embeds"]]
    assert len(titles) == 30


def test_long_summaries_keep_the_card_under_4000_characters() -> None:
    url = "https://example.com/" + "a" * 400
    topics = tuple(Topic(f"話題{i} " + "長" * 90, f"{url}/{i}", "一行目" * 100) for i in range(12))
    card = main_card(replace(make_episode(9, information="お知らせ" * 300), topics=topics))
    assert text_length(card["components"]) <= CARD_LIMITS["text"]
    assert "…ほか" in text_displays(card["components"])[-1]
    assert_sendable(card)


def test_topics_become_plain_text_before_any_is_dropped() -> None:
    """Ten topics do not fit as sections (3 components each) but do as text displays: all ten are shown."""
    card = main_card(make_episode(10, topics=10, image_url="https://i.example/a.png", youtube_url="https://y.example"))
    texts = text_displays(card["components"])
    assert sum(". [話題10-" in text for text in texts) == 10
    assert not any("ほか" in text for text in texts)
    assert_sendable(card)


def test_an_episode_without_topics_shows_its_description() -> None:
    card = main_card(make_episode(4, topics=0, description="今日は雑談回なのだ。"))
    assert "今日は雑談回なのだ。" in text_displays(card["components"])
    assert_sendable(card)


def test_text_from_the_post_cannot_ping() -> None:
    topics = (Topic("@everyone 見て", "https://example.com/1", f"<@&{ROLE}> と @here に知らせるのだ"),)
    card = main_card(replace(make_episode(6, information="@everyone 臨時のお知らせ"), topics=topics), role_id=ROLE)
    body = "\n".join(text_displays(card["components"])[1:])
    assert "@everyone" not in body
    assert "@here" not in body
    assert f"<@&{ROLE}>" not in body
    assert_sendable(card)


def test_first_line_skips_block_markers_and_blank_lines() -> None:
    assert first_line("\n\n## 見出し\n本文") == "見出し"
    assert first_line("- **要点**: 説明") == "**要点**: 説明"
    assert first_line("") == ""
    assert first_line("長" * 500).endswith("…")


def test_card_problems_name_what_discord_refuses() -> None:
    card = main_card(make_episode(2))
    assert card_problems({**card, "content": "x"}) == ["content is not allowed with IS_COMPONENTS_V2"]
    many = {**card, "components": [{"type": 10, "content": "x"}] * 41}
    assert card_problems(many) == ["41 components (at most 40)"]
    long = {**card, "components": [{"type": 10, "content": "x" * 2001}] * 2}
    assert card_problems(long) == ["4002 characters of text (at most 4000)"]
    bare = {**card, "components": [{"type": 9, "components": [{"type": 10, "content": "x"}]}]}
    assert card_problems(bare) == ["section without an accessory"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    episode=episodes,
    image=st.one_of(st.none(), st.text(max_size=80).map(lambda s: "https://i.example/" + s)),
    role=st.one_of(st.none(), st.integers(min_value=1, max_value=2**63)),
)
def test_any_episode_is_a_card_discord_takes(episode: Episode, image: str | None, role: int | None) -> None:
    assert_sendable(main_card(replace(episode, image_url=image, topics=episode.topics * 3), role_id=role))


def test_the_longest_headline_and_page_url_still_leave_a_card_within_4000_characters() -> None:
    page = "https://zund-arm-on.com/episode/" + "p" * 2000
    episode = replace(make_episode(15, topics=6, information="お" * 2000), page_url=page, title="題" * 400)
    card = main_card(episode, role_id=ROLE, headline_text="見" * 1000)
    assert text_length(card["components"]) <= CARD_LIMITS["text"]
    assert page not in text_displays(card["components"])[1]  # too long to link: the title shows unlinked
    assert_sendable(card)
