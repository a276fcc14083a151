"""Scheduled premieres end to end: a post dated in the future becomes a Discord scheduled event, once.

Driven as a server would live it: an admin turns it on with ``/settings premiere``, posts are written, edited
and withdrawn in the posts folder, the poll job fires, and the emulator's guild scheduled events (held to
Discord's spec and rules) are read back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from bot.app import ZundaBot
from bot.premiere.model import DURATION
from bot.store.premieres import EventState
from cogs.premiere import Premieres, can_schedule
from cogs.premiere.cog import RETRY_JOB
from discord_emulator import DEFAULT_BOT, DiscordEmulator, EventStatus, Permission
from tests.harness import BotRunner, Community, poll_now, raise_at, settled, write_post

EVENTS_ROUTE = "/guilds/{guild_id}/scheduled-events"


def premieres(bot: ZundaBot) -> Premieres:
    cog = bot.get_cog("Premieres")
    assert type(cog).__name__ == "Premieres"
    return cast(Premieres, cog)


async def premieres_settled(emulator: DiscordEmulator, bot: ZundaBot, after: datetime | None = None) -> None:
    """Wait until a premiere pass finished (after ``after``) and none is running."""
    cog = premieres(bot)

    def done() -> bool:
        return cog.last_run is not None and (after is None or cog.last_run > after) and not cog.busy

    await emulator.wait_until(done, 30, "a premiere pass")


async def poll(emulator: DiscordEmulator, bot: ZundaBot) -> None:
    """Fire the poll job, then wait for the premiere pass that follows it."""
    await premieres_settled(emulator, bot)
    before = premieres(bot).last_run
    await poll_now(emulator, bot)
    await premieres_settled(emulator, bot, before)


def event_requests(emulator: DiscordEmulator, method: str) -> list[str]:
    return [r.route for r in emulator.requests if r.route.startswith(f"{method} {EVENTS_ROUTE}")]


def allow_events(emulator: DiscordEmulator, community: Community) -> None:
    role = community.guild.bot_role
    assert role is not None
    emulator.world.update_role(role, permissions=DEFAULT_BOT | Permission.MANAGE_EVENTS)


async def turn_on(emulator: DiscordEmulator, community: Community, bot: ZundaBot) -> str:
    before = premieres(bot).last_run
    result = await emulator.slash(community.admin, community.general, "settings premiere", enabled=True)
    assert result.ephemeral
    await premieres_settled(emulator, bot, before)
    return result.content


async def test_a_future_post_gets_one_event_updated_when_edited_and_canceled_when_withdrawn(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    allow_events(emulator, community)
    bot = await bot_runner.start()
    await settled(emulator, bot)
    reply = await turn_on(emulator, community, bot)
    assert "公開時刻に始まるイベント" in reply
    publication = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    post = write_post(bot_runner.posts, 7, publication, title="未来の放送回")
    await poll(emulator, bot)

    [event] = emulator.scheduled_events(community.guild)
    stored = await bot.store.episodes.by_number("7", scheduled=True)
    assert stored is not None
    assert (event.name, event.entity_type, event.privacy_level) == ("未来の放送回", 3, 2)
    assert event.location == stored.page_url
    assert event.description is not None
    assert event.description.endswith("\n" + stored.page_url)
    assert "テスト用のエピソード" in event.description
    assert (event.start, event.end) == (publication, publication + DURATION)
    assert event.status is EventStatus.SCHEDULED

    await poll(emulator, bot)  # nothing changed: nothing sent
    assert len(event_requests(emulator, "POST")) == 1
    assert event_requests(emulator, "PATCH") == []

    later = publication + timedelta(hours=1)
    post.unlink()
    post = write_post(bot_runner.posts, 7, later, title="未来の放送回（改題）")
    await poll(emulator, bot)
    [same] = emulator.scheduled_events(community.guild)
    assert same.id == event.id
    assert (same.name, same.start, same.end) == ("未来の放送回（改題）", later, later + DURATION)
    assert len(event_requests(emulator, "POST")) == 1

    same.status = EventStatus.CANCELED  # a host cancels it in Discord: a changed post gets a new one
    post.write_text(post.read_text(encoding="utf-8").replace("（改題）", "（再改題）"))
    await poll(emulator, bot)
    canceled_by_host, event = emulator.scheduled_events(community.guild)
    assert canceled_by_host.id == same.id
    assert (event.name, event.status) == ("未来の放送回（再改題）", EventStatus.SCHEDULED)
    assert len(event_requests(emulator, "POST")) == 2

    post.write_text(post.read_text(encoding="utf-8").replace("layout: article", "layout: article\npublished: false"))
    await poll(emulator, bot)
    canceled = emulator.scheduled_events(community.guild)[-1]
    assert canceled.id == event.id
    assert canceled.status is EventStatus.CANCELED
    records = await bot.store.premieres.for_guild(community.guild.id)
    assert [r.state for r in records.values()] == [EventState.CANCELED]
    await poll(emulator, bot)
    assert len(event_requests(emulator, "PATCH")) == 3  # two edits (one refused: finished) and the cancel


async def test_a_crash_between_creating_and_recording_does_not_create_a_second_event(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    allow_events(emulator, community)
    bot = await bot_runner.start()
    await settled(emulator, bot)
    await turn_on(emulator, community, bot)
    premieres(bot).sync.checkpoint = raise_at("premiere.created")
    write_post(bot_runner.posts, 8, datetime.now(UTC) + timedelta(days=1), title="落ちても一つだけ")
    await poll_now(emulator, bot)
    await emulator.wait_until(lambda: len(emulator.scheduled_events(community.guild)) == 1, 30, "the event")
    await emulator.wait_until(lambda: not premieres(bot).busy, 30, "the crashed pass")
    [pending] = (await bot.store.premieres.for_guild(community.guild.id)).values()
    assert (pending.state, pending.event_id) == (EventState.CREATING, None)  # created, not recorded
    await bot_runner.crash()

    bot = await bot_runner.start()
    await settled(emulator, bot)
    await premieres_settled(emulator, bot)
    await poll(emulator, bot)
    [event] = emulator.scheduled_events(community.guild)
    assert len(event_requests(emulator, "POST")) == 1
    [record] = (await bot.store.premieres.for_guild(community.guild.id)).values()
    assert (record.state, record.event_id) == (EventState.SCHEDULED, event.id)


async def test_a_server_with_premieres_off_gets_no_event(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    allow_events(emulator, community)
    bot = await bot_runner.start()
    await settled(emulator, bot)
    write_post(bot_runner.posts, 9, datetime.now(UTC) + timedelta(days=1))
    await poll(emulator, bot)
    shown = await emulator.slash(community.admin, community.general, "settings show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["プレミア公開のイベント"] == "オフ"
    assert emulator.scheduled_events(community.guild) == []
    assert event_requests(emulator, "POST") == event_requests(emulator, "GET") == []


async def test_missing_manage_events_is_reported_and_not_retried(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start()
    await settled(emulator, bot)
    reply = await turn_on(emulator, community, bot)
    assert "「イベントの管理」" in reply
    write_post(bot_runner.posts, 10, datetime.now(UTC) + timedelta(days=1))
    await poll(emulator, bot)
    await poll(emulator, bot)
    assert emulator.scheduled_events(community.guild) == []
    assert [r for r in emulator.requests if EVENTS_ROUTE in r.route] == []
    status = await emulator.slash(community.host, community.general, "status")
    fields = {f["name"]: f["value"] for f in status.embeds[0]["fields"]}
    assert "「イベントの管理」" in fields["プレミア公開のイベント"]
    allow_events(emulator, community)  # the admin grants it: the next poll creates the event
    guild = bot.get_guild(community.guild.id)
    assert guild is not None
    await emulator.wait_until(lambda: can_schedule(guild), 5, "the bot's new permission")
    await poll(emulator, bot)
    assert len(emulator.scheduled_events(community.guild)) == 1


async def test_a_long_rate_limit_backs_off_and_the_retry_creates_the_event(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    allow_events(emulator, community)
    bot = await bot_runner.start()
    await settled(emulator, bot)
    await turn_on(emulator, community, bot)
    emulator.faults.storm_429(1, retry_after=120, route=f"POST {EVENTS_ROUTE}")
    write_post(bot_runner.posts, 11, datetime.now(UTC) + timedelta(days=1))
    await poll(emulator, bot)
    assert emulator.scheduled_events(community.guild) == []
    [record] = (await bot.store.premieres.for_guild(community.guild.id)).values()
    assert record.state is EventState.CREATING
    assert record.attempts == 1
    assert record.next_attempt_ts >= datetime.now(UTC).timestamp() + 110  # the rate limit's wait, not 30 s
    retry = bot.scheduler.get_job(RETRY_JOB)
    assert retry is not None
    cog = premieres(bot)
    bot.store.clock = lambda: datetime.now(UTC) + timedelta(seconds=121)  # the backoff's time has come
    before = cog.last_run
    retry.modify(next_run_time=datetime.now(UTC))
    await premieres_settled(emulator, bot, before)
    assert len(emulator.scheduled_events(community.guild)) == 1
    assert emulator.count_429(f"POST {EVENTS_ROUTE}") == 1


async def test_the_setting_and_the_status_speak_english_to_an_english_client(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start()
    await settled(emulator, bot)
    community.admin.locale = "en-US"
    reply = await turn_on(emulator, community, bot)
    assert "Manage Events" in reply
    status = await emulator.slash(community.admin, community.general, "status")
    fields = {f["name"]: f["value"] for f in status.embeds[0]["fields"]}
    assert "Manage Events" in fields["Premiere events"]
    shown = await emulator.slash(community.admin, community.general, "settings show")
    assert {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}["Premiere events"] == "On"
