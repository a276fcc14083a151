"""The forgiving search end to end: a listener types as they remember, through the real bot and the emulator."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.app import ZundaBot
from bot.episodes.model import Episode, Topic
from bot.store.store import Store
from discord_emulator import DiscordEmulator
from tests.factories import make_episode
from tests.harness import BotRunner, Community


def episode(number: int, *topics: Topic) -> Episode:
    return replace(make_episode(number, topics=0), topics=topics)


async def answer(emulator: DiscordEmulator, community: Community, query: str) -> str:
    """The text of the answer a listener gets to ``/search query``."""
    shown = await emulator.slash(community.listener, community.general, "search", query=query)
    return str(shown.embeds[0]["description"])


@pytest.fixture
async def bot(bot_runner: BotRunner) -> ZundaBot:
    async with await Store.open(bot_runner.database) as store:
        await store.episodes.upsert_many(
            [
                episode(
                    1, Topic("プロンプトの書き方入門", "https://example.com/1", "良いプロンプトの条件をまとめたのだ。")
                ),
                episode(
                    2, Topic("エージェントの作り方", "https://example.com/2", "道具を呼ぶエージェントを作るのだ。")
                ),
                episode(
                    3, Topic("シミュレーションで学ぶ物理", "https://example.com/3", "物理シミュレーションの基礎。")
                ),
                episode(4, Topic("画像生成の比較", "https://example.com/4", "画像モデルを比べたのだ。")),
                episode(5, Topic("Obsidianで育てるメモ", "https://example.com/5", "メモをObsidianにまとめたのだ。")),
                episode(6, Topic("動画モデルの比較", "https://example.com/6", "動画のモデルを比べたのだ。")),
                episode(7, Topic("A Model for Everything", "https://example.com/7", "Modelの論文なのだ。")),
                episode(8, Topic("匿名掲示板シミュレーター", "https://example.com/8", "スレを生成するのだ。")),
                episode(9, Topic("Agent2Agent プロトコル（A2A）を発表", "https://example.com/9", "相互運用なのだ。")),
                episode(10, Topic("Next.jsの脆弱性まとめ", "https://example.com/10", "急いで更新するのだ。")),
                episode(
                    11,
                    Topic(
                        "日常のタスクを45個自動化した東大院生のClaudeCode活用術",
                        "https://example.com/11",
                        "毎日の作業を自動化した記録なのだ。",
                    ),
                ),
                episode(12, Topic("Gemini 3 Flash を発表", "https://example.com/12", "速いモデルなのだ。")),
                episode(13, Topic("Gemini 2.5 Pro を比べる", "https://example.com/13", "前のモデルなのだ。")),
            ]
        )
        await store.search.flush()
    return await bot_runner.start()


async def test_hiragana_and_filler_find_the_topic_and_say_what_was_searched(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    hiragana = await emulator.slash(community.listener, community.general, "search", query="ぷろんぷと")
    text = hiragana.embeds[0]["description"]
    assert text.startswith("-# プロンプト（ぷろんぷと）で検索しました\n")
    assert "[プロンプトの書き方入門](https://example.com/1)" in text
    assert "**プロンプト**" in text
    assert hiragana.embeds[0]["title"] == "🔍「ぷろんぷと」の検索結果"

    text = await answer(emulator, community, "エージェントについて話してた回")
    assert text.startswith("-# エージェント（エージェントについて話してた回）で検索しました\n")
    assert "[エージェントの作り方](https://example.com/2)" in text
    assert "画像生成" not in text

    english = await emulator.slash(community.english, community.general, "search", query="ぷろんぷと")
    assert english.embeds[0]["description"].startswith("-# Searched for プロンプト（ぷろんぷと）\n")

    text = await answer(emulator, community, "画像 比較 ぬぺぽぴゅ")
    assert "-# すべての言葉に合う話題はなかったので、一部の言葉に一致した話題なのだ" in text
    assert "[画像生成の比較](https://example.com/4)" in text

    nonsense = await emulator.slash(
        community.listener, community.general, "search", query="ぬぺぽぴゅについて話してた回"
    )
    assert "見つからなかったのだ" in nonsense.content

    text = await answer(emulator, community, "おぶしでぃあん")
    assert text.startswith("-# Obsidian（おぶしでぃあん）で検索しました\n")
    assert "[Obsidianで育てるメモ](https://example.com/5)" in text
    assert "**Obsidian**" in text

    exact = await emulator.slash(community.listener, community.general, "search", query="画像")
    assert "で検索しました" not in exact.embeds[0]["description"]


async def test_few_whole_matches_are_followed_by_partial_ones_and_the_listener_is_told_where(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    text = await answer(emulator, community, "画像 モデル 比べた")
    assert text.startswith("-# 画像 モデル 比べる（比べた）で検索しました\n")
    assert "\n-# 2件目からは、一部の言葉に一致した話題なのだ\n" in text
    assert text.index("[画像生成の比較](https://example.com/4)") < text.index(
        "[動画モデルの比較](https://example.com/6)"
    )
    english = await emulator.slash(community.english, community.general, "search", query="画像 モデル 比べた")
    assert "\n-# From result 2 on, the topics match some of the words\n" in english.embeds[0]["description"]


async def test_a_compound_few_topics_hold_is_not_widened_to_what_its_part_sounds_like(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    text = await answer(emulator, community, "画像モデル")
    assert "[画像生成の比較](https://example.com/4)" in text
    assert "example.com/7" not in text  # モデル of 画像モデル sounds like Model, but the listener typed more
    assert "で検索しました" not in text
    heard = await emulator.slash(community.listener, community.general, "search", query="モデル")
    assert "[A Model for Everything](https://example.com/7)" in heard.embeds[0]["description"]  # heard whole


async def test_a_phrase_typed_in_kana_finds_its_kanji_words(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    text = await answer(emulator, community, "がぞうせいせいのひかく")
    assert text.startswith("-# 画像生成 比較（がぞうせいせいのひかく）で検索しました\n")
    assert "[画像生成の比較](https://example.com/4)" in text
    assert "一部の言葉" not in text
    loanwords = await emulator.slash(community.listener, community.general, "search", query="えーじぇんとのつくりかた")
    assert "[エージェントの作り方](https://example.com/2)" in loanwords.embeds[0]["description"]


async def test_a_misspelt_word_and_filler_typed_apart_find_the_topic(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    text = await answer(emulator, community, "シュミレーター")
    assert text.startswith("-# シミュレーター（シュミレーター）で検索しました\n")
    assert "[匿名掲示板シミュレーター](https://example.com/8)" in text
    assert "example.com/3" not in text  # シミュレーション is another word
    text = await answer(emulator, community, "掲示板 の話")
    assert text.startswith("-# 掲示板で検索しました\n")  # 「の話」 typed apart is left out, not searched for
    assert "[匿名掲示板シミュレーター](https://example.com/8)" in text


async def test_letters_read_out_a_run_together_name_and_a_sentence_from_memory_find_their_topics(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    text = await answer(emulator, community, "えーつーえー ぷろとこる")
    assert "[Agent2Agent プロトコル（A2A）を発表](https://example.com/9)" in text
    text = await answer(emulator, community, "nextjs")
    assert text.startswith("-# next js（nextjs）で検索しました\n")
    assert "[Next.jsの脆弱性まとめ](https://example.com/10)" in text
    text = await answer(emulator, community, "東大の院生がClaudeCodeで毎日のタスクを45個も自動化した全記録")
    assert "[日常のタスクを45個自動化した東大院生のClaudeCode活用術](https://example.com/11)" in text
    assert "で検索しました" in text  # read word by word, and said so


async def test_a_name_and_its_version_typed_in_hiragana_find_that_version(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    text = await answer(emulator, community, "じぇみに3")
    assert text.startswith("-# Gemini3（じぇみに3）で検索しました\n")
    assert "[Gemini 3 Flash を発表](https://example.com/12)" in text
    assert "example.com/13" not in text  # Gemini 2.5 is another version


async def test_autocomplete_suggests_the_episode_for_a_variant_spelling(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    day = make_episode(3).published.astimezone(bot.settings.zone)
    misspelt = await emulator.autocomplete(
        community.listener, community.general, "episode", focused="episode", episode="シュミレーション"
    )
    assert misspelt.choice_names == [f"#3 {day:%Y-%m-%d} シミュレーションで学ぶ物理"]
    titles = await emulator.autocomplete(
        community.listener, community.general, "search", focused="query", query="しみゅれーしょん"
    )
    assert titles.choice_names == ["シミュレーションで学ぶ物理"]
    by_sound = await emulator.autocomplete(
        community.listener, community.general, "search", focused="query", query="おぶしでぃあん"
    )
    assert by_sound.choice_names == ["Obsidianで育てるメモ"]
