"""The Discord port on the emulator: Discord's errors become the announcer's, and its idempotent answers count as done.

Each case is a state of the emulated Discord (a deleted channel, a denied permission, a body Discord
refuses, a thread already archived…) reached through the bot's real discord.py HTTP client.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
import pytest

from bot.announce.pacing import Pacer
from bot.announce.port import (
    ChannelGone,
    ChannelKind,
    DeliveryError,
    MessageGone,
    MissingAccess,
    PayloadRejected,
    TemporaryFailure,
)
from bot.app import ZundaBot
from cogs.announce import DiscordPort
from discord_emulator import Channel, DiscordEmulator, Permission
from tests.harness import Community

MESSAGE = {"content": "お知らせなのだ", "allowed_mentions": {"parse": []}}
UNKNOWN_ID = 1_000_000_000_000_000_000


def port_of(bot: ZundaBot, *, cached: bool = True) -> DiscordPort:
    """A port on the bot's HTTP client; ``cached=False`` makes it read every channel over REST."""
    if cached:
        return DiscordPort(bot, Pacer(1e9))
    uncached = SimpleNamespace(http=bot.http, user=bot.user, get_channel=lambda channel_id: None)
    return DiscordPort(uncached, Pacer(1e9))  # type: ignore[arg-type]


def denied(community: Community, permission: Permission) -> Channel:
    channel = community.guild.create_channel(f"denied-{permission.name}".lower())
    channel.set_overwrite(community.guild.bot_role, deny=int(permission))  # type: ignore[arg-type]
    return channel


async def test_errors_are_mapped(emulator: DiscordEmulator, community: Community, running_bot: ZundaBot) -> None:
    port = port_of(running_bot)
    message = await port.create_message(community.general.id, MESSAGE)
    cases: list[tuple[int, Any, int, int, type[DeliveryError]]] = [
        (UNKNOWN_ID, port.create_message(UNKNOWN_ID, MESSAGE), 404, 10003, ChannelGone),
        (community.general.id, port.edit_message(community.general.id, UNKNOWN_ID, MESSAGE), 404, 10008, MessageGone),
    ]
    no_send = denied(community, Permission.SEND_MESSAGES)
    cases.append((no_send.id, port.create_message(no_send.id, MESSAGE), 403, 50013, MissingAccess))
    no_view = denied(community, Permission.VIEW_CHANNEL)
    cases.append((no_view.id, port.create_message(no_view.id, MESSAGE), 403, 50001, MissingAccess))
    too_long = {**MESSAGE, "embeds": [{"title": "t" * 300}]}
    cases.append(
        (community.general.id, port.create_message(community.general.id, too_long), 400, 50035, PayloadRejected)
    )
    for channel_id, call, status, code, expected in cases:
        with pytest.raises(expected) as raised:
            await call
        assert (raised.value.channel_id, raised.value.status, raised.value.code) == (channel_id, status, code)
    emulator.take_schema_violations()  # the over-long embed title was sent on purpose
    emulator.faults.fail_next(1, status=503, route="POST /channels/{channel_id}/messages")
    with pytest.raises(TemporaryFailure) as raised:
        await port.create_message(community.general.id, MESSAGE)
    assert (raised.value.channel_id, raised.value.status) == (community.general.id, 503)
    assert int(message["id"]) in {m.id for m in community.general.messages}


async def test_long_rate_limits_are_temporary(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    emulator.faults.storm_429(1, retry_after=120, route="POST /channels/{channel_id}/messages")
    with pytest.raises(TemporaryFailure, match="rate limited for 120 s"):
        await port_of(running_bot).create_message(community.general.id, MESSAGE)


async def test_network_errors_are_temporary() -> None:
    """A dropped connection never reaches Discord (nor the emulator): the client's error itself is the input."""

    class Unreachable:
        async def request(self, route: discord.http.Route, **kwargs: Any) -> Any:
            raise aiohttp.ClientOSError(104, "connection reset")

    bot = SimpleNamespace(http=Unreachable(), user=SimpleNamespace(id=77), get_channel=lambda channel_id: None)
    with pytest.raises(TemporaryFailure, match="connection reset"):
        await DiscordPort(bot, Pacer(1e9)).create_message(5, {})  # type: ignore[arg-type]


async def test_already_crossposted_and_already_threaded_count_as_done(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    # Publishing's hourly window is not what this test is about (and discord.py, given max_ratelimit_timeout,
    # refuses any request of a bucket whose reset is further away than that timeout, even with room left).
    emulator.config.ratelimits.publish_window = 5.0
    port = port_of(running_bot)
    news = community.news.id
    first = int((await port.create_message(news, MESSAGE))["id"])
    second = int((await port.create_message(news, MESSAGE))["id"])
    await port.crosspost(news, first)
    await port.crosspost(news, first)  # Discord: "already crossposted"
    thread = await port.start_thread(news, first, {"name": "スレッド"})
    assert thread == first  # a message's thread has the message's id
    assert await port.start_thread(news, first, {"name": "もう一度"}) == first  # "already has a thread"
    assert await port.start_thread(news, second, {"name": "別の"}) == second
    assert [r.response["code"] for r in emulator.requests_for("/crosspost") if r.status == 400] == [40033]
    assert [r.response["code"] for r in emulator.requests_for("/threads") if r.status == 400] == [160004]
    text_message = int((await port.create_message(community.general.id, MESSAGE))["id"])
    with pytest.raises(PayloadRejected):
        await port.crosspost(community.general.id, text_message)  # only announcement channels publish


async def test_archived_thread_is_unarchived_then_the_edit_retried(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    port = port_of(running_bot)
    main = int((await port.create_message(community.general.id, MESSAGE))["id"])
    thread_id = await port.start_thread(community.general.id, main, {"name": "スレッド"})
    part = int((await port.create_message(thread_id, MESSAGE))["id"])
    thread = emulator.world.channels[thread_id]
    thread.archive()
    before = len(emulator.requests)
    assert int((await port.edit_message(thread_id, part, {"content": "new"}))["id"]) == part
    calls = emulator.requests[before:]
    assert [(r.method, r.route, r.status) for r in calls] == [
        ("PATCH", "PATCH /channels/{channel_id}/messages/{message_id}", 400),
        ("PATCH", "PATCH /channels/{channel_id}", 200),
        ("PATCH", "PATCH /channels/{channel_id}/messages/{message_id}", 200),
    ]
    assert calls[1].body == {"archived": False}
    assert not thread.archived


async def test_deleting_a_deleted_message_is_fine(community: Community, running_bot: ZundaBot) -> None:
    port = port_of(running_bot)
    message = int((await port.create_message(community.general.id, MESSAGE))["id"])
    await port.delete_message(community.general.id, message)
    await port.delete_message(community.general.id, message)  # Discord: "Unknown Message"
    assert all(m.id != message for m in community.general.messages)


async def test_channel_info_from_rest_when_not_cached(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    forum = community.guild.create_channel("tagged", "forum", tags=["ずんだもん"], require_tag=True)
    category = community.guild.create_channel("category", "category")
    port = port_of(running_bot, cached=False)
    before = len(emulator.requests)
    info = await port.channel(forum.id)
    [tag] = forum.available_tags
    assert (info.guild_id, info.kind, dict(info.tags), info.requires_tag) == (
        community.guild.id,
        ChannelKind.FORUM,
        {"ずんだもん": tag.id},
        True,
    )
    assert [r.route for r in emulator.requests[before:]] == ["GET /channels/{channel_id}"]
    with pytest.raises(PayloadRejected, match="not a text, announcement or forum channel"):
        await port.channel(category.id)


async def test_forum_threads_combines_active_and_archived_posts(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    port = port_of(running_bot)
    forum = community.forum
    [tag, *_] = forum.available_tags
    body = {"name": "投稿", "message": MESSAGE, "applied_tags": [str(tag.id)]}
    active = await port.create_forum_post(forum.id, body)
    archived = await port.create_forum_post(forum.id, {**body, "name": "古い投稿"})
    emulator.world.channels[archived].archive()
    before = len(emulator.requests)
    assert sorted(int(t["id"]) for t in await port.forum_threads(forum.id, community.guild.id)) == sorted(
        [active, archived]
    )
    assert emulator.requests[before].route == "GET /guilds/{guild_id}/threads/active"
