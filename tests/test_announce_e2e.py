"""Episode announcements end to end: post files appear, the real bot announces them through the emulator."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.announce.model import SENDING
from bot.app import ZundaBot
from bot.cli.common import main as cli_main
from bot.render import render_announcement
from cogs.announce import POLL_JOB, RELEASE_JOB, RETRY_JOB
from discord_emulator import DiscordEmulator, Permission
from tests.harness import (
    MESSAGE_ROUTE,
    TOPICS,
    BotRunner,
    Community,
    announcements,
    assert_announced_once,
    bot_messages,
    crash_while_announcing,
    poll_now,
    settled,
    write_post,
)


@pytest.fixture
async def listeners_role(community: Community):  # type: ignore[no-untyped-def]
    return community.guild.create_role("リスナー", mentionable=True)


async def start(runner: BotRunner, community: Community, **settings: object) -> ZundaBot:
    channels = [community.general.id, community.news.id, community.forum.id]
    bot = await runner.start(announce_channel_ids=channels, **settings)
    await settled(runner.emu, bot)
    return bot


async def test_new_post_is_announced_once_everywhere_then_restart_reposts_nothing(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner, listeners_role: object
) -> None:
    write_post(bot_runner.posts, 1, datetime.now(UTC) - timedelta(days=30))  # the archive at first start
    bot = await start(bot_runner, community, announce_role_id=listeners_role.id)  # type: ignore[attr-defined]
    assert bot_messages(emulator, community.general) == []  # nothing old on the first start

    write_post(bot_runner.posts, 2, datetime.now(UTC) - timedelta(minutes=5), actors=["春日部つむぎ"])
    await poll_now(emulator, bot)
    episode = await bot.store.episodes.by_number("2")
    assert episode is not None
    payloads = render_announcement(episode, role_id=listeners_role.id)  # type: ignore[attr-defined]
    assert len(payloads) >= 3  # the summaries need more than one thread message

    for channel in (community.general, community.news, community.forum):
        main = assert_announced_once(emulator, channel, payloads)
        pings = emulator.pings(main)
        assert pings.role_ids == {listeners_role.id}  # type: ignore[attr-defined]
        assert not pings.user_ids
        assert not pings.everyone
        letter = [c for row in main.components for c in row["components"] if c.get("custom_id")]
        assert [c["custom_id"] for c in letter] == ["zb:letter:2"]
    assert bot_messages(emulator, community.news)[0].crossposted
    assert community.forum.posts[0].applied_tag_names == ["春日部つむぎ"]
    for thread_message in bot_messages(emulator, bot_messages(emulator, community.general)[0].thread):  # type: ignore[arg-type]
        assert emulator.pings(thread_message).nobody

    sent = len(emulator.requests)
    bot = await bot_runner.restart()
    await settled(emulator, bot)
    await poll_now(emulator, bot)
    assert not [r for r in emulator.requests[sent:] if r.method != "GET"]  # not a single write
    for channel in (community.general, community.news, community.forum):
        assert_announced_once(emulator, channel, payloads)


@pytest.mark.parametrize(
    ("channel_name", "step", "keep_nonces"),
    [
        ("news", "send:main", False),
        ("news", "sent:main", True),
        ("news", "sent:main", False),
        ("news", "sent:thread", False),
        ("news", "send:part:1", False),
        ("news", "sent:part:1", False),
        ("news", "sent:part:2", False),
        ("news", "send:thread", False),
        ("news", "send:part:2", False),
        ("news", "send:crosspost", False),
        ("news", "sent:crosspost", False),
        ("forum", "send:main", False),
        ("forum", "sent:main", False),
        ("forum", "sent:part:1", False),
        ("forum", "send:part:2", False),
    ],
)
async def test_killed_at_any_step_then_restarted_gives_no_duplicate(
    emulator: DiscordEmulator,
    community: Community,
    bot_runner: BotRunner,
    channel_name: str,
    step: str,
    keep_nonces: bool,
) -> None:
    channel = community.news if channel_name == "news" else community.forum
    bot = await bot_runner.start(announce_channel_ids=[channel.id])
    await settled(emulator, bot)
    await crash_while_announcing(bot, bot_runner, step, 7)
    if not keep_nonces:
        emulator.messaging.nonce_window = 0  # restarted after Discord forgot the nonces: lookups must do

    bot = await bot_runner.start()
    await settled(emulator, bot)
    episode = await bot.store.episodes.by_number("7")
    assert episode is not None
    main = assert_announced_once(emulator, channel, render_announcement(episode))
    if channel_name == "news":
        assert main.crossposted
    delivery = await bot.store.deliveries.get(episode.key, channel.id)
    assert delivery is not None
    assert delivery.done
    assert all(part.state != SENDING for part in delivery.parts.values())


async def test_edited_post_edits_the_announcement_in_place(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await start(bot_runner, community)
    published = datetime.now(UTC) - timedelta(minutes=3)
    path = write_post(bot_runner.posts, 3, published, topics=TOPICS[:1])
    await poll_now(emulator, bot)
    [main] = bot_messages(emulator, community.general)
    thread = main.thread
    assert thread is not None
    assert len(bot_messages(emulator, thread)) == 1

    assert community.forum.posts[0].applied_tag_names == ["ずんだもん"]
    write_post(
        bot_runner.posts, 3, published, title="テスト放送局 podcast 訂正版", topics=TOPICS, actors=("春日部つむぎ",)
    )
    path.touch()
    await poll_now(emulator, bot)
    episode = await bot.store.episodes.by_number("3")
    assert episode is not None
    payloads = render_announcement(episode)
    for channel in (community.general, community.news, community.forum):
        assert_announced_once(emulator, channel, payloads)
    [edited] = bot_messages(emulator, community.general)
    assert edited.id == main.id
    assert edited.edits
    assert edited.embeds[0]["title"] == "テスト放送局 podcast 訂正版"
    assert thread.name == "テスト放送局 podcast 訂正版"
    assert community.forum.posts[0].name == "テスト放送局 podcast 訂正版"
    assert community.forum.posts[0].applied_tag_names == ["春日部つむぎ"]  # the tag follows the MC
    assert len(bot_messages(emulator, thread)) == len(payloads) - 1


async def test_future_post_is_held_until_its_publication_time(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await start(bot_runner, community)
    cog = announcements(bot)
    now = datetime.now(UTC).replace(microsecond=0)
    offset = [timedelta(0)]
    cog.clock = lambda: datetime.now(UTC) + offset[0]
    publication = now + timedelta(hours=6)
    write_post(bot_runner.posts, 4, publication)
    await poll_now(emulator, bot)
    assert bot_messages(emulator, community.general) == []
    episode = await bot.store.episodes.by_number("4", scheduled=True)
    assert episode is not None
    job = bot.scheduler.get_job(RELEASE_JOB + episode.key)
    assert job is not None
    assert abs((job.next_run_time - publication).total_seconds()) < 5

    offset[0] = timedelta(hours=5, minutes=59)  # a poll just before the time announces nothing
    await poll_now(emulator, bot)
    assert bot_messages(emulator, community.general) == []

    offset[0] = publication - now  # the clock reaches the publication time: the date job fires
    await poll_now(emulator, bot, RELEASE_JOB + episode.key)
    assert_announced_once(emulator, community.general, render_announcement(episode))
    assert bot.scheduler.get_job(RELEASE_JOB + episode.key) is None


async def test_post_dated_seconds_ahead_goes_out_on_time(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start(announce_channel_ids=[community.general.id])
    await settled(emulator, bot)
    publication = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
    write_post(bot_runner.posts, 5, publication)
    await poll_now(emulator, bot)
    assert bot_messages(emulator, community.general) == []
    message = await emulator.wait_for_message(community.general, timeout=15)
    assert message.timestamp >= publication


async def test_missing_permission_in_one_server_does_not_hold_up_the_others(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    other = emulator.create_guild("別のリスナー会", owner=community.admin)
    broken = other.create_channel("announcements")
    broken.set_overwrite(other.bot_role, deny=int(Permission.SEND_MESSAGES))  # type: ignore[arg-type]
    bot = await bot_runner.start()
    await settled(emulator, bot)
    for guild, channel in ((community.guild, community.general), (other, broken)):
        result = await emulator.slash(community.admin, channel, "settings announce", channel=channel)
        assert result.ephemeral, guild
    cog = announcements(bot)
    offset = [timedelta(0)]
    cog.clock = lambda: datetime.now(UTC) + offset[0]
    await poll_now(emulator, bot)  # the new channels are registered

    write_post(bot_runner.posts, 6, datetime.now(UTC) - timedelta(minutes=1))
    await poll_now(emulator, bot)
    episode = await bot.store.episodes.by_number("6")
    assert episode is not None
    assert_announced_once(emulator, community.general, render_announcement(episode))
    assert broken.messages == []

    result = await emulator.slash(community.admin, broken, "status")
    [announce] = [f["value"] for f in result.embeds[0]["fields"] if f["name"] == "告知"]
    assert "このチャンネルに書き込む権限がボットにないのだ" in announce  # Discord's error in words
    assert "\n-# Discord のエラーコード 50013" in announce  # and its code, small
    assert "Missing Permissions" not in announce
    assert "1 回続けて失敗" in announce
    assert bot.scheduler.get_job("announce:retry") is not None

    broken.remove_overwrite(other.bot_role)  # type: ignore[arg-type]
    offset[0] = timedelta(minutes=1)
    await poll_now(emulator, bot, "announce:retry")
    assert_announced_once(emulator, broken, render_announcement(episode))
    result = await emulator.slash(community.admin, broken, "status")
    [announce] = [f["value"] for f in result.embeds[0]["fields"] if f["name"] == "告知"]
    assert "正常" in announce
    assert len(bot_messages(emulator, community.general)) == 1


async def test_discord_server_errors_are_retried_with_backoff(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start(announce_channel_ids=[community.general.id])
    await settled(emulator, bot)
    emulator.faults.fail_next(3, status=503, route=MESSAGE_ROUTE)
    write_post(bot_runner.posts, 21, datetime.now(UTC) - timedelta(minutes=1))
    cog = announcements(bot)
    await poll_now(emulator, bot)
    assert cog.last_report is not None
    assert cog.last_report.failed  # the channel is on backoff, with a retry scheduled
    assert bot_messages(emulator, community.general) == []
    later = timedelta(0)
    cog.clock = lambda: datetime.now(UTC) + later
    for minutes in (2, 6, 14, 30, 62):  # past each retry time (1 minute, doubling)
        later = timedelta(minutes=minutes)
        await poll_now(emulator, bot, RETRY_JOB if bot.scheduler.get_job(RETRY_JOB) else POLL_JOB)
        if bot_messages(emulator, community.general):
            break
    episode = await bot.store.episodes.by_number("21")
    assert episode is not None
    assert_announced_once(emulator, community.general, render_announcement(episode))


async def test_200_channels_under_rate_limits_all_get_it_once(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    emulator.config.ratelimits.global_limit = 100  # keep the test quick, while still being limited
    channels = [community.guild.create_channel(f"ch{i}", type="news" if i % 4 == 0 else "text") for i in range(200)]
    bot = await bot_runner.start(announce_channel_ids=[c.id for c in channels])
    await settled(emulator, bot)
    announcements(bot).port.pacer.interval = 1 / 400  # faster than the emulator allows: 429s will come
    emulator.faults.storm_429(20, route=MESSAGE_ROUTE)
    write_post(bot_runner.posts, 8, datetime.now(UTC) - timedelta(minutes=1), topics=TOPICS[:2])
    await poll_now(emulator, bot)
    episode = await bot.store.episodes.by_number("8")
    assert episode is not None
    payloads = render_announcement(episode)
    for channel in channels:
        assert_announced_once(emulator, channel, payloads)
    assert emulator.count_429() > 20
    report = announcements(bot).last_report
    assert report is not None
    assert report.failed == []


async def test_preview_prints_exactly_what_is_sent(
    emulator: DiscordEmulator,
    community: Community,
    bot_runner: BotRunner,
    listeners_role: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    role_id = listeners_role.id  # type: ignore[attr-defined]
    bot = await bot_runner.start(announce_channel_ids=[community.general.id], announce_role_id=role_id)
    await settled(emulator, bot)
    path = write_post(bot_runner.posts, 9, datetime.now(UTC) - timedelta(minutes=1))
    await poll_now(emulator, bot)
    thread = bot_messages(emulator, community.general)[0].thread
    assert thread is not None
    where = {f"/channels/{community.general.id}/messages", f"/channels/{thread.id}/messages"}
    sent = [r.body for r in emulator.requests if r.route == MESSAGE_ROUTE and r.path.endswith(tuple(where))]

    monkeypatch.chdir(bot_runner.workdir)
    for name in ("DISCORD_TOKEN", "DATABASE_PATH", "ANNOUNCE_CHANNEL_IDS", "ANNOUNCE_ROLE_ID"):
        monkeypatch.delenv(name, raising=False)
    output = io.StringIO()
    args = ["preview", str(path), "--json", "--channel", str(community.general.id), "--role", str(role_id)]
    with contextlib.redirect_stdout(output):
        code = await asyncio.to_thread(cli_main, args)
    assert code == 0
    [line] = output.getvalue().splitlines()
    printed = json.loads(line)
    assert printed["episode"] == 9
    assert printed["messages"] == sent

    other = write_post(bot_runner.workdir, 12, datetime.now(UTC))  # a file, not in the store
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = await asyncio.to_thread(cli_main, ["preview", str(other), "9", "--db", str(bot_runner.database)])
    assert code == 0
    assert [line.split()[0] for line in output.getvalue().splitlines() if not line.startswith(" ")] == ["12", "9"]


async def test_hosts_ask_for_an_old_episode(emulator: DiscordEmulator, community: Community, bot_runner: BotRunner):
    write_post(bot_runner.posts, 10, datetime.now(UTC) - timedelta(days=10))
    write_post(bot_runner.posts, 11, datetime.now(UTC) - timedelta(days=9))
    bot = await bot_runner.start()
    await settled(emulator, bot)
    result = await emulator.slash(community.host, community.general, "announce post", episode="10")
    assert "告知チャンネルが未設定" in result.content
    await emulator.slash(community.admin, community.general, "settings announce", channel=community.general)
    await poll_now(emulator, bot)
    assert bot_messages(emulator, community.general) == []  # configured later: nothing old by itself

    refused = await emulator.slash(community.listener, community.general, "announce post", episode="10")
    assert refused.ephemeral
    assert "ホスト" in refused.content
    result = await emulator.slash(community.host, community.general, "announce post", episode="10")
    assert result.ephemeral
    assert "投稿するのだ" in result.content
    await emulator.wait_for_message(community.general, lambda m: m.author.id == emulator.bot.id, timeout=10)
    await settled(emulator, bot)
    episode = await bot.store.episodes.by_number("10")
    assert episode is not None
    assert_announced_once(emulator, community.general, render_announcement(episode))
    again = await emulator.slash(community.host, community.general, "announce post", episode="10")
    assert "投稿済み" in again.content
    latest = await emulator.slash(community.host, community.general, "announce post")
    assert "podcast" in latest.content
    unknown = await emulator.slash(community.host, community.general, "announce post", episode="9999")
    assert "見つからない" in unknown.content
    pasted = await emulator.slash(community.host, community.general, "announce post", episode="第" * 3000)
    assert "見つからない" in pasted.content  # the value is echoed short, so the answer fits


async def test_a_channel_chosen_just_before_a_post_gets_it(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    write_post(bot_runner.posts, 30, datetime.now(UTC) - timedelta(days=3))
    bot = await bot_runner.start()
    await settled(emulator, bot)
    await emulator.slash(community.admin, community.general, "settings announce", channel=community.general)
    for _ in range(100):  # /settings takes effect at once, not at the next cycle
        if await bot.store.deliveries.target(community.general.id):
            break
        await asyncio.sleep(0.05)
    # The site published this post a minute before the setting; the bot reads it after it.
    write_post(bot_runner.posts, 31, datetime.now(UTC) - timedelta(minutes=1))
    await poll_now(emulator, bot)
    episode = await bot.store.episodes.by_number("31")
    assert episode is not None
    assert_announced_once(emulator, community.general, render_announcement(episode))
    assert len([m for m in bot_messages(emulator, community.general) if m.embeds]) == 1  # not the old #30


async def test_an_announcement_discord_refuses_is_shown_in_status(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start(announce_channel_ids=[community.general.id])
    await settled(emulator, bot)
    write_post(bot_runner.posts, 40, datetime.now(UTC) - timedelta(minutes=2), title="拒否される回")
    write_post(bot_runner.posts, 41, datetime.now(UTC) - timedelta(minutes=1))
    emulator.faults.fail_next(1, status=400, route=MESSAGE_ROUTE)
    await poll_now(emulator, bot)
    later = await bot.store.episodes.by_number("41")
    assert later is not None
    assert_announced_once(emulator, community.general, render_announcement(later))
    status = await emulator.slash(community.host, community.general, "status")
    text = json.dumps(status.embeds, ensure_ascii=False)
    assert "受け付けなかった告知が 1 回分あるのだ（#40）" in text


async def test_a_failing_feed_warns_the_hosts_once(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    broken = bot_runner.workdir / "broken-feed.xml"
    broken.write_text("<html><body>not a feed</body></html>", encoding="utf-8")  # FEED_URL must exist at start
    bot = await bot_runner.start(feed_url=str(broken), feed_failure_alert=2, letters_channel_id=community.hosts.id)
    await settled(emulator, bot)
    cog = announcements(bot)
    offset = [timedelta(0)]
    cog.clock = cog.poller.clock = lambda: datetime.now(UTC) + offset[0]
    for hours in range(1, 6):
        offset[0] = timedelta(hours=hours)  # past the source's backoff every time
        await poll_now(emulator, bot)
    warnings = bot_messages(emulator, community.hosts)
    assert len(warnings) == 1
    assert "broken-feed.xml" in warnings[0].content
    assert emulator.pings(warnings[0]).nobody
    state = await bot.store.sources.get(f"feed:{broken}")
    assert state.failures == 6  # the poll at start, then five more
