"""Following a topic end to end: listeners follow words with /follow, an announced episode DMs them once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

from bot.app import ZundaBot
from bot.store.follows import Outcome
from cogs.follow import Follows
from discord_emulator import DiscordEmulator, Message, User
from tests.announce_fakes import SimulatedCrash
from tests.harness import BotRunner, Community
from tests.test_announce_e2e import TOPICS, bot_messages, poll_now, settled, write_post

NEW_TOPIC = ("画像生成モデルの比較", "https://example.com/articles/image-gen", "最新の画像生成モデルを比べたのだ。")


def follows_cog(bot: ZundaBot) -> Follows:
    cog = bot.get_cog("Follows")
    assert type(cog).__name__ == "Follows"
    return cast(Follows, cog)


async def start(runner: BotRunner, community: Community) -> ZundaBot:
    bot = await runner.start(announce_channel_ids=[community.general.id, community.news.id, community.forum.id])
    await settled(runner.emu, bot)
    return bot


async def follow(emu: DiscordEmulator, community: Community, user: User, *words: str) -> list[str]:
    answers = []
    for word in words:
        result = await emu.slash(user, community.general, "follow word", word=word)
        assert result.ephemeral
        answers.append(result.content)
    return answers


async def outbox_idle(emu: DiscordEmulator, bot: ZundaBot, user_id: int) -> None:
    async def pending() -> bool:
        return any(state != "done" for state, _ in await bot.store.follows.notices_of(user_id))

    deadline = asyncio.get_running_loop().time() + 20
    while await pending():
        assert asyncio.get_running_loop().time() < deadline, "follow notices still pending"
        await asyncio.sleep(0.05)


async def announce(emu: DiscordEmulator, bot: ZundaBot, runner: BotRunner, number: int, **post: object) -> None:
    write_post(runner.posts, number, datetime.now(UTC) - timedelta(minutes=2), **post)  # type: ignore[arg-type]
    await poll_now(emu, bot)


async def test_matching_topics_are_dmed_once_per_episode_however_many_channels_and_words(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await start(bot_runner, community)
    listener, english = community.listener, community.english
    answers = await follow(emulator, community, listener, "言語モデル", "MYPY", "ｍｙｐｙ", "ブロックチェーン")
    assert "（1/20）" in answers[0]
    assert "もうフォロー" in answers[2]  # full-width and case do not make a second word
    await follow(emulator, community, english, "blockchain")

    await announce(emulator, bot, bot_runner, 5)
    await emulator.wait_until(lambda: len(emulator.dms(listener)) >= 1, 20, "the follower's DM")
    await outbox_idle(emulator, bot, listener.id)
    [dm] = emulator.dms(listener)  # three channels announced it, two words matched: one DM
    assert "小さな言語モデルを手元で動かす" in dm.content
    assert "型ヒントで壊れにくいコードを書く" in dm.content  # "mypy" is in its summary
    assert "ベクトル検索" not in dm.content
    [main] = bot_messages(emulator, community.general)
    assert main.thread is not None
    guild = community.guild.id
    assert (
        f"https://discord.com/channels/{guild}/{community.general.id}/{main.id}" in dm.content
        or f"https://discord.com/channels/{guild}/{community.news.id}/" in dm.content
        or f"https://discord.com/channels/{guild}/{community.forum.posts[0].id}" in dm.content
    )
    assert f"https://discord.com/channels/{guild}/" in dm.content
    assert emulator.pings(dm).nobody
    assert emulator.dms(english) == []  # nothing matched

    # An edit that adds no matching topic sends nothing; one that adds a matching topic sends only it.
    await follow(emulator, community, listener, "画像生成")
    sent = len(emulator.dms(listener))
    bot = await bot_runner.restart()
    await settled(emulator, bot)
    await asyncio.sleep(0.3)
    assert len(emulator.dms(listener)) == sent  # a restart sends nothing again
    await announce(emulator, bot, bot_runner, 5, title="テスト放送局 訂正版")
    await outbox_idle(emulator, bot, listener.id)
    assert len(emulator.dms(listener)) == sent
    await announce(emulator, bot, bot_runner, 5, title="テスト放送局 訂正版", topics=[*TOPICS, NEW_TOPIC])
    await emulator.wait_until(lambda: len(emulator.dms(listener)) == sent + 1, 20, "the DM about the new topic")
    await outbox_idle(emulator, bot, listener.id)
    second = emulator.dms(listener)[-1]
    assert "画像生成モデルの比較" in second.content
    assert "小さな言語モデル" not in second.content
    assert len(emulator.dms(listener)) == sent + 1


async def test_closed_dms_are_recorded_and_the_opt_in_thread_mention_replaces_them(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    shy = emulator.create_user("shy", dms_open=False)
    community.guild.add_member(shy)
    bot = await start(bot_runner, community)
    await follow(emulator, community, shy, "言語モデル")
    await announce(emulator, bot, bot_runner, 6)
    await outbox_idle(emulator, bot, shy.id)
    assert await bot.store.follows.notices_of(shy.id) == [("done", Outcome.CLOSED.value)]
    [main] = bot_messages(emulator, community.general)
    assert main.thread is not None
    assert all(shy.id not in emulator.pings(m).user_ids for m in main.thread.messages)  # no ping by default

    status = await emulator.slash(community.admin, community.general, "status")
    [field] = [f for e in status.embeds for f in e.get("fields", []) if f["name"] == "フォロー"]
    assert "DM が閉じていた 1 件" in field["value"]
    listing = await emulator.slash(shy, community.general, "follow list")
    assert "DM が閉じていて" in listing.content
    assert "zb:follow:mention-on" in listing.custom_ids
    pressed = await emulator.click(shy, listing.message, "zb:follow:mention-on")
    assert "zb:follow:mention-off" in pressed.custom_ids
    assert (await bot.store.follows.prefs(shy.id)).thread_mention

    await announce(emulator, bot, bot_runner, 7)
    await outbox_idle(emulator, bot, shy.id)
    assert [o for _, o in await bot.store.follows.notices_of(shy.id)] == ["closed", "thread"]
    threads = [m.thread for m in bot_messages(emulator, community.general) if m.thread is not None]
    mentions: list[Message] = [m for t in threads for m in t.messages if f"<@{shy.id}>" in m.content]
    [mention] = mentions
    pings = emulator.pings(mention)
    assert pings.user_ids == {shy.id}
    assert not pings.role_ids
    assert not pings.everyone


@pytest.mark.parametrize(("step", "forget_nonces"), [("send:dm", True), ("sent:dm", True), ("sent:dm", False)])
async def test_a_crash_around_the_dm_neither_loses_nor_repeats_it(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner, step: str, forget_nonces: bool
) -> None:
    bot = await start(bot_runner, community)
    user = community.listener
    await follow(emulator, community, user, "言語モデル")
    reached = asyncio.Event()

    async def die_at(name: str) -> None:
        if name == step:
            reached.set()
            raise SimulatedCrash(name)

    follows_cog(bot).outbox.checkpoint = die_at
    write_post(bot_runner.posts, 10, datetime.now(UTC) - timedelta(minutes=1))
    await poll_now(emulator, bot)
    await asyncio.wait_for(reached.wait(), 20)
    await bot_runner.crash()
    if forget_nonces:
        emulator.messaging.nonce_window = 0  # Discord forgot the nonce: the DM must be found, not sent again
    bot = await bot_runner.start()
    await emulator.wait_until(lambda: len(emulator.dms(user)) >= 1, 20, f"the DM after a crash at {step}")
    await outbox_idle(emulator, bot, user.id)
    await asyncio.sleep(0.2)
    assert len(emulator.dms(user)) == 1
    assert await bot.store.follows.notices_of(user.id) == [("done", "dm")]


async def test_a_listener_who_left_the_server_loses_their_follows_there(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await start(bot_runner, community)
    await follow(emulator, community, community.listener, "言語モデル", "mypy")
    community.guild.remove_member(community.listener)  # the bot is not told (no members intent)
    await announce(emulator, bot, bot_runner, 8)
    await outbox_idle(emulator, bot, community.listener.id)
    assert emulator.dms(community.listener) == []
    assert await bot.store.follows.of_user(community.listener.id) == []
    assert await bot.store.follows.notices_of(community.listener.id) == [("done", Outcome.LEFT.value)]


async def test_follow_from_a_dm_is_matched_in_any_server_and_links_to_the_page(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await start(bot_runner, community)
    fan = emulator.create_user("fan")  # not a member of the server: installed the app for themselves
    dm = emulator.dm_channel(fan)
    result = await emulator.slash(fan, dm, "follow word", word="ベクトル検索")
    assert "どのサーバーの告知でも" in result.content
    listing = await emulator.slash(fan, dm, "follow list")
    assert "ベクトル検索" in listing.content
    assert "どこでも" in listing.content
    await announce(emulator, bot, bot_runner, 9)
    await emulator.wait_until(
        lambda: len([m for m in emulator.dms(fan) if m.author.id == emulator.bot.id]) >= 1, 20, "the DM"
    )
    await outbox_idle(emulator, bot, fan.id)
    [notice] = [m for m in emulator.dms(fan) if m.author.id == emulator.bot.id and "🔔" in m.content]
    assert "ベクトル検索の落とし穴" in notice.content
    assert "https://discord.com/channels/" not in notice.content  # not a member: no links into the server
    assert "エピソード" in notice.content


async def test_limits_refusals_removal_and_forgetting_everything(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await start(bot_runner, community)
    listener = community.listener
    await follow(emulator, community, listener, *(f"言葉{i}" for i in range(20)))
    full = await emulator.slash(listener, community.general, "follow word", word="もう一つ")
    assert "20 個まで" in full.content
    blank = await emulator.slash(listener, community.general, "follow word", word="\u200b")
    assert "空っぽ" in blank.content
    control = await emulator.slash(listener, community.general, "follow word", word="a\x07b")
    assert "制御文字" in control.content
    choices = await emulator.autocomplete(listener, community.general, "follow remove", focused="word", word="言葉1")
    assert "言葉1" in choices.choice_names
    removed = await emulator.slash(listener, community.general, "follow remove", word="言葉1")
    assert "やめた" in removed.content
    assert len(await bot.store.follows.of_user(listener.id)) == 19
    again = await emulator.slash(listener, community.general, "follow remove", word="言葉1")
    assert "フォローしていない" in again.content
    listing = await emulator.slash(listener, community.general, "follow list")
    assert "（19/20）" in listing.content
    gone = await emulator.click(listener, listing.message, "zb:follow:forget")
    assert "すべて消した" in gone.content
    assert await bot.store.follows.of_user(listener.id) == []


async def test_an_announcement_not_matched_before_a_crash_is_caught_up_after_the_restart(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await start(bot_runner, community)
    await follow(emulator, community, community.listener, "言語モデル")
    reached = asyncio.Event()

    async def dies(*args: object) -> int:
        reached.set()
        raise SimulatedCrash("before matching")

    follows_cog(bot).match = dies  # type: ignore[method-assign]
    write_post(bot_runner.posts, 11, datetime.now(UTC) - timedelta(minutes=1))
    bot.scheduler.get_job("announce:poll").modify(next_run_time=datetime.now(UTC))  # type: ignore[union-attr]
    await asyncio.wait_for(reached.wait(), 20)
    await settled(emulator, bot)
    await bot_runner.crash()
    assert emulator.dms(community.listener) == []

    bot = await bot_runner.start()
    await emulator.wait_until(lambda: len(emulator.dms(community.listener)) == 1, 20, "the caught-up DM")
    await outbox_idle(emulator, bot, community.listener.id)
    assert len(emulator.dms(community.listener)) == 1


async def test_a_forum_announcement_links_the_dm_to_its_post(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start(announce_channel_ids=[community.forum.id])
    await settled(emulator, bot)
    await follow(emulator, community, community.listener, "言語モデル")
    await announce(emulator, bot, bot_runner, 12)
    await emulator.wait_until(lambda: len(emulator.dms(community.listener)) == 1, 20, "the DM")
    [post] = community.forum.posts
    [dm] = emulator.dms(community.listener)
    assert f"https://discord.com/channels/{community.guild.id}/{post.id}" in dm.content


async def test_429s_back_the_dm_off_and_it_goes_out_later_once(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await start(bot_runner, community)
    await follow(emulator, community, community.listener, "言語モデル")
    # discord.py tries a request five times before giving up: the first attempt at the DM fails.
    emulator.faults.storm_429(5, retry_after=0.01, route="POST /users/@me/channels")
    await announce(emulator, bot, bot_runner, 13)

    async def attempts() -> int:
        row = await bot.store.db.fetchone("SELECT attempts, state FROM follow_notices")
        return 0 if row is None else int(row[0])

    for _ in range(100):
        if await attempts():
            break
        await asyncio.sleep(0.1)
    assert await attempts() == 1
    assert emulator.dms(community.listener) == []
    await follows_cog(bot).tick()
    assert emulator.dms(community.listener) == []  # not before its backoff
    bot.store.clock = lambda: datetime.now(UTC) + timedelta(minutes=1)  # past the first backoff (30 s)
    await follows_cog(bot).tick()
    await outbox_idle(emulator, bot, community.listener.id)
    assert len(emulator.dms(community.listener)) == 1
    assert await bot.store.follows.notices_of(community.listener.id) == [("done", "dm")]
