"""The pure renderer: Episode → Discord message payloads, always within Discord's limits."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.episodes.model import Episode, Topic
from bot.letters.custom_ids import letter_custom_id
from bot.output import safe_url, truncate
from bot.render import (
    LIMITS,
    embed_length,
    forum_post,
    forum_tags,
    main_message,
    message_problems,
    pack_embeds,
    render_announcement,
    thread_messages,
    thread_name,
)
from tests.factories import make_episode

LONG_SUMMARY = "\n\n".join(
    f"第{i}段落です。**重要な点{i}**があり、`code_{i}` と [記事{i}](https://example.com/{i}) を含みます。" * 6
    for i in range(60)
)


def summaries_in(messages: list[dict[str, object]]) -> dict[str, list[str]]:
    """The description pieces of each topic embed, keyed by the topic's number (``1.``...)."""
    found: dict[str, list[str]] = {}
    for message in messages:
        for embed in message["embeds"]:  # type: ignore[attr-defined]
            number = embed["title"].split(".", 1)[0]
            found.setdefault(number, []).append(embed.get("description", ""))
    return found


def assert_sendable(payloads: list[dict[str, object]]) -> None:
    for payload in payloads:
        assert message_problems(payload) == [], payload


def test_main_message_shape() -> None:
    episode = make_episode(389, topics=3, information="明日はお休みなのだ", youtube_url="https://youtu.be/x")
    main, *thread = render_announcement(episode)
    embed = main["embeds"][0]
    assert embed["title"] == episode.title
    assert embed["url"] == episode.page_url
    assert embed["timestamp"] == episode.published.isoformat()
    assert "明日はお休みなのだ" in embed["description"]
    for index, topic in enumerate(episode.topics, start=1):
        assert f"{index}. [{topic.title}]({topic.url})" in embed["description"]
    assert {"name": "出演者", "value": "ずんだもん", "inline": True} in embed["fields"]
    buttons = main["components"][0]["components"]
    assert [button.get("url") for button in buttons[:3]] == [episode.audio_url, "https://youtu.be/x", episode.page_url]
    assert buttons[3]["custom_id"] == "zb:letter:389"
    assert main["allowed_mentions"] == {"parse": []}
    assert "<@&" not in main["content"]
    assert len(thread) == 1
    assert [e["title"] for e in thread[0]["embeds"]] == [f"{i}. {t.title}" for i, t in enumerate(episode.topics, 1)]
    assert thread[0]["allowed_mentions"] == {"parse": []}
    assert_sendable([main, *thread])


def test_role_mention_is_the_only_allowed_mention() -> None:
    main = main_message(make_episode(5), role_id=987654321098765432)
    assert main["content"].startswith("<@&987654321098765432> ")
    assert main["allowed_mentions"] == {"parse": [], "roles": ["987654321098765432"]}
    for message in thread_messages(make_episode(5)):
        assert message["allowed_mentions"] == {"parse": []}


def test_dated_in_the_site_zone() -> None:
    episode = make_episode(1, published=datetime(2026, 1, 1, 20, 0, tzinfo=UTC))  # 05:00 on the 2nd in Tokyo
    fields = main_message(episode)["embeds"][0]["fields"]
    assert fields[-1]["value"] == "2026年1月2日(金)"


def test_rendering_is_deterministic() -> None:
    episode = make_episode(12, topics=5, information="告知", youtube_url="https://youtu.be/y")
    first = json.dumps(render_announcement(episode, role_id=1), ensure_ascii=False)
    assert first == json.dumps(render_announcement(episode, role_id=1), ensure_ascii=False)


def test_long_summary_is_split_into_embeds_that_reproduce_it() -> None:
    episode = dataclasses.replace(
        make_episode(3), topics=(Topic("長い話題", "https://example.com/long", LONG_SUMMARY),)
    )
    messages = thread_messages(episode)
    assert_sendable(messages)
    pieces = summaries_in(messages)["1"]
    assert len(pieces) > 3
    assert all(len(piece) <= LIMITS["description"] for piece in pieces)
    assert "\n\n".join(pieces) == LONG_SUMMARY  # every cut fell on a paragraph break
    titles = [embed["title"] for message in messages for embed in message["embeds"]]
    assert titles[0] == "1. 長い話題"
    assert all(title == "1. 長い話題（続き）" for title in titles[1:])


def test_embeds_are_packed_within_message_limits() -> None:
    topics = tuple(Topic(f"話題{i}", f"https://example.com/{i}", "要約。" * (300 + i * 40)) for i in range(25))
    episode = dataclasses.replace(make_episode(4), topics=topics)
    messages = thread_messages(episode)
    assert_sendable(messages)
    assert all(len(m["embeds"]) <= 10 for m in messages)
    assert all(sum(embed_length(e) for e in m["embeds"]) <= 6000 for m in messages)
    found = summaries_in(messages)
    assert [found[str(i + 1)] for i in range(25)] == [[topic.summary] for topic in topics]
    # greedy packing: no message could have taken the next message's first embed
    for current, following in itertools.pairwise(messages):
        size = sum(embed_length(e) for e in current["embeds"]) + embed_length(following["embeds"][0])
        assert len(current["embeds"]) == 10 or size > 6000


def test_pack_embeds_keeps_order_and_limits() -> None:
    embeds = [{"title": str(i), "description": "x" * (i * 97 % 4000)} for i in range(40)]
    groups = pack_embeds(embeds)
    assert [e for group in groups for e in group] == embeds
    assert all(len(g) <= 10 and sum(embed_length(e) for e in g) <= 6000 for g in groups)


def test_many_topics_fit_the_main_embed() -> None:
    topics = tuple(Topic("とても長いタイトル" * 30, f"https://example.com/{i}/" + "p" * 300, "") for i in range(60))
    episode = dataclasses.replace(make_episode(7), topics=topics)
    payloads = render_announcement(episode, role_id=3)
    assert_sendable(payloads)
    description = payloads[0]["embeds"][0]["description"]
    assert len(description) <= LIMITS["description"]
    assert re.search(r"ほか \d+ 件", description)
    assert len(summaries_in(payloads[1:])) == 60  # every topic still reaches the thread


def test_episode_without_topics_shows_its_description() -> None:
    episode = make_episode(1, topics=0, description="第1回はテスト放送なのだ。")
    main, *thread = render_announcement(episode)
    assert main["embeds"][0]["description"] == "第1回はテスト放送なのだ。"
    assert thread == []


def test_long_description_overflows_into_the_thread() -> None:
    text = "\n\n".join(f"段落{i}。" + "説明文。" * 200 for i in range(8))
    episode = make_episode(2, topics=0, description=text, information="お知らせ")
    main, *thread = render_announcement(episode)
    assert_sendable([main, *thread])
    shown = [main["embeds"][0]["description"].split("\n\n", 1)[1]]
    shown += [embed["description"] for message in thread for embed in message["embeds"]]
    assert "\n\n".join(shown) == text


def test_letter_custom_id() -> None:
    assert letter_custom_id("389") == "zb:letter:389"
    assert letter_custom_id("lt-special") == "zb:letter:lt-special"
    assert letter_custom_id("a:b") is None
    assert letter_custom_id("x" * 81) is None
    assert letter_custom_id("") is None
    main = main_message(dataclasses.replace(make_episode(1), number="bad:number"))
    assert all("custom_id" not in button for button in main["components"][0]["components"])


def test_urls_are_made_safe() -> None:
    assert safe_url("https://zund-arm-on.com/audio/株式会社 podcast.mp3") == (
        "https://zund-arm-on.com/audio/%E6%A0%AA%E5%BC%8F%E4%BC%9A%E7%A4%BE%20podcast.mp3"
    )
    assert safe_url("https://example.com/a%20b?q=1#x") == "https://example.com/a%20b?q=1#x"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("/audio/relative.mp3") is None
    assert safe_url("https://example.com/" + "a" * 600, 512) is None
    episode = make_episode(8, audio_url="ftp://example.com/x.mp3", image_url="not a url")
    main = main_message(episode)
    assert "thumbnail" not in main["embeds"][0]
    assert [b["label"] for b in main["components"][0]["components"]] == ["エピソードページ", "お便りを送る"]


def test_topic_titles_are_escaped_in_links_and_titles() -> None:
    topic = Topic("[速報] **AI** が_新_機能", "https://example.com/a_(b)", "本文")
    episode = dataclasses.replace(make_episode(9), topics=(topic,))
    main, thread = render_announcement(episode)
    assert r"1. [\[速報\] \*\*AI\*\* が\_新\_機能](https://example.com/a_%28b%29)" in main["embeds"][0]["description"]
    assert thread["embeds"][0]["title"] == r"1. [速報] \*\*AI\*\* が\_新\_機能"


def test_thread_name_and_forum_post() -> None:
    episode = make_episode(10, title="株式会社ずんだもん技術室AI放送局 podcast\n20260110" + "。" * 200)
    name = thread_name(episode)
    assert len(name) <= 100
    assert "\n" not in name
    assert name.endswith("…")
    body = forum_post(episode, role_id=42, applied_tags=[1, 2])
    assert body["name"] == name
    assert body["applied_tags"] == ["1", "2"]
    assert body["message"] == main_message(episode, role_id=42)
    assert "nonce" not in body["message"]


def test_forum_tags_match_mc_names() -> None:
    available = {"ずんだもん": 11, "春日部つむぎ": 12, "ＡＩ": 13}
    assert forum_tags(["春日部つむぎ", "ずんだもん", "ずんだもん"], available) == [12, 11]
    assert forum_tags(["ai"], available) == [13]
    assert forum_tags(["四国めたん"], available) == []


def test_truncate() -> None:
    assert truncate("短い", 10) == "短い"
    assert truncate("one two three four", 12) == "one two…"
    assert len(truncate("あ" * 300, 256)) == 256


def test_message_problems_catches_each_limit() -> None:
    assert message_problems({"allowed_mentions": {"parse": []}}) == ["empty message"]
    assert message_problems({"content": "x"}) == ["no allowed_mentions"]
    big = {"title": "t" * 257, "description": "d" * 4097, "fields": [{"name": "", "value": "v" * 1025}] * 26}
    problems = message_problems({"embeds": [big] * 11, "content": "c" * 2001, "allowed_mentions": {}})
    for expected in ("content has 2001", "11 embeds", "6000", "title has 257", "description has 4097", "26 fields"):
        assert any(expected in problem for problem in problems), expected
    row = {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": "a"}] * 6}
    problems = message_problems({"components": [row], "allowed_mentions": {}})
    assert "6 buttons in a row" in problems
    assert "duplicate custom_id" in problems


def test_a_long_notice_is_shortened_in_the_main_embed_and_given_in_full_in_the_thread() -> None:
    notice = "\n\n".join(f"お知らせ{i}。" + "詳しい案内なのだ。" * 120 for i in range(6))
    episode = make_episode(5, topics=2, information=notice)
    main, *thread = render_announcement(episode)
    assert_sendable([main, *thread])
    assert main["embeds"][0]["description"].startswith("**📢 お知らせ**\n")
    assert "…" in main["embeds"][0]["description"]
    first = [embed for message in thread for embed in message["embeds"] if embed["title"].startswith("📢 お知らせ")]
    assert [embed["title"] for embed in first] == ["📢 お知らせ", "📢 お知らせ（続き）"]
    assert "\n\n".join(embed["description"] for embed in first) == notice
    assert thread[0]["embeds"][0] is first[0]  # before the topics
    assert {"1", "2"} <= set(summaries_in(thread))


def test_hostile_episode_stays_within_limits() -> None:
    nasty = "👨\u200d👩\u200d👧" * 100 + "**" + "強調" * 3000 + "**" + "```\n" + "code\n" * 2000
    episode = Episode(
        key="https://zund-arm-on.com/episode/x",
        number="x" * 200,
        title="タイトル" * 200,
        published=make_episode(1).published,
        page_url="https://zund-arm-on.com/episode/x",
        actors=tuple(f"MC{i}" * 50 for i in range(40)),
        description=nasty,
        information="告知" * 3000,
        audio_url="https://example.com/" + "a" * 2000,
        youtube_url="https://www.youtube.com/watch?v=abc",
        image_url="https://example.com/i.png",
        topics=tuple(Topic("t" * 500, "https://example.com/" + "u" * 3000, nasty) for _ in range(30)),
    )
    payloads = render_announcement(episode, role_id=1)
    assert_sendable(payloads)
    assert len(payloads) > 10


episodes = st.builds(
    Episode,
    key=st.just("https://zund-arm-on.com/episode/h"),
    number=st.text(min_size=1, max_size=100),
    title=st.text(max_size=400),
    published=st.datetimes(timezones=st.just(timezone(timedelta(hours=9)))),
    page_url=st.just("https://zund-arm-on.com/episode/h"),
    actors=st.lists(st.text(max_size=60), max_size=5).map(tuple),
    description=st.text(max_size=6000),
    information=st.text(max_size=1500),
    audio_url=st.one_of(st.none(), st.text(max_size=50).map(lambda s: "https://example.com/" + s)),
    topics=st.lists(
        st.builds(Topic, title=st.text(max_size=300), url=st.text(max_size=80), summary=st.text(max_size=6000)),
        max_size=12,
    ).map(tuple),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(episode=episodes, role=st.one_of(st.none(), st.integers(min_value=1, max_value=2**63)))
def test_any_episode_renders_within_limits(episode: Episode, role: int | None) -> None:
    payloads = render_announcement(episode, role_id=role)
    assert_sendable(payloads)
    summaries = summaries_in(payloads[1:])
    for index, topic in enumerate(episode.topics, start=1):
        if topic.summary.strip():
            assert str(index) in summaries


@pytest.mark.parametrize("count", [0, 1, 5])
def test_thread_is_empty_only_without_topics_and_long_text(count: int) -> None:
    episode = make_episode(20, topics=count)
    assert bool(thread_messages(episode)) == (count > 0)
