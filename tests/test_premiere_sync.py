"""The premiere sync against a fake Discord: backoff on temporary failures, refusals not retried, the event's
body within Discord's limits, a vanished event replaced. The e2e tests drive the same code through the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.premiere.model import DESCRIPTION_LIMIT, LOCATION_LIMIT, NAME_LIMIT, EventStatus, marks, premiere_of
from bot.premiere.sync import ExistingEvent, Gone, PremiereSync, Refused, TemporaryFailure
from bot.store.premieres import EventState
from bot.store.store import Store
from tests.clocks import ManualClock
from tests.factories import make_episode

GUILD = 42
HOME = "https://zund-arm-on.com"


class FakeDiscord:
    """Scheduled events in one dict; ``fail`` holds the exceptions the next calls raise, in order."""

    def __init__(self) -> None:
        self.events: dict[int, dict[str, Any]] = {}
        self.fail: list[Exception] = []
        self.calls: list[str] = []

    def _maybe_fail(self, name: str) -> None:
        self.calls.append(name)
        if self.fail:
            raise self.fail.pop(0)

    async def list_events(self, guild_id: int) -> list[ExistingEvent]:
        self._maybe_fail("list")
        return [ExistingEvent(i, EventStatus(e["status"]), e["description"], 1) for i, e in self.events.items()]

    async def create_event(self, guild_id: int, body: dict[str, Any]) -> int:
        self._maybe_fail("create")
        event_id = len(self.events) + 1
        self.events[event_id] = body | {"status": 1}
        return event_id

    async def edit_event(self, guild_id: int, event_id: int, body: dict[str, Any]) -> EventStatus:
        self._maybe_fail("edit")
        if event_id not in self.events:
            raise Gone("10070")
        self.events[event_id] |= body
        return EventStatus(self.events[event_id]["status"])


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "premiere.sqlite3") as opened:
        opened.clock = ManualClock(datetime(2024, 1, 1, tzinfo=UTC))
        await opened.premieres.set_enabled(GUILD, True, by=1)
        yield opened


def sync_for(store: Store, discord: FakeDiscord) -> PremiereSync:
    return PremiereSync(store, discord, home_url=HOME, bot_id=lambda: 1)


async def test_a_temporary_failure_backs_off_then_creates_once(store: Store) -> None:
    await store.episodes.upsert(make_episode(3))
    discord = FakeDiscord()
    discord.fail = [TemporaryFailure("503")]
    sync = sync_for(store, discord)
    report = await sync.run(GUILD)
    assert (report.failed, report.next_retry) == (1, datetime(2024, 1, 1, 0, 0, 30, tzinfo=UTC))
    assert (await sync.run(GUILD)).created == 0  # not before its time
    assert discord.calls == ["create"]
    clock = store.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(seconds=31))
    assert (await sync.run(GUILD)).created == 1  # a create may have reached Discord: looked first, then created
    assert discord.calls == ["create", "list", "create"]
    [record] = (await store.premieres.for_guild(GUILD)).values()
    assert (record.state, record.event_id, record.attempts) == (EventState.SCHEDULED, 1, 0)
    assert len(discord.events) == 1


async def test_a_refusal_waits_for_the_post_or_the_settings_to_change(store: Store) -> None:
    await store.episodes.upsert(make_episode(3))
    discord = FakeDiscord()
    discord.fail = [Refused("403 (error code: 50013)")]
    sync = sync_for(store, discord)
    assert (await sync.run(GUILD)).refused == 1
    await sync.run(GUILD)
    assert discord.calls == ["create"]  # not retried
    await store.episodes.upsert(make_episode(3, title="改題"))
    await sync.run(GUILD)
    assert discord.calls == ["create", "create"]  # the post changed: tried again
    assert [e["name"] for e in discord.events.values()] == ["改題"]


async def test_an_event_deleted_by_a_person_is_made_again_when_the_post_changes(store: Store) -> None:
    await store.episodes.upsert(make_episode(3))
    discord = FakeDiscord()
    sync = sync_for(store, discord)
    await sync.run(GUILD)
    discord.events.clear()
    await store.episodes.upsert(make_episode(3, title="改題"))
    assert (await sync.run(GUILD)).created == 1
    assert [e["name"] for e in discord.events.values()] == ["改題"]


async def test_a_refused_edit_is_tried_again_on_the_same_event_when_the_post_changes(store: Store) -> None:
    await store.episodes.upsert(make_episode(3))
    discord = FakeDiscord()
    sync = sync_for(store, discord)
    await sync.run(GUILD)
    discord.fail = [Refused("403")]
    await store.episodes.upsert(make_episode(3, title="改題"))
    assert (await sync.run(GUILD)).refused == 1
    await store.episodes.upsert(make_episode(3, title="再改題"))
    assert (await sync.run(GUILD)).updated == 1
    assert discord.calls == ["create", "edit", "edit"]
    assert [e["name"] for e in discord.events.values()] == ["再改題"]


def test_the_event_body_stays_within_discord_limits() -> None:
    long_url = "https://zund-arm-on.com/episode/" + "a" * 200
    episode = make_episode(5, title="長" * 300, description="説明" * 1000, page_url=long_url)
    premiere = premiere_of(episode, HOME)
    body = premiere.body()
    assert len(body["name"]) == NAME_LIMIT
    assert len(body["description"]) <= DESCRIPTION_LIMIT
    assert marks(body["description"], long_url)
    assert body["entity_metadata"] == {"location": HOME}  # the page URL is longer than a location may be
    assert len(body["entity_metadata"]["location"]) <= LOCATION_LIMIT
    assert body["scheduled_end_time"] > body["scheduled_start_time"]
