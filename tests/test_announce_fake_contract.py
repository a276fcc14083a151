"""The announcer's in-memory Discord (tests/announce_fakes.py) held to the emulator: same scenarios, same answers.

The announcer's unit tests run on ``FakeDiscord`` for speed; every behaviour of Discord they rely on —
nonce deduplication per channel and author and for a few minutes only, "already has a thread", "already
crossposted", unknown channels and messages — is run here on both, through the :class:`~bot.announce.port.Port`
the announcer uses (on the emulator: the bot's real discord.py client).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bot.announce.ledger import with_nonce
from bot.announce.pacing import Pacer
from bot.announce.port import ChannelGone, ChannelKind, MessageGone, MissingAccess, Port
from bot.app import ZundaBot
from cogs.announce import DiscordPort
from discord_emulator import DiscordEmulator, Permission
from tests.announce_fakes import FakeDiscord
from tests.harness import Community

BODY = {"content": "お知らせなのだ", "allowed_mentions": {"parse": []}}
UNKNOWN_ID = 1_000_000_000_000_000_000


@dataclass
class World:
    """One Discord as the scenarios see it: a port, channels to use, and Discord forgetting its nonces."""

    port: Port
    guild_id: int
    text: Callable[[], int]
    news: Callable[[], int]
    forum: Callable[[], int]
    locked: Callable[[], int]
    forget_nonces: Callable[[], None]
    messages_in: Callable[[int], int]


def locked_fake(fake: FakeDiscord) -> int:
    channel = fake.add_channel(ChannelKind.TEXT)
    channel.can_send = False
    return channel.id


def locked_emulated(community: Community, name: str) -> int:
    channel = community.guild.create_channel(name)
    channel.set_overwrite(community.guild.bot_role, deny=int(Permission.SEND_MESSAGES))  # type: ignore[arg-type]
    return channel.id


@pytest.fixture(params=["fake", "emulator"])
async def world(
    request: pytest.FixtureRequest, emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> World:
    if request.param == "fake":
        fake = FakeDiscord()
        return World(
            fake,
            1,
            lambda: fake.add_channel(ChannelKind.TEXT).id,
            lambda: fake.add_channel(ChannelKind.NEWS).id,
            lambda: fake.add_channel(ChannelKind.FORUM).id,
            lambda: locked_fake(fake),
            fake.forget_nonces,
            lambda channel_id: len(fake.bot_messages(channel_id)),
        )
    names = iter(range(1000))

    # discord.py (max_ratelimit_timeout) refuses a second publish while the channel's hourly window is open,
    # even with room left in it: a short window keeps this about Discord's answer, not the limit.
    emulator.config.ratelimits.publish_window = 5.0

    def forget() -> None:
        emulator.messaging.nonce_window = 0

    return World(
        DiscordPort(running_bot, Pacer(1e9)),
        community.guild.id,
        lambda: community.guild.create_channel(f"text{next(names)}").id,
        lambda: community.guild.create_channel(f"news{next(names)}", "news").id,
        lambda: community.guild.create_channel(f"forum{next(names)}", "forum").id,
        lambda: locked_emulated(community, f"locked{next(names)}"),
        forget,
        lambda channel_id: sum(m.author.id == emulator.bot.id for m in emulator.world.channels[channel_id].messages),
    )


async def test_an_enforced_nonce_is_deduplicated_per_channel_for_a_few_minutes(world: World) -> None:
    first, second = world.text(), world.text()
    body = with_nonce(BODY, "zb-contract-nonce")
    sent = await world.port.create_message(first, body)
    again = await world.port.create_message(first, body)
    assert again["id"] == sent["id"]
    assert world.messages_in(first) == 1
    elsewhere = await world.port.create_message(second, body)
    assert elsewhere["id"] != sent["id"]
    assert world.messages_in(second) == 1
    world.forget_nonces()
    later = await world.port.create_message(first, body)
    assert later["id"] != sent["id"]
    assert world.messages_in(first) == 2


async def test_a_second_thread_or_publish_counts_as_done(world: World) -> None:
    news = world.news()
    message = int((await world.port.create_message(news, BODY))["id"])
    assert await world.port.start_thread(news, message, {"name": "スレッド"}) == message
    assert await world.port.start_thread(news, message, {"name": "もう一度"}) == message
    await world.port.crosspost(news, message)
    await world.port.crosspost(news, message)


async def test_unknown_channels_and_messages(world: World) -> None:
    text = world.text()
    with pytest.raises(ChannelGone):
        await world.port.create_message(UNKNOWN_ID, BODY)
    with pytest.raises(MessageGone):
        await world.port.edit_message(text, UNKNOWN_ID, BODY)
    await world.port.delete_message(text, UNKNOWN_ID)  # deleting what is gone is fine on both


async def test_messages_after_an_id_are_the_oldest_ones_newest_first(world: World) -> None:
    text = world.text()
    ids = [int((await world.port.create_message(text, {**BODY, "content": f"{n}"}))["id"]) for n in range(4)]
    after = await world.port.messages_after(text, ids[0], limit=2)
    assert [int(m["id"]) for m in after] == [ids[2], ids[1]]


async def test_a_forum_post_is_a_thread_whose_id_is_its_first_message(world: World) -> None:
    forum = world.forum()
    post = await world.port.create_forum_post(forum, {"name": "投稿", "message": BODY})
    threads = await world.port.forum_threads(forum, world.guild_id)
    assert [int(t["id"]) for t in threads] == [post]
    assert [int(m["id"]) for m in await world.port.messages_after(post, 0)] == [post]


async def test_a_channel_the_bot_cannot_write_in(world: World) -> None:
    with pytest.raises(MissingAccess):
        await world.port.create_message(world.locked(), BODY)
