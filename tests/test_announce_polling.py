"""Polling sources on their own backoff, and the one-time warning about a failing feed."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.episodes.model import Episode
from bot.episodes.sources import Poll, SourceFailed, Validators
from bot.ingest.polling import Poller
from bot.store.store import Store
from tests.clocks import ManualClock
from tests.factories import make_episode


@dataclass
class ScriptedSource:
    """A source whose polls fail or succeed as the test says."""

    name: str
    rank: int = 1
    failing: bool = False
    episodes: list[Episode] = field(default_factory=list)
    polls: int = 0

    async def poll(self, known: Validators) -> Poll:
        self.polls += 1
        if self.failing:
            raise SourceFailed(f"{self.name}: HTTP 503 Service Unavailable")
        return Poll(self.name, episodes=list(self.episodes))

    def commit(self, poll: Poll) -> None:
        """Nothing to remember."""


@pytest.fixture
async def store(tmp_path: Path) -> Store:
    opened = await Store.open(tmp_path / "poll.sqlite3")
    yield opened  # type: ignore[misc]
    await opened.close()


async def test_a_failing_feed_warns_once_then_again_after_recovering(store: Store) -> None:
    feed = ScriptedSource("feed:https://example.com/feed.xml", failing=True)
    clock = ManualClock()
    poller = Poller(store, [feed], interval=timedelta(seconds=0), alert_after=3, clock=clock)
    alerts = []
    for _ in range(6):
        alerts += (await poller.poll()).alerts
    assert [(a.source, a.failures) for a in alerts] == [(feed.name, 3)]
    assert "503" in alerts[0].error

    feed.failing = False
    assert (await poller.poll()).alerts == []
    feed.failing = True
    alerts = [alert for _ in range(3) for alert in (await poller.poll()).alerts]
    assert [a.failures for a in alerts] == [3]


async def test_a_failing_source_is_polled_less_and_less_often(store: Store) -> None:
    feed = ScriptedSource("feed:https://example.com/feed.xml", failing=True)
    folder = ScriptedSource("folder:/posts", rank=0, episodes=[make_episode(1)])
    clock = ManualClock()
    poller = Poller(store, [folder, feed], interval=timedelta(minutes=5), alert_after=99, clock=clock)
    polled_at = []
    for minute in range(0, 120, 5):
        clock.now = datetime.now(UTC) + timedelta(minutes=minute)
        outcome = await poller.poll()
        if feed.name not in outcome.skipped:
            polled_at.append(minute)
            # the state store stamps attempts with the wall clock: move this one to the test's clock
            async with store.db.transaction() as conn:
                await conn.execute(
                    "UPDATE source_state SET last_attempt = ? WHERE source = ?", (clock.now.isoformat(), feed.name)
                )
    assert folder.polls == 24  # a healthy source is polled every time
    gaps = [b - a for a, b in itertools.pairwise(polled_at)]
    assert gaps[:4] == [5, 10, 20, 40]
    assert max(gaps) <= 60


async def test_episodes_polled_are_stored(store: Store) -> None:
    folder = ScriptedSource("folder:/posts", rank=0, episodes=[make_episode(1), make_episode(2)])
    poller = Poller(store, [folder], interval=timedelta(minutes=5), alert_after=3)
    outcome = await poller.poll()
    assert outcome.changed
    assert await store.episodes.count() == 2
    assert not (await poller.poll()).changed
