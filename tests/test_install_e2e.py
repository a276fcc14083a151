"""Search from anywhere: lookup and /follow are installable by users; server commands stay in servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from discord_emulator import DiscordEmulator, EmulatorUsageError
from tests.harness import BotRunner, Community
from tests.test_announce_e2e import settled, write_post

EVERYWHERE = {"search", "episode", "latest", "follow"}


async def test_commands_declare_where_they_can_be_installed_and_used(
    emulator: DiscordEmulator, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start()
    await settled(emulator, bot)
    commands = {c.name: c.data for c in emulator.commands.list()}
    for name in EVERYWHERE:
        assert sorted(commands[name]["integration_types"]) == [0, 1], name
        assert sorted(commands[name]["contexts"]) == [0, 1, 2], name
    for name in set(commands) - EVERYWHERE:
        assert commands[name].get("integration_types") == [0], name
    for name in ("letters", "settings", "announce", "status"):
        data = commands[name]
        assert data.get("contexts") == [0] or (data.get("contexts") is None and data["dm_permission"] is False), name


async def test_a_user_install_answers_in_dms_and_in_servers_without_the_bot(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    write_post(bot_runner.posts, 3, datetime.now(UTC) - timedelta(hours=1))
    bot = await bot_runner.start()
    await settled(emulator, bot)
    fan = emulator.create_user("fan")
    emulator.install_for_user(fan)
    elsewhere = emulator.create_guild("よその鯖", owner=fan)
    emulator.world.remove_bot(elsewhere)
    lobby = elsewhere.create_channel("lobby")
    dm = emulator.dm_channel(fan)

    for channel in (dm, lobby):
        found = await emulator.slash(fan, channel, "search", query="言語モデル")
        assert found.ephemeral
        assert "小さな言語モデルを手元で動かす" in str(found.embeds) + found.content
        latest = await emulator.slash(fan, channel, "latest")
        assert latest.ephemeral
        assert "テスト放送局" in str(latest.embeds) + latest.content
        episode = await emulator.slash(fan, channel, "episode", episode="3")
        assert episode.ephemeral
        assert "小さな言語モデル" in str(episode.embeds) + episode.content
        assert found.record.payload["authorizing_integration_owners"]["1"] == str(fan.id)

    followed = await emulator.slash(fan, lobby, "follow word", word="画像生成")
    assert followed.ephemeral
    assert [f.guild_id for f in await bot.store.follows.of_user(fan.id)] == [0]  # not a server the bot is in

    for command, options in (("letters list", {}), ("settings show", {}), ("status", {})):
        with pytest.raises(EmulatorUsageError):
            await emulator.slash(fan, lobby, command, **options)


async def test_a_user_install_answers_privately_in_a_group_dm(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    write_post(bot_runner.posts, 4, datetime.now(UTC) - timedelta(hours=1))
    bot = await bot_runner.start()
    await settled(emulator, bot)
    fan, friend = emulator.create_user("fan"), emulator.create_user("friend")
    group = emulator.group_dm(fan, friend, name="ずんだ仲間")
    with pytest.raises(EmulatorUsageError):  # the bot is in no group DM: without a user install, nothing answers
        await emulator.slash(fan, group, "search", query="言語モデル")
    emulator.install_for_user(fan)

    found = await emulator.slash(fan, group, "search", query="言語モデル")
    assert found.ephemeral
    assert "小さな言語モデルを手元で動かす" in str(found.embeds) + found.content
    assert found.record.payload["context"] == 2  # PRIVATE_CHANNEL
    assert found.record.payload["authorizing_integration_owners"] == {"1": str(fan.id)}
    assert group.messages == []  # nothing public in the group
    for command in ("status", "settings show"):
        with pytest.raises(EmulatorUsageError):
            await emulator.slash(fan, group, command)
