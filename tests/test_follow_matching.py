"""Matching followed words against topics, and the DM a follower gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.episodes.model import Topic
from bot.episodes.posts import read_post
from bot.episodes.site import Site
from bot.follow.matching import Matcher, matches, word_forms
from bot.follow.model import Follow, Notice, NoticeTopic
from bot.follow.notice import MESSAGE_LIMIT, notice_body, notice_content, thread_mention_content
from bot.follow.words import MAX_WORD_LENGTH, Refusal, WordRefused, clean_word


@pytest.mark.parametrize(
    ("word", "text", "expected"),
    [
        ("画像", "画像生成モデルの比較", True),
        ("AI", "生成AIの話", True),
        ("AI", "AI-driven な開発", True),
        ("AI", "OpenAIの新モデル", False),
        ("AI", "MAIL の自動返信", False),
        ("GPT", "GPT-4o と GPT4o", True),
        ("ｇｐｔ", "GPT-5 が出た", True),
        ("gemini", "Gemini 2.5 Pro", True),
        ("ローカル LLM", "ローカルLLMを動かす", True),
        ("ローカルLLM", "ローカル LLM を動かす", True),
        ("open ai", "Open AI", True),
        ("推\u200b論", "推論モデル", True),
        ("c++", "C++ の新機能", True),
        ("Rust", "Trust and safety", False),
    ],
)
def test_matches_on_the_lookup_normaliser_with_latin_word_edges(word: str, text: str, expected: bool) -> None:
    assert matches(word, Topic(text, "https://e.com/t")) is expected


@pytest.mark.parametrize(
    ("word", "title", "summary"),
    [
        ("Gemini", "ジェミニの新機能", ""),  # a Latin name finds its katakana reading
        ("がぞうせいせい", "ガゾウセイセイ", ""),  # hiragana and katakana are one
        ("サーバ", "サーバーレス入門", ""),  # spelling variants (the analyser's normal form)
        ("サーバー", "記事", "サーバを立てる話"),
        ("シュミレーション", "物理シミュレーションの高速化", ""),
    ],
)
def test_forgiving_forms_match_like_the_lookup(word: str, title: str, summary: str) -> None:
    assert matches(word, Topic(title, "https://e.com/t", summary))


def test_word_forms_are_found_once_for_single_words_only() -> None:
    assert "ジェミニ" in word_forms("Gemini")
    assert word_forms("ローカル LLM の話") == ()


def test_matcher_gives_every_follower_their_topics_and_words() -> None:
    topics = [
        Topic("画像生成モデルの比較", "https://e.com/1", "Stable Diffusion と DALL-E を比べたのだ。"),
        Topic("Gemini の新機能", "https://e.com/2", "画像も読めるのだ。"),
        Topic("型ヒント", "https://e.com/3", "mypy の話なのだ。"),
    ]
    follows = [
        Follow(1, 10, "画像", clean_word("画像")[1]),
        Follow(1, 10, "GEMINI", clean_word("GEMINI")[1]),
        Follow(2, 10, "mypy", clean_word("mypy")[1]),
        Follow(3, 10, "ブロックチェーン", clean_word("ブロックチェーン")[1]),
        Follow(4, 0, "画像", clean_word("画像")[1]),
    ]
    matched = Matcher(topics).match(follows)
    assert matched == {1: {0: ["画像"], 1: ["画像", "GEMINI"]}, 2: {2: ["mypy"]}, 4: {0: ["画像"], 1: ["画像"]}}


def test_a_word_never_matches_across_two_topics() -> None:
    topics = [Topic("前半は画", "https://e.com/1"), Topic("像の話", "https://e.com/2")]
    assert Matcher(topics).topics_of(clean_word("画像")[1]) == set()


def test_words_are_cleaned_or_refused() -> None:
    assert clean_word("  ローカル   LLM ") == ("ローカル LLM", "ローカルllm")
    with pytest.raises(WordRefused) as blank:
        clean_word("\u200b ")
    assert blank.value.reason is Refusal.BLANK
    with pytest.raises(WordRefused) as control:
        clean_word("a\x07b")
    assert control.value.reason is Refusal.CONTROL
    with pytest.raises(WordRefused) as long:
        clean_word("あ" * (MAX_WORD_LENGTH + 1))
    assert long.value.reason is Refusal.TOO_LONG


def notice(**changes: object) -> Notice:
    values: dict[str, object] = {
        "id": 7,
        "user_id": 42,
        "episode_key": "https://zund-arm-on.com/episode/389",
        "number": "389",
        "title": "株式会社ずんだもん技術室AI放送局 podcast 20250630",
        "page_url": "https://zund-arm-on.com/episode/389",
        "guild_id": 1,
        "channel_id": 2,
        "message_id": 3,
        "thread_id": 4,
        "linked": True,
        "topics": (NoticeTopic("画像生成 [速報](https://evil.example)", "https://e.com/a", ("画像", "@everyone")),),
    }
    values.update(changes)
    return Notice(**values)  # type: ignore[arg-type]


def test_the_dm_links_topics_announcement_thread_and_page_and_pings_nobody() -> None:
    body = notice_body(notice())
    content = str(body["content"])
    assert "第389回" in content
    assert "[画像生成 \\[速報\\](https://evil.example)](<https://e.com/a>)" in content
    assert "@everyone" not in content.replace("@\u200beveryone", "")
    assert "https://discord.com/channels/1/2/3" in content
    assert "https://discord.com/channels/1/4" in content
    assert "<https://zund-arm-on.com/episode/389>" in content
    assert body["allowed_mentions"] == {"parse": []}
    unlinked = notice_content(notice(linked=False))
    assert "discord.com/channels" not in unlinked


def test_the_dm_stays_within_discords_limit_however_many_long_topics() -> None:
    topics = tuple(NoticeTopic("長い題名" * 100, "https://e.com/" + "x" * 500, ("語" * 50,)) for _ in range(30))
    content = notice_content(notice(topics=topics, locale="en"))
    assert len(content) <= MESSAGE_LIMIT
    assert "more" in content
    assert len(thread_mention_content(notice(topics=topics))) <= MESSAGE_LIMIT
    assert thread_mention_content(notice()).startswith("<@42>")


def test_every_corpus_episode_gives_a_valid_dm(corpus_dir: Path) -> None:
    for path in sorted(corpus_dir.glob("*.md"))[:200]:
        episode = read_post(path, site=Site())
        topics = tuple(NoticeTopic(t.title, t.url, ("AI",)) for t in episode.topics)
        content = notice_content(notice(number=episode.number, title=episode.title, topics=topics))
        assert 0 < len(content) <= MESSAGE_LIMIT, path.name
