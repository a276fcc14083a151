"""Guild scheduled events over raw HTTP: the spec, Discord's rules (external events, times, statuses) and the
Manage Events permission; changes reach sessions with the GUILD_SCHEDULED_EVENTS intent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import discord
import pytest

from discord_emulator import DEFAULT_BOT, FAST_CLIENT_OPTIONS, DiscordEmulator, EventStatus, Permission, running
from discord_emulator.models import Guild


@pytest.fixture
def guild(emulator: DiscordEmulator) -> Guild:
    return emulator.create_guild("ずんだ会", bot_permissions=DEFAULT_BOT | Permission.MANAGE_EVENTS)


async def call(session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    async with session.request(method, url, **kwargs) as response:
        body = await response.json() if response.content_type == "application/json" else await response.text()
        return response.status, body


def external(start: datetime, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "第1回の公開",
        "description": "説明\n\nhttps://example.com/episode/1",
        "scheduled_start_time": start.isoformat(),
        "scheduled_end_time": (start + timedelta(minutes=30)).isoformat(),
        "privacy_level": 2,
        "entity_type": 3,
        "entity_metadata": {"location": "https://example.com/episode/1"},
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


async def test_an_external_event_is_created_listed_updated_canceled_and_deleted(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, guild: Guild
) -> None:
    base = f"{emulator.api_base}/guilds/{guild.id}/scheduled-events"
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    status, created = await call(http, "POST", base, json=external(start))
    assert status == 200
    assert (created["status"], created["creator_id"], created["entity_metadata"]) == (
        1,
        str(emulator.bot.id),
        {"location": "https://example.com/episode/1"},
    )
    item = f"{base}/{created['id']}"
    assert [e["id"] for e in (await call(http, "GET", f"{base}?with_user_count=1"))[1]] == [created["id"]]
    status, edited = await call(http, "PATCH", item, json={"name": "改題", "scheduled_start_time": start.isoformat()})
    assert (status, edited["name"]) == (200, "改題")
    status, canceled = await call(http, "PATCH", item, json={"status": 4})
    assert (status, canceled["status"]) == (200, 4)
    assert (await call(http, "PATCH", item, json={"name": "again"}))[1]["code"] == 180000  # finished
    assert (await call(http, "DELETE", item))[0] == 204
    assert (await call(http, "GET", item))[1] == {"message": "Unknown Guild Scheduled Event", "code": 10070}
    assert emulator.scheduled_events(guild) == []
    assert emulator.take_schema_violations() == []


async def test_discord_rules_for_external_events(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, guild: Guild
) -> None:
    base = f"{emulator.api_base}/guilds/{guild.id}/scheduled-events"
    soon = datetime.now(UTC) + timedelta(hours=1)
    status, body = await call(http, "POST", base, json=external(datetime.now(UTC) - timedelta(minutes=1)))
    assert (status, body["errors"]["scheduled_start_time"]["_errors"][0]["code"]) == (
        400,
        "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
    )
    body = (await call(http, "POST", base, json=external(soon, scheduled_end_time=None)))[1]
    assert body["errors"]["scheduled_end_time"]["_errors"][0]["code"] == "BASE_TYPE_REQUIRED"
    body = (await call(http, "POST", base, json=external(soon, entity_metadata={"location": " "})))[1]
    assert body["errors"]["entity_metadata"]["location"]["_errors"][0]["code"] == "BASE_TYPE_REQUIRED"
    later_end = external(soon, scheduled_end_time=(soon - timedelta(minutes=1)).isoformat())
    body = (await call(http, "POST", base, json=later_end))[1]
    assert body["errors"]["scheduled_end_time"]["_errors"][0]["code"] == "GUILD_SCHEDULED_EVENT_END_BEFORE_START"
    status, body = await call(http, "POST", base, json=external(soon, name="x" * 101))  # the spec's limit
    assert (status, body["code"]) == (400, 50035)
    assert len(emulator.take_schema_violations()) == 1
    created = (await call(http, "POST", base, json=external(soon)))[1]
    status, body = await call(http, "PATCH", f"{base}/{created['id']}", json={"status": 3})
    assert body["errors"]["status"]["_errors"][0]["code"] == "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION"
    [event] = emulator.scheduled_events(guild)
    event.start = datetime.now(UTC) - timedelta(seconds=1)  # its time came: Discord starts it
    assert (await call(http, "GET", f"{base}/{created['id']}"))[1]["status"] == int(EventStatus.ACTIVE)
    assert (await call(http, "PATCH", f"{base}/{created['id']}", json={"status": 4}))[0] == 400


async def test_creating_needs_manage_events_or_create_events(
    emulator: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    plain = emulator.create_guild("権限なし")
    creator = emulator.create_guild("作成だけ", bot_permissions=DEFAULT_BOT | Permission.CREATE_EVENTS)
    start = datetime.now(UTC) + timedelta(days=1)
    status, body = await call(
        http, "POST", f"{emulator.api_base}/guilds/{plain.id}/scheduled-events", json=external(start)
    )
    assert (status, body["code"]) == (403, 50013)
    base = f"{emulator.api_base}/guilds/{creator.id}/scheduled-events"
    status, created = await call(http, "POST", base, json=external(start))
    assert status == 200
    assert (await call(http, "PATCH", f"{base}/{created['id']}", json={"status": 4}))[0] == 200  # its own event


async def test_a_guild_holds_at_most_100_open_events(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, guild: Guild
) -> None:
    base = f"{emulator.api_base}/guilds/{guild.id}/scheduled-events"
    start = datetime.now(UTC) + timedelta(days=1)
    for _ in range(100):
        emulator.rest.events.create(guild, external(start))
    status, body = await call(http, "POST", base, json=external(start))
    assert (status, body["code"]) == (400, 30038)
    emulator.scheduled_events(guild)[0].status = EventStatus.CANCELED
    assert (await call(http, "POST", base, json=external(start)))[0] == 200


async def test_discord_py_keeps_its_cache_from_the_gateway_events(emulated_discord: DiscordEmulator) -> None:
    guild = emulated_discord.create_guild("ずんだ会", bot_permissions=DEFAULT_BOT | Permission.MANAGE_EVENTS)
    intents = discord.Intents.none()
    intents.guilds = intents.guild_scheduled_events = True
    client = discord.Client(intents=intents, **FAST_CLIENT_OPTIONS)
    start = datetime.now(UTC) + timedelta(days=1)
    async with running(client, emulated_discord):
        cached = client.get_guild(guild.id)
        assert cached is not None
        event = await cached.create_scheduled_event(
            name="第1回の公開",
            start_time=start,
            end_time=start + timedelta(minutes=30),
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            location="https://example.com/episode/1",
        )
        await emulated_discord.wait_until(lambda: cached.get_scheduled_event(event.id) is not None, 5, "the cache")
        await event.cancel()

        def canceled() -> bool:
            seen = cached.get_scheduled_event(event.id)
            return seen is not None and seen.status is discord.EventStatus.cancelled

        await emulated_discord.wait_until(canceled, 5, "the update")
        [fetched] = await cached.fetch_scheduled_events()
        assert (fetched.location, fetched.creator_id) == ("https://example.com/episode/1", emulated_discord.bot.id)
