"""Announcement cycles: what is due where, first start, backfill, held episodes, failures and fan-out."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.announce.announcer import BACKFILL_KEY, AnnounceOptions, Announcer, RequestResult
from bot.announce.model import WantedTarget
from bot.announce.pacing import Pacer
from bot.announce.planner import LATE_WINDOW, is_due, target_backoff
from bot.announce.port import ChannelKind, Payload, PayloadRejected
from bot.card import CardStyle
from bot.episodes.model import Episode
from bot.ingest.polling import source_backoff
from bot.store.store import Store
from tests.announce_fakes import FakeChannel, FakeDiscord
from tests.clocks import ManualClock
from tests.factories import make_episode

START = datetime.now(UTC).replace(microsecond=0)  # the ledger stamps targets with the wall clock


@pytest.fixture
async def store(tmp_path: Path) -> Store:
    opened = await Store.open(tmp_path / "announce.sqlite3")
    yield opened  # type: ignore[misc]
    await opened.close()


@pytest.fixture
def discord() -> FakeDiscord:
    return FakeDiscord()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def announcer_for(
    store: Store, discord: FakeDiscord, clock: ManualClock, *channels: int, **options: object
) -> Announcer:
    opts = AnnounceOptions(env_channel_ids=channels, **options)  # type: ignore[arg-type]
    return Announcer(store, discord, opts, clock=clock)  # type: ignore[arg-type]


def on(day: int, hour: int = 5) -> datetime:
    return START + timedelta(days=day, hours=hour)


def episode(number: int, published: datetime) -> Episode:
    return dataclasses.replace(make_episode(number), published=published)


async def backdate_targets(store: Store, since: datetime) -> None:
    """Pretend the channels were set up at ``since`` (the ledger stamps the wall clock)."""
    stamp = since.isoformat(timespec="seconds")
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE announce_targets SET since = ?", (stamp,))


async def channel_set_up_yesterday(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> tuple[FakeChannel, Announcer]:
    """A channel and its announcer after a first cycle, the channel set up a day before ``START``."""
    channel = discord.add_channel()
    announcer = announcer_for(store, discord, clock, channel.id)
    await announcer.run()
    await backdate_targets(store, START - timedelta(days=1))
    return channel, announcer


async def test_first_start_announces_nothing_old_then_new_episodes_once(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> None:
    channel = discord.add_channel()
    await store.episodes.upsert_many([episode(n, on(-n)) for n in range(1, 30)])
    announcer = announcer_for(store, discord, clock, channel.id)
    report = await announcer.run()
    assert (report.planned, report.delivered) == (0, 0)
    assert channel.messages == []

    await store.episodes.upsert(episode(100, on(0, 5)))
    clock.advance(timedelta(days=1))
    report = await announcer.run()
    assert report.delivered == 1
    assert len(discord.bot_messages(channel.id)) == 1
    assert (await announcer.run()).delivered == 0


async def test_backfill_posts_the_latest_n_once(store: Store, discord: FakeDiscord, clock: ManualClock) -> None:
    channel = discord.add_channel()
    await store.episodes.upsert_many([episode(n, on(-n)) for n in range(1, 10)])
    await store.episodes.upsert(episode(99, on(3)))  # not yet published: not part of the backfill
    announcer = announcer_for(store, discord, clock, channel.id, backfill=2)
    assert (await announcer.run()).delivered == 2
    titles = [m["embeds"][0]["title"] for m in discord.bot_messages(channel.id)]
    assert titles == [make_episode(2).title, make_episode(1).title]  # oldest first
    assert await store.kv.get(BACKFILL_KEY)
    restarted = announcer_for(store, discord, clock, channel.id, backfill=2)
    assert (await restarted.run()).delivered == 0
    assert len(discord.bot_messages(channel.id)) == 2


async def test_backfill_waits_for_a_first_cycle_that_has_episodes(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> None:
    channel = discord.add_channel()
    announcer = announcer_for(store, discord, clock, channel.id, backfill=2)
    assert (await announcer.run()).delivered == 0  # first start: the feed is down, nothing stored
    assert await store.kv.get(BACKFILL_KEY) is None
    await store.episodes.upsert_many([episode(n, on(-n - 3)) for n in range(1, 10)])  # too old to be news
    clock.advance(timedelta(minutes=5))
    assert (await announcer.run()).delivered == 2
    assert await store.kv.get(BACKFILL_KEY)


async def test_an_episode_discord_rejects_does_not_hold_up_the_next(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> None:
    channel, announcer = await channel_set_up_yesterday(store, discord, clock)
    bad, good = episode(5, on(0, -3)), episode(6, on(0, -2))
    await store.episodes.upsert_many([bad, good])
    create = discord.create_message
    refused = {bad.title}

    async def create_message(channel_id: int, body: Payload) -> dict[str, object]:
        if body.get("embeds") and body["embeds"][0]["title"] in refused:
            raise PayloadRejected("400 Invalid Form Body", channel_id=channel_id, status=400, code=50035)
        return dict(await create(channel_id, body))

    discord.create_message = create_message  # type: ignore[method-assign]
    report = await announcer.run()
    assert (report.delivered, report.outcomes[0].rejected, report.failed) == (1, 1, [])
    titles = [m["embeds"][0]["title"] for m in discord.bot_messages(channel.id)]
    assert titles == [good.title]
    [(key, error)] = await store.deliveries.rejected(channel.id)
    assert key == bad.key
    assert "Invalid Form Body" in error
    target = await store.deliveries.target(channel.id)
    assert target is not None
    assert target.failures == 0
    assert (await announcer.run()).delivered == 0  # set aside: not retried every cycle

    refused.clear()  # the operator fixed what Discord refused; a host asks for it again
    assert await announcer.request(1, bad) is RequestResult.QUEUED
    assert (await announcer.run()).delivered == 1
    assert await store.deliveries.rejected(channel.id) == []

    edited = dataclasses.replace(episode(7, on(0, -1)), title="拒否される題")
    refused.add(edited.title)
    await store.episodes.upsert(edited)
    await announcer.run()
    assert [key for key, _ in await store.deliveries.rejected(channel.id)] == [edited.key]
    refused.clear()
    await store.episodes.upsert(dataclasses.replace(edited, title="直した題"))  # the post is edited
    assert (await announcer.run()).delivered == 1
    assert discord.bot_messages(channel.id)[-1]["embeds"][0]["title"] == "直した題"


async def test_a_card_discord_refused_is_tried_again_in_the_layout_the_channel_chose_since(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> None:
    """A layout is bound to a main message that exists: a refused card leaves none, so after the host switches
    the channel back to the embed, the episode goes out as an embed."""
    channel, announcer = await channel_set_up_yesterday(store, discord, clock)
    await store.cards.set(channel.id, 1, CardStyle.V2, by=9)
    refused = episode(8, on(0, -1))
    await store.episodes.upsert(refused)
    create = discord.create_message

    async def create_message(channel_id: int, body: Payload) -> dict[str, object]:
        if body.get("flags"):
            raise PayloadRejected("400 Invalid Form Body", channel_id=channel_id, status=400, code=50035)
        return dict(await create(channel_id, body))

    discord.create_message = create_message  # type: ignore[method-assign]
    assert (await announcer.run()).outcomes[0].rejected == 1
    delivery = await store.deliveries.get(refused.key, channel.id)
    assert delivery is not None
    assert delivery.card is None
    await store.cards.set(channel.id, 1, CardStyle.EMBED, by=9)
    assert await announcer.request(1, refused) is RequestResult.QUEUED
    assert (await announcer.run()).delivered == 1
    [main] = discord.bot_messages(channel.id)
    assert main["embeds"][0]["title"] == refused.title
    delivery = await store.deliveries.get(refused.key, channel.id)
    assert delivery is not None
    assert delivery.card == "embed"


async def test_future_episode_is_held_until_its_time(store: Store, discord: FakeDiscord, clock: ManualClock) -> None:
    channel = discord.add_channel()
    announcer = announcer_for(store, discord, clock, channel.id)
    await announcer.run()
    future = episode(7, START + timedelta(hours=5))
    await store.episodes.upsert(future)
    report = await announcer.run()
    assert report.delivered == 0
    assert report.held == [(future.key, future.published)]
    clock.advance(timedelta(hours=4, minutes=59))
    assert (await announcer.run()).delivered == 0
    clock.advance(timedelta(minutes=1))
    report = await announcer.run()
    assert report.delivered == 1
    assert report.held == []


async def test_channel_configured_later_gets_nothing_old_unless_asked(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> None:
    first = discord.add_channel(guild_id=1)
    announcer = announcer_for(store, discord, clock, first.id)
    await announcer.run()
    await backdate_targets(store, START - timedelta(days=30))
    old = episode(1, on(-3))
    await store.episodes.upsert(old)
    assert (await announcer.run()).delivered == 1

    later = discord.add_channel(guild_id=2)
    await store.guilds.update(2, by=5, announce_channel_id=later.id)
    assert (await announcer.run()).delivered == 0
    assert later.messages == []

    assert await announcer.request(2, old) is RequestResult.QUEUED
    assert await announcer.request(2, old) is RequestResult.EXISTS
    assert await announcer.request(3, old) is RequestResult.NO_CHANNEL
    assert (await announcer.run()).delivered == 1
    assert len(discord.bot_messages(later.id)) == 1
    assert len(discord.bot_messages(first.id)) == 1


async def test_a_post_appearing_late_with_an_earlier_date_is_new(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> None:
    _channel, announcer = await channel_set_up_yesterday(store, discord, clock)
    # first seen now (after the channel was set up), though dated before it
    await store.episodes.upsert(episode(3, START - timedelta(days=2)))
    assert (await announcer.run()).delivered == 1


async def test_an_archive_read_only_after_the_first_start_stays_old(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> None:
    channel = discord.add_channel()
    announcer = announcer_for(store, discord, clock, channel.id)
    await announcer.run()  # first start: the feed was down, nothing was read
    await store.episodes.upsert_many([episode(n, on(-n)) for n in range(1, 20)])
    report = await announcer.run()
    # only what is still news (dated within the late window) goes out, not the archive
    assert report.delivered == 2
    assert {m["embeds"][0]["title"] for m in discord.bot_messages(channel.id)} == {
        make_episode(1).title,
        make_episode(2).title,
    }


async def test_same_episode_from_folder_and_feed_is_announced_once(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> None:
    channel, announcer = await channel_set_up_yesterday(store, discord, clock)
    from_folder = dataclasses.replace(episode(5, on(-1)), source="/posts/2026-02-28-5.md")
    from_feed = dataclasses.replace(from_folder, description="feed の説明", source="https://site/feed.xml")
    await store.episodes.upsert(from_folder, source_rank=0)
    await store.episodes.upsert(from_feed, source_rank=1)
    assert (await announcer.run()).delivered == 1
    await store.episodes.upsert(from_feed, source_rank=1)
    assert (await announcer.run()).delivered == 0
    assert len(discord.bot_messages(channel.id)) == 1


async def test_guild_setting_replaces_the_environment_channel_in_that_server(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> None:
    env_channel = discord.add_channel(guild_id=1)
    other_env = discord.add_channel(guild_id=2)
    chosen = discord.add_channel(guild_id=1)
    await store.guilds.update(1, by=9, announce_channel_id=chosen.id, announce_role_id=55)
    announcer = announcer_for(store, discord, clock, env_channel.id, other_env.id, env_role_id=66)
    wanted = {target.channel_id: target for target in await announcer.wanted()}
    assert set(wanted) == {chosen.id, other_env.id}
    assert wanted[chosen.id].role_id == 55
    assert wanted[other_env.id].role_id == 66

    await announcer.run()
    await backdate_targets(store, START - timedelta(days=1))
    await store.episodes.upsert(episode(8, on(-1)))
    await announcer.run()
    assert discord.bot_messages(env_channel.id) == []
    assert discord.bot_messages(chosen.id)[0]["content"].startswith("<@&55>")
    assert discord.bot_messages(other_env.id)[0]["content"].startswith("<@&66>")


async def test_missing_permission_in_one_server_does_not_hold_up_the_others(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> None:
    channels = [discord.add_channel(guild_id=g) for g in range(1, 6)]
    broken = channels[2]
    broken.can_send = False
    announcer = announcer_for(store, discord, clock, *(c.id for c in channels))
    await announcer.run()
    await backdate_targets(store, START - timedelta(days=1))
    await store.episodes.upsert(episode(9, on(-1)))

    report = await announcer.run()
    assert report.delivered == 4
    assert [outcome.channel_id for outcome in report.failed] == [broken.id]
    assert report.next_retry == START + timedelta(minutes=1)
    state = await store.deliveries.target(broken.id)
    assert state is not None
    assert state.failures == 1
    assert "Missing Permissions" in (state.last_error or "")

    assert (await announcer.run()).waiting == 1  # still backing off: not even tried
    clock.advance(timedelta(minutes=1))
    report = await announcer.run()
    assert report.failed[0].retry_at == clock.now + timedelta(minutes=2)  # doubled

    broken.can_send = True
    clock.advance(timedelta(minutes=2))
    assert (await announcer.run()).delivered == 1
    state = await store.deliveries.target(broken.id)
    assert state is not None
    assert (state.failures, state.last_error) == (0, None)
    assert all(len(discord.bot_messages(c.id)) == 1 for c in channels)


async def test_deleted_channel_is_backed_off_and_reported(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> None:
    gone = discord.add_channel(guild_id=4)
    announcer = announcer_for(store, discord, clock, gone.id)
    await announcer.run()
    await backdate_targets(store, START - timedelta(days=1))
    await store.episodes.upsert(episode(10, on(-1)))
    del discord.channels[gone.id]
    report = await announcer.run()
    assert "Unknown Channel" in (report.failed[0].error or "")
    state = await store.deliveries.target(gone.id)
    assert state is not None
    assert (state.guild_id, state.failures) == (4, 1)


async def test_temporary_failures_are_retried_later(store: Store, discord: FakeDiscord, clock: ManualClock) -> None:
    _channel, announcer = await channel_set_up_yesterday(store, discord, clock)
    await store.episodes.upsert(episode(11, on(-1)))
    discord.temporary_failures = 1
    assert len((await announcer.run()).failed) == 1
    clock.advance(timedelta(minutes=1))
    assert (await announcer.run()).delivered == 1


async def test_removed_channel_stops_and_a_readded_one_starts_afresh(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> None:
    channel = discord.add_channel(guild_id=1)
    await store.guilds.update(1, by=1, announce_channel_id=channel.id)
    announcer = announcer_for(store, discord, clock)
    await announcer.run()
    await store.guilds.update(1, by=1, announce_channel_id=None)
    await announcer.run()
    state = await store.deliveries.target(channel.id)
    assert state is not None
    assert not state.active
    await store.episodes.upsert(episode(12, on(-1)))
    assert (await announcer.run()).delivered == 0
    await store.guilds.update(1, by=1, announce_channel_id=channel.id)
    assert (await announcer.run()).delivered == 0  # first seen before the channel came back


async def test_fan_out_to_200_channels_delivers_each_once(store: Store, clock: ManualClock) -> None:
    discord = FakeDiscord(latency=0.002)
    kinds = itertools.cycle(list(ChannelKind))
    channels = [discord.add_channel(next(kinds), guild_id=i) for i in range(200)]
    announcer = announcer_for(store, discord, clock, *(c.id for c in channels), concurrency=50)
    await announcer.run()
    await backdate_targets(store, START - timedelta(days=1))
    await store.episodes.upsert(episode(13, on(-1)))
    report = await announcer.run()
    assert report.delivered == 200
    for channel in channels:
        if channel.kind is ChannelKind.FORUM:
            assert len(discord.threads_of(channel.id)) == 1
        else:
            assert len(discord.bot_messages(channel.id)) == 1


async def test_thread_for_finds_the_thread_of_an_episode_in_a_server(
    store: Store, discord: FakeDiscord, clock: ManualClock
) -> None:
    text = discord.add_channel(guild_id=1)
    forum = discord.add_channel(ChannelKind.FORUM, guild_id=2)
    announcer = announcer_for(store, discord, clock, text.id, forum.id)
    await announcer.run()
    await backdate_targets(store, START - timedelta(days=1))
    ep = episode(14, on(-1))
    await store.episodes.upsert(ep)
    await announcer.run()
    assert await store.deliveries.thread_for(ep.key, 1) == discord.threads_of(text.id)[0].id
    assert await store.deliveries.thread_for(ep.key, 2) == discord.threads_of(forum.id)[0].id
    assert await store.deliveries.thread_for(ep.key, 3) is None
    assert await store.deliveries.thread_for("https://zund-arm-on.com/episode/none", 1) is None


@pytest.mark.parametrize("published_offset", [-100, -48, -1, 0, 1, 48])
@pytest.mark.parametrize("stored_after_setup", [False, True])
@pytest.mark.parametrize("now_offset", [-2, 0, 2, 72])
async def test_sql_plan_applies_the_documented_due_rule(
    store: Store, published_offset: int, stored_after_setup: bool, now_offset: int
) -> None:
    since = START
    published = since + timedelta(hours=published_offset)
    now = since + timedelta(hours=now_offset)
    await store.episodes.upsert(episode(1, on(-400)))  # an older episode, so rowids do not start at 0
    target = WantedTarget(1, 1, "env")
    if stored_after_setup:
        await store.deliveries.sync_targets([target], now=since.isoformat(timespec="seconds"))
    await store.episodes.upsert(episode(2, published))
    if not stored_after_setup:
        await store.deliveries.sync_targets([target], now=since.isoformat(timespec="seconds"))
    planned = await store.deliveries.plan_new(now, late_window=LATE_WINDOW)
    expected = is_due(published=published, since=since, now=now, stored_after_setup=stored_after_setup)
    expected_old = is_due(published=on(-400), since=since, now=now, stored_after_setup=False)
    assert planned == int(expected) + int(expected_old)


def test_backoff_delays() -> None:
    assert [target_backoff(n) for n in (0, 1, 2, 3)] == [timedelta(0), *(timedelta(minutes=m) for m in (1, 2, 4))]
    assert target_backoff(50) == timedelta(hours=6)
    interval = timedelta(minutes=5)
    assert [source_backoff(n, interval) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (5, 10, 20, 40)]
    assert source_backoff(30, interval) == timedelta(hours=1)


async def test_pacer_spaces_callers_evenly() -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = Pacer(50, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        await pacer.wait()
    assert slept == pytest.approx([0.02, 0.04, 0.06, 0.08])
    now[0] += 10  # after a quiet spell the next caller goes at once
    slept.clear()
    await pacer.wait()
    assert slept == []
    with pytest.raises(ValueError, match="positive"):
        Pacer(0)


@pytest.mark.parametrize(
    ("actors", "requires_tag", "expected"),
    [
        (("春日部つむぎ",), False, {"12": 1}),
        (("四国めたん",), False, {}),
        (("四国めたん",), True, {"30": 1}),  # a forum that requires a tag gets its first one
    ],
)
async def test_forum_posts_are_tagged_by_mc(
    store: Store,
    discord: FakeDiscord,
    clock: ManualClock,
    actors: tuple[str, ...],
    requires_tag: bool,
    expected: dict[str, int],
) -> None:
    forum = discord.add_channel(ChannelKind.FORUM, tags={"お知らせ": 30, "ずんだもん": 11, "春日部つむぎ": 12})
    forum.requires_tag = requires_tag
    announcer = announcer_for(store, discord, clock, forum.id)
    await announcer.run()
    await backdate_targets(store, START - timedelta(days=1))
    await store.episodes.upsert(dataclasses.replace(episode(15, on(-1)), actors=actors))
    await announcer.run()
    assert discord.threads_of(forum.id)[0].tags == expected
