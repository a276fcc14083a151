"""Lookup end to end: the real bot against the Discord emulator, driven as listeners would on their phones."""

from __future__ import annotations

import asyncio
import gc
import re
import sqlite3
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest

from bot.app import ZundaBot
from bot.episodes.model import Episode, Topic
from bot.search.model import SearchRequest
from bot.store.store import Store
from bot.ui import expiring, pager
from cogs.lookup import FLUSH_JOB
from discord_emulator import DiscordEmulator, InteractionResult, Message, Permission
from tests.factories import make_episode
from tests.harness import JST, BotRunner, Community, fill_the_disk, poll_now, settled, write_post

HOSTILE_TITLE = "@everyone **太字** <@1> [偽リンク](https://evil.test) 推論"


def episode(number: int, *topics: Topic, **changes: object) -> Episode:
    return replace(make_episode(number, topics=0, **changes), topics=topics)


def archive() -> list[Episode]:
    """Twelve episodes about 推論 (three pages of results), and a few to find by other words."""
    episodes = [
        episode(
            n,
            Topic(
                f"推論モデルの話 その{n}",
                f"https://{'zenn.dev' if n % 2 else 'qiita.com'}/articles/{n}",
                f"前置き。ここで**推論**の速さを比べたのだ。その{n}の結論。",
            ),
            actors=("ずんだもん",) if n <= 8 else ("春日部つむぎ",),
        )
        for n in range(1, 13)
    ]
    episodes.append(
        episode(
            13, Topic("GPT-4oで画像生成", "https://openai.com/gpt-4o", "ガゾウを作るのだ。"), actors=("ずんだもん",)
        )
    )
    episodes.append(episode(14, Topic(HOSTILE_TITLE, "https://example.com/hostile", "@here 要約")))
    episodes.append(
        episode(
            15,
            *(Topic(f"長い回の話題{i}", f"https://example.com/long/{i}", "段落。" * 400) for i in range(6)),
            actors=("ずんだもん", "春日部つむぎ"),
        )
    )
    return episodes


@pytest.fixture
async def bot(bot_runner: BotRunner) -> ZundaBot:
    """The bot, started on a database already holding :func:`archive`, indexed."""
    async with await Store.open(bot_runner.database) as store:
        await store.episodes.upsert_many(archive())
        await store.search.flush()
    return await bot_runner.start()


def button(message: Message, *, emoji: str | None = None, label: str | None = None) -> dict[str, Any]:
    for row in message.components:
        for component in row.get("components", []):
            if emoji is not None and (component.get("emoji") or {}).get("name") == emoji:
                return component
            if label is not None and component.get("label") == label:
                return component
    raise AssertionError(f"no button {emoji or label!r} in {message.components}")


def description(result_or_message: InteractionResult | Message) -> str:
    embeds = result_or_message.embeds
    assert len(embeds) == 1
    return str(embeds[0]["description"])


async def test_search_pages_for_the_searcher_and_shares_without_pings(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    result = await emulator.slash(community.listener, community.general, "search", query="推論")
    assert result.ephemeral
    embed = result.embeds[0]
    assert embed["title"] == "🔍「推論」の検索結果"
    assert embed["footer"]["text"] == "1/3 ページ・全 13 件"
    first = description(result)
    assert first.count("\n\n") == 4  # five results
    assert "[推論モデルの話 その12](https://qiita.com/articles/12)" in first  # newest first among equals
    twelfth = make_episode(12).published.astimezone(JST)
    assert f"[第12回 {twelfth:%Y-%m-%d}](https://zund-arm-on.com/episode/12)" in first
    assert "**推論**" in first
    message = result.message

    turned = await emulator.click(community.listener, message, button(message, emoji="▶️")["custom_id"])
    assert turned.responded
    assert description(message).startswith("**6.**")
    assert button(message, label="2/3")["disabled"]

    stranger = await emulator.click(community.english, message, button(message, emoji="▶️")["custom_id"])
    assert stranger.ephemeral
    assert stranger.content.startswith("Only the person who ran the command")
    assert description(message).startswith("**6.**")  # unchanged

    shared = await emulator.click(community.listener, message, button(message, label="共有")["custom_id"])
    public = await followup(shared)
    assert not public.ephemeral
    assert public.channel_id == community.general.id
    assert public.content == f"<@{community.listener.id}> さんが共有したのだ"
    assert public.embeds[0]["description"] == description(message)
    assert public.embeds[0]["title"] == "🔍「推論」の検索結果"
    assert emulator.pings(public).nobody
    assert button(message, label="共有")["disabled"]  # one share per answer
    assert description(message).startswith("**6.**")  # still on its page
    assert len([m for m in community.general.messages if not m.ephemeral]) == 1

    hostile = await emulator.slash(community.listener, community.general, "search", query="everyone 太字")
    text = description(hostile)
    assert "[偽リンク](https" not in text
    assert "@everyone" not in text.replace("\\@everyone", "")
    shared = await emulator.click(
        community.listener, hostile.message, button(hostile.message, label="共有")["custom_id"]
    )
    assert emulator.pings(await followup(shared)).nobody


async def test_what_listeners_type_is_forgiven(emulator: DiscordEmulator, community: Community, bot: ZundaBot) -> None:
    async def search(query: str, user: Any = community.listener, **options: str) -> InteractionResult:
        return await emulator.slash(user, community.general, "search", query=query, **options)

    for typed in ["ＧＰＴ－４ｏ", "gpt4o", "ｶﾞｿﾞｳ", "画像", "像", "画\u200b像", "ｶﾞ\u200dｿﾞ\ufeffｳ", "GPT\u00ad-4o"]:
        found = await search(typed)
        assert "[GPT-4oで画像生成]" in description(found), typed
    for hostile in ['"', "(推論 OR", "title:推論 ^ *", "NEAR(a b)", "推論 AND OR NOT", "-推論 -"]:
        answer = await search(hostile)
        assert answer.ephemeral, hostile
        assert answer.embeds or "見つからなかった" in answer.content or "探す言葉" in answer.content, hostile
    nothing = await search("🎉🎉🎉")
    assert nothing.content.startswith("探す言葉を入れてほしいのだ")
    hidden = await search("推\u200b論")  # a zero-width space copied along with the word
    assert hidden.embeds[0]["footer"]["text"] == "1/3 ページ・全 13 件"
    assert "**推論**" in description(hidden)
    pasted = await search("推論モデルの速さを比べた記事を読んで思ったことを書くのだ。" * 20)
    assert pasted.content.startswith("「推論モデルの速さを比べた記事を読んで思ったことを書くのだ。")
    assert "見つからなかったのだ" in pasted.content
    english = await search("存在しない言葉", user=community.english)
    assert english.content.startswith("No topics match")

    by_mc = await search("推論", mc="春日部つむぎ")
    assert by_mc.embeds[0]["footer"]["text"] == "1/1 ページ・全 4 件"
    assert description(by_mc).startswith("絞り込み: 出演者 春日部つむぎ")
    by_site = await search("推論", site="zenn.dev")
    assert "qiita" not in description(by_site).split("\n\n", 1)[1]
    day = make_episode(3).published.astimezone(JST).date().isoformat()
    dated = await search("推論", since=day, until=day)
    assert dated.embeds[0]["footer"]["text"] == "1/1 ページ・全 1 件"
    bad = await search("推論", since="昨日")
    assert bad.ephemeral
    assert bad.content == "「昨日」は日付として読めなかったのだ。2025-06-30 のように入力してほしいのだ。"


async def test_any_date_typed_into_an_option_is_answered(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    async def search(**options: str) -> InteractionResult:
        return await emulator.slash(community.listener, community.general, "search", query="推論", **options)

    for options, shown in [
        ({"since": "1960-01-01"}, "1960-01-01 以降"),
        ({"since": "1969-12-31"}, "1969-12-31 以降"),
        ({"until": "9999-12-31"}, "9999-12-31 まで"),
        ({"since": "0001-01-01", "until": "9999-12-31"}, "0001-01-01 以降・9999-12-31 まで"),
    ]:
        everything = await search(**options)
        assert everything.embeds, (options, everything.content)
        assert everything.embeds[0]["footer"]["text"] == "1/3 ページ・全 13 件", options
        assert description(everything).startswith(f"絞り込み: {shown}\n"), options
    for options in [{"since": "9999-12-31"}, {"until": "1969-12-31"}, {"since": "2106-03-01"}]:
        nothing = await search(**options)
        assert nothing.content.startswith("「推論」に合う話題は見つからなかったのだ。"), options

    for day in ["9999-12-31", "0001-01-01", "1969-12-31"]:
        topics = await emulator.slash(community.listener, community.general, "topics", date=day)
        assert topics.content == f"{day} のエピソードはないのだ。"


async def test_autocomplete_answers_within_discords_limits(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    titles = await emulator.autocomplete(community.listener, community.general, "search", focused="query", query="推")
    assert 1 <= len(titles.choices) <= 25
    assert titles.choice_names[0] == HOSTILE_TITLE  # newest first
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in titles.choices)
    empty = await emulator.autocomplete(community.listener, community.general, "search", focused="query", query="")
    assert empty.choice_names[:2] == ["長い回の話題0", "長い回の話題1"]

    by_number = await emulator.autocomplete(
        community.listener, community.general, "episode", focused="episode", episode="1"
    )
    assert [c["value"] for c in by_number.choices] == ["1", "15", "14", "13", "12", "11", "10"]
    day = make_episode(13).published.astimezone(JST)
    by_date = await emulator.autocomplete(
        community.listener, community.general, "episode", focused="episode", episode=f"{day:%Y-%m-%d}"
    )
    assert by_date.choice_names == [f"#13 {day:%Y-%m-%d} テスト放送局 podcast 13"]
    by_words = await emulator.autocomplete(
        community.listener, community.general, "episode", focused="episode", episode="画像生成"
    )
    assert by_words.choice_names == [f"#13 {day:%Y-%m-%d} GPT-4oで画像生成"]

    mcs = await emulator.autocomplete(community.listener, community.general, "search", focused="mc", query="x", mc="")
    assert mcs.choice_names == ["ずんだもん", "春日部つむぎ"]
    sites = await emulator.autocomplete(
        community.listener, community.general, "search", focused="site", query="x", site="zen"
    )
    assert [c["value"] for c in sites.choices] == ["zenn.dev"]


async def test_episode_latest_topics_random_and_stats(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    listener, general = community.listener, community.general
    shown = await emulator.slash(listener, general, "episode", episode="15")
    assert shown.ephemeral
    main = shown.message
    assert main.embeds[0]["title"] == "テスト放送局 podcast 15"
    assert button(main, label="お便りを送る")["custom_id"] == "zb:letter:15"
    assert button(main, label="1/3")["disabled"]  # the main message, then the summaries over two pages
    letter = await emulator.click(listener, main, "zb:letter:15")  # handled by the letters feature
    assert letter.modal is not None
    await emulator.click(listener, main, button(main, emoji="▶️")["custom_id"])
    assert main.embeds[0]["title"] == "1. 長い回の話題0"

    by_title = await emulator.slash(listener, general, "エピソード", options={"エピソード": "画像生成"})
    assert by_title.embeds[0]["title"] == "テスト放送局 podcast 13"
    missing = await emulator.slash(listener, general, "episode", episode="9999")
    assert missing.content == "「9999」に当たるエピソードが見つからなかったのだ。"

    latest = await emulator.slash(listener, general, "latest")
    assert latest.embeds[0]["title"] == "テスト放送局 podcast 15"

    topics = await emulator.slash(listener, general, "topics", episode="13")
    assert description(topics) == "1. [GPT-4oで画像生成](https://openai.com/gpt-4o) ・ openai\\.com"
    day = make_episode(2).published.astimezone(JST).date().isoformat()
    dated = await emulator.slash(listener, general, "topics", date=day)
    assert "推論モデルの話 その2" in description(dated)
    nothing = await emulator.slash(listener, general, "topics", date="1999-01-01")
    assert nothing.content == "1999-01-01 のエピソードはないのだ。"

    picked = await emulator.slash(listener, general, "random")
    assert picked.embeds[0]["author"]["name"] == "🎲 ランダムな話題"
    shared = await emulator.click(listener, picked.message, button(picked.message, label="共有")["custom_id"])
    assert emulator.pings(await followup(shared)).nobody

    stats = await emulator.slash(listener, general, "stats")
    fields = {field["name"]: field["value"] for field in stats.embeds[0]["fields"]}
    assert fields["エピソード"] == "15"
    assert fields["紹介した話題"] == "20"
    assert fields["MC 別エピソード数"] == "1. ずんだもん — 11 件\n2. 春日部つむぎ — 5 件"
    english = await emulator.slash(community.english, general, "stats")
    assert english.embeds[0]["title"] == "📊 Archive statistics"

    in_dm = await emulator.slash(listener, emulator.dm_channel(listener), "search", query="画像")
    assert "[GPT-4oで画像生成]" in description(in_dm)

    status = await emulator.slash(community.admin, general, "status")
    values = {field["name"]: field["value"] for field in status.embeds[0]["fields"]}
    assert values["検索"] == "35 件の話題と回を検索できるのだ"  # no developer words for hosts


async def test_the_index_follows_ingestion(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start()
    published = datetime.now(UTC) - timedelta(hours=1)
    topics = [("線香花火の科学", "https://example.com/hanabi", "火花が枝分かれする仕組みなのだ。")]
    post = write_post(bot_runner.posts, 501, published, topics=topics)
    await poll_now(emulator, bot)
    assert await queued(bot) > 0  # ingestion queued the documents; the background flush indexes them
    job = bot.scheduler.get_job(FLUSH_JOB)
    assert job is not None
    job.modify(next_run_time=datetime.now(UTC))
    for _ in range(100):
        if not await queued(bot):
            break
        await asyncio.sleep(0.05)
    assert await queued(bot) == 0

    async def titles(query: str) -> str:
        result = await emulator.slash(community.listener, community.general, "search", query=query)
        return description(result) if result.embeds else result.content

    assert "[線香花火の科学](https://example.com/hanabi)" in await titles("花火")

    write_post(bot_runner.posts, 501, published, topics=[("打ち上げ花火の色", "https://example.com/iro", "炎色反応。")])
    await poll_now(emulator, bot)
    assert await queued(bot) > 0
    pending = await emulator.slash(community.listener, community.general, "search", query="花火")
    assert pending.deferred  # the lookup indexed the queued change first, after deferring its answer
    assert pending.ephemeral
    assert "打ち上げ花火の色" in description(pending)
    assert "線香" not in await titles("花火")
    assert "打ち上げ花火の色" in await titles("炎色")

    post.unlink()
    await poll_now(emulator, bot)
    assert "見つからなかった" in await titles("花火")


async def test_a_queue_left_by_a_previous_run_is_indexed_at_start(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    async with await Store.open(bot_runner.database) as store:
        await store.episodes.upsert_many(archive())  # queued, never flushed: the process stopped here
    bot = await bot_runner.start()
    for _ in range(100):
        if not await queued(bot):
            break
        await asyncio.sleep(0.05)
    titles = await emulator.autocomplete(community.listener, community.general, "search", focused="query", query="推")
    assert titles.choice_names[0] == HOSTILE_TITLE


async def test_pager_buttons_expire_cleanly(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pager, "PAGER_TIMEOUT", 0.5)
    shown = await emulator.slash(community.listener, community.general, "episode", episode="15")
    main = shown.message
    await emulator.wait_until(lambda: not any(b.get("custom_id") for b in _buttons(main)), 5, "the pager to expire")
    assert [b["label"] for b in _buttons(main)] == ["音声を聴く", "エピソードページ"]
    assert main.embeds[0]["title"] == "テスト放送局 podcast 15"


async def test_past_the_cap_of_live_pagers_the_oldest_expires_early(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(expiring, "MAX_LIVE", 2)  # bounded memory: each live pager holds its interaction
    shown = [await emulator.slash(community.listener, community.general, "episode", episode="15") for _ in range(3)]
    first, second, third = (result.message for result in shown)
    await emulator.wait_until(lambda: not _pressable(first), 5, "the oldest to expire")
    assert first.embeds[0]["title"] == "テスト放送局 podcast 15"  # its page stays, with its links only
    for message in (second, third):
        turned = await emulator.click(community.listener, message, button(message, emoji="▶️")["custom_id"])
        assert turned.responded
        assert message.embeds[0]["title"] == "1. 長い回の話題0"  # the two newest still page
    assert expiring.live_count() == 2


@pytest.fixture
def short_tokens(emulator: DiscordEmulator, monkeypatch: pytest.MonkeyPatch) -> float:
    """Interaction tokens that live 3 s (Discord: 15 min), pagers that expire 1.5 s after the last press."""
    emulator.config.interaction_token_lifetime = 3.0
    monkeypatch.setattr(expiring, "TOKEN_LIFETIME", 3.0)
    monkeypatch.setattr(expiring, "TOKEN_MARGIN", 0.3)
    monkeypatch.setattr(pager, "PAGER_TIMEOUT", 1.5)
    return 3.0


def _pressable(message: Message) -> list[dict[str, Any]]:
    """The message's buttons that send presses to the bot (not its link buttons)."""
    return [b for b in _buttons(message) if b.get("custom_id")]


def removals(emulator: DiscordEmulator) -> list[Any]:
    """The edits of an interaction's original response that answered (token alive) with only links left."""
    return [
        r
        for r in emulator.requests_for("PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original")
        if "components" in r.body
        and not any(c.get("custom_id") for row in r.body["components"] for c in row.get("components", []))
    ]


async def test_buttons_pressed_late_expire_through_the_latest_token(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot, short_tokens: float
) -> None:
    listener = community.listener
    shown = await emulator.slash(listener, community.general, "episode", episode="15")
    message = shown.message
    presses = []
    for _ in range(2):  # each press restarts the timeout: the second one pushes it past the command's token
        await asyncio.sleep(1.0)
        presses.append(await emulator.click(listener, message, button(message, emoji="▶️")["custom_id"]))
    assert button(message, label="3/3")["disabled"]
    last_page = message.embeds[0]["title"]
    await emulator.wait_until(lambda: not _pressable(message), 5, "the pager's buttons to be removed")
    assert message.embeds[0]["title"] == last_page  # the page stays, without buttons
    (removal,) = removals(emulator)
    assert removal.status == 200
    assert presses[-1].record.token in removal.path  # the command's token had run out by then
    assert shown.record.token not in removal.path


async def test_presses_that_bring_no_token_never_outlive_the_held_one(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot, short_tokens: float
) -> None:
    listener = community.listener
    shown = await emulator.slash(listener, community.general, "episode", episode="15")
    message = shown.message
    community.general.set_overwrite(community.guild.everyone, deny=Permission.SEND_MESSAGES)  # type: ignore[arg-type]
    for _ in range(2):  # a refused 「共有」 answers with a new private message: its token cannot edit this one
        await asyncio.sleep(1.0)
        shared = await emulator.click(listener, message, button(message, label="共有")["custom_id"])
        assert shared.content.startswith("このチャンネルではメッセージを送る権限がない")
    await emulator.wait_until(lambda: not _pressable(message), 5, "the pager's buttons to be removed")
    (removal,) = removals(emulator)
    assert removal.status == 200
    assert shown.record.token in removal.path  # removed before it ran out, sooner than 1.5 s after the press


async def test_a_search_answer_keeps_nothing_alive_and_pages_after_a_restart(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot, bot_runner: BotRunner
) -> None:
    live_before = expiring.live_count()
    gc.collect()
    views_before = sum(isinstance(item, discord.ui.View) for item in gc.get_objects())
    shown = [await emulator.slash(community.listener, community.general, "search", query="推論") for _ in range(20)]
    gc.collect()
    assert sum(isinstance(item, discord.ui.View) for item in gc.get_objects()) <= views_before  # no view per answer
    assert expiring.live_count() == live_before
    message = shown[0].message

    restarted = await bot_runner.restart()
    turned = await emulator.click(community.listener, message, button(message, emoji="▶️")["custom_id"])
    assert turned.responded
    assert description(message).startswith("**6.**")
    assert button(message, label="2/3")["disabled"]
    stranger = await emulator.click(community.english, message, button(message, emoji="▶️")["custom_id"])
    assert stranger.content.startswith("Only the person who ran the command")

    await restarted.store.db.conn.execute("UPDATE search_requests SET created_ts = created_ts - 2 * 86400")
    await restarted.store.db.conn.commit()
    late = await emulator.click(community.listener, message, button(message, emoji="▶️")["custom_id"])
    assert late.ephemeral
    assert late.content.startswith("この検索結果は古くなったので")
    assert description(message).startswith("**6.**")  # the page stays as it was


async def followup(result: InteractionResult) -> Message:
    """The one follow-up message of an interaction (「共有」 posts it after updating the private answer)."""
    await result.wait(lambda r: r.followups)
    [message] = result.followups
    return message


async def queued(bot: ZundaBot) -> int:
    return int(await bot.store.db.scalar("SELECT count(*) FROM search_queue"))


def _buttons(message: Message) -> list[dict[str, Any]]:
    return [c for row in message.components for c in row.get("components", []) if c.get("type") == 2]


async def test_long_option_values_are_echoed_short(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    """Discord options hold up to 6000 characters; an answer echoing one whole would exceed 2000 and fail."""
    long = "[x](https://evil.example) " + "ぞ" * 3000
    answers = [
        await emulator.slash(community.listener, community.general, "search", query=long),
        await emulator.slash(community.listener, community.general, "search", query="推論", since=long),
        await emulator.slash(community.listener, community.general, "episode", episode=long),
        await emulator.slash(community.listener, community.general, "topics", episode=long),
        await emulator.slash(community.listener, community.general, "topics", date=long),
    ]
    for answer in answers:
        assert not answer.rejected
        assert answer.ephemeral
        text = answer.content
        assert len(text) < 400, text
        assert "ぞ" * 50 in text
        assert "…" in text
        assert "](" not in re.sub(r"\\.", "", text)


async def test_share_needs_send_messages_and_shows_the_query_short(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    listener, general = community.listener, community.general
    general.set_overwrite(community.guild.everyone, deny=Permission.SEND_MESSAGES)  # type: ignore[arg-type]
    long_query = "推論 " + "-[偽](https://evil.invalid) " * 10  # exclusions that exclude nothing
    shown = await emulator.slash(listener, general, "search", query=long_query)
    message = shown.message
    refused = await emulator.click(listener, message, button(message, label="共有")["custom_id"])
    assert refused.ephemeral
    assert refused.content.startswith("このチャンネルではメッセージを送る権限がない")
    assert not [m for m in general.messages if not m.ephemeral]
    assert not button(message, label="共有")["disabled"]  # may share once allowed
    english = await emulator.slash(community.english, general, "search", query="推論")
    in_english = await emulator.click(
        community.english, english.message, button(english.message, label="Share")["custom_id"]
    )
    assert in_english.content.startswith("You cannot send messages in this channel")

    general.set_overwrite(community.guild.everyone)  # type: ignore[arg-type]
    shared = await emulator.click(listener, message, button(message, label="共有")["custom_id"])
    public = await followup(shared)
    title = public.embeds[0]["title"]
    assert title.startswith("🔍「推論 \\-\\[偽\\]\\(https\\://evil\\.invalid\\)")
    assert title.endswith("…」の検索結果")
    assert len(re.sub(r"\\(.)", r"\1", title)) == len("🔍「」の検索結果") + 50
    assert "](" not in re.sub(r"\\.", "", title)
    assert len(message.embeds[0]["title"]) > 100  # the private answer keeps the long query


async def test_share_in_a_thread_needs_send_messages_in_threads(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    async with await Store.open(bot_runner.database) as store:
        await store.episodes.upsert_many(archive())
        await store.search.flush()
    bot = await bot_runner.start(announce_channel_ids=[community.general.id])
    await settled(emulator, bot)
    write_post(bot_runner.posts, 389, datetime.now(UTC) - timedelta(minutes=5))
    await poll_now(emulator, bot)
    [announcement] = [m for m in community.general.messages if m.author.id == emulator.bot.id]
    thread = announcement.thread
    assert thread is not None
    everyone = community.guild.everyone
    community.general.set_overwrite(everyone, deny=Permission.SEND_MESSAGES_IN_THREADS)  # type: ignore[arg-type]
    shown = await emulator.slash(community.listener, thread, "search", query="推論")
    refused = await emulator.click(community.listener, shown.message, button(shown.message, label="共有")["custom_id"])
    assert refused.content.startswith("このチャンネルではメッセージを送る権限がない")
    community.general.set_overwrite(everyone, deny=Permission.SEND_MESSAGES)  # type: ignore[arg-type]
    shared = await emulator.click(community.listener, shown.message, button(shown.message, label="共有")["custom_id"])
    public = await followup(shared)
    assert public.channel_id == thread.id


async def test_searches_work_on_the_one_lookup_thread_never_on_the_loop(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CPU work of a search (analysing the query, rendering its page) runs on the lookup thread, one search
    after another (bot/search/worker.py), whatever the number of searches at once."""
    seen: list[str] = []
    cog = bot.get_cog("Lookup")
    assert cog is not None
    lookup_cog = sys.modules[type(cog).__module__]  # the module the running bot loaded (extensions reload it)
    real_page = lookup_cog.search_page

    def page(*args: Any, **kwargs: Any) -> dict[str, object]:
        seen.append(threading.current_thread().name)
        return real_page(*args, **kwargs)

    monkeypatch.setattr(lookup_cog, "search_page", page)
    results = await asyncio.gather(
        *(
            emulator.slash(community.listener, community.general, "search", query=word)
            for word in ("推論", "話題", "モデル")
        )
    )
    assert all(result.embeds for result in results)
    assert len(seen) == 3
    assert all(name.startswith("zundabot-lookup") for name in seen)
    assert len(set(seen)) == 1


async def test_a_search_the_disk_cannot_keep_still_shows_its_first_page(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    await fill_the_disk(bot)

    async def keep_requests(words: str) -> None:
        for _ in range(10_000):
            await bot.store.search_requests.remember(SearchRequest(community.host.id, words))

    for words in ("推論" * 200, "推論"):  # and the room left in the requests' own pages
        with pytest.raises(sqlite3.OperationalError, match="full"):
            await keep_requests(words)
    shown = await emulator.slash(community.listener, community.general, "search", query="推論")
    assert shown.ephemeral
    assert description(shown).startswith("**1.**")  # the first page, as usual
    assert "**5.**" in description(shown)
    assert "今は検索を保存できないので、最初のページだけ" in shown.content
    assert not shown.message.components  # no buttons leading to a request that was never kept
    nothing = await emulator.slash(community.listener, community.general, "search", query="存在しない言葉ずんだ")
    assert nothing.content.startswith("「存在しない言葉ずんだ」に合う話題は見つからなかった")


async def test_share_tapped_twice_at_once_posts_the_page_once(
    emulator: DiscordEmulator, community: Community, bot: ZundaBot
) -> None:
    result = await emulator.slash(community.listener, community.general, "search", query="推論")
    share = button(result.message, label="共有")["custom_id"]
    taps = await asyncio.gather(*(emulator.click(community.listener, result.message, share) for _ in range(2)))
    refused = [tap for tap in taps if tap.ephemeral and tap.content.startswith("この結果はもう共有したのだ")]
    assert len(refused) == 1  # a double tap on a phone: the second is told, privately
    await followup(next(tap for tap in taps if tap not in refused))
    public = [m for m in community.general.messages if not m.ephemeral]
    assert len(public) == 1
    assert public[0].content == f"<@{community.listener.id}> さんが共有したのだ"
    assert button(result.message, label="共有")["disabled"]
