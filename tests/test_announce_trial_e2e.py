"""``/announce test``: hosts see exactly what the next announcement would be, privately or in a channel they
pick; nothing is published, followed, recorded or pinged."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from discord_emulator import DiscordEmulator, Message
from tests.harness import BotRunner, Community
from tests.test_announce_e2e import bot_messages, poll_now, settled, write_post


def shown(message: Message) -> tuple[object, ...]:
    """What a reader sees of a message."""
    return message.content, message.embeds, message.components


@pytest.fixture
async def role(community: Community):  # type: ignore[no-untyped-def]
    return community.guild.create_role("リスナー", mentionable=True)


async def test_the_trial_is_exactly_the_next_announcement_shown_only_to_the_host(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner, role: object
) -> None:
    bot = await bot_runner.start()
    await settled(emulator, bot)
    host, general, news = community.host, community.general, community.news
    await emulator.slash(community.admin, general, "settings announce", channel=news, role=role)
    await emulator.slash(community.admin, general, "settings headline", template="第{number}回「{title}」なのだ")
    write_post(bot_runner.posts, 12, datetime.now(UTC) + timedelta(minutes=30))  # the next one, not out yet
    await poll_now(emulator, bot)

    result = await emulator.slash(host, general, "announce test")
    assert result.ephemeral
    await result.wait(lambda r: len(r.messages) >= 3)
    intro, *trial = result.messages  # the answer to the command, then the messages of the announcement
    assert all(message.ephemeral for message in result.messages)
    assert "第12回の告知は、このように投稿されるのだ" in intro.content
    assert trial[0].content == f"<@&{role.id}> 第12回「{trial[0].embeds[0]['title']}」なのだ"  # type: ignore[attr-defined]
    assert all(emulator.pings(message).nobody for message in result.messages)  # the mention notifies nobody
    assert bot_messages(emulator, news) == []  # nothing posted, nothing recorded
    assert await bot.store.deliveries.counts(news.id) == (0, 0)

    announcements = bot.get_cog("Announcements")
    announcements.clock = lambda: datetime.now(UTC) + timedelta(hours=1)  # type: ignore[union-attr]
    await poll_now(emulator, bot)
    [posted] = bot_messages(emulator, news)
    assert posted.thread is not None
    in_thread = bot_messages(emulator, posted.thread)
    await result.wait(lambda r: len(r.messages) == 2 + len(in_thread))
    intro, *trial = result.messages
    assert shown(posted) == shown(trial[0])  # exactly what was shown
    assert [shown(m) for m in in_thread] == [shown(m) for m in trial[1:]]


async def test_a_trial_in_a_channel_is_never_published_nor_pings(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner, role: object
) -> None:
    write_post(bot_runner.posts, 5, datetime.now(UTC) - timedelta(days=1))
    bot = await bot_runner.start()
    await settled(emulator, bot)
    await emulator.slash(community.admin, community.general, "settings announce", channel=community.general, role=role)
    community.news.set_overwrite(community.host_role, allow=0)
    result = await emulator.slash(
        community.admin, community.general, "告知する テスト", episode="5", channel=community.news
    )
    await result.wait(lambda r: bool(r.messages))
    assert "テスト投稿したのだ" in result.message.content
    [message] = bot_messages(emulator, community.news)
    assert not message.crossposted  # an announcement channel, yet not sent to following servers
    assert emulator.pings(message).nobody
    assert message.content.startswith(f"<@&{role.id}>")  # type: ignore[attr-defined]
    assert message.thread is not None
    assert len(bot_messages(emulator, message.thread)) >= 1
    assert str(message.id) in result.message.content  # a link to it
    assert bot_messages(emulator, community.general) == []
    assert await bot.store.deliveries.counts(community.news.id) == (0, 0)


async def test_listeners_cannot_try_announcements(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    write_post(bot_runner.posts, 5, datetime.now(UTC) - timedelta(days=1))
    bot = await bot_runner.start()
    await settled(emulator, bot)
    refused = await emulator.slash(community.listener, community.general, "announce test")
    assert refused.ephemeral
    assert "ホスト" in refused.content
    english = await emulator.slash(community.english, community.general, "announce test", episode="99")
    assert english.ephemeral
    assert english.content
    assert not re.search(r"[ぁ-んァ-ン]", english.content)  # refused in the user's own language
