"""The follow notices outbox: once per notice, backoff on temporary failures, never retried forever."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.follow.matching import Matcher, group
from bot.follow.model import Announcement
from bot.follow.outbox import (
    BACKOFF_MAX,
    MAX_ATTEMPTS,
    DmClosed,
    FollowOutbox,
    Refused,
    TemporaryFailure,
    backoff,
)
from bot.follow.words import clean_word
from bot.store.follows import Added, Outcome
from bot.store.store import Store
from tests.clocks import ManualClock
from tests.factories import make_episode

GUILD = 100
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeTransport:
    members: set[int] = field(default_factory=lambda: {1, 2, 3})
    failures: list[Exception] = field(default_factory=list)
    sent: list[tuple[int, str]] = field(default_factory=list)

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        return user_id in self.members

    async def find_dm(self, user_id: int, content: str, after: datetime) -> int | None:
        return None

    async def send_dm(self, user_id: int, body: dict[str, object], nonce: str) -> int:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((user_id, nonce))
        return 5000 + len(self.sent)

    async def thread_mention(self, thread_id: int, user_id: int, content: str, nonce: str) -> int:
        raise AssertionError("nobody opted in")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "follow.sqlite3") as opened:
        yield opened


async def queue(store: Store, *users: int, revision: int = 1) -> int:
    for user in users:
        shown, normalized = clean_word("話題1")
        assert await store.follows.add(user, GUILD, shown, normalized, "ja") in (Added.ADDED, Added.EXISTS)
    episode = make_episode(1, topics=3)
    announcement = Announcement(
        episode.key,
        episode.number,
        episode.title,
        episode.page_url,
        episode.topics,
        GUILD,
        7,
        8,
        9,
        revision,
        datetime.now(UTC) + timedelta(seconds=5),
    )
    hits = Matcher(episode.topics).hits(await store.follows.words(GUILD, announcement.at))
    matched = group(await store.follows.following(GUILD, announcement.at, list(hits)), hits)
    return await store.follows.enqueue(announcement, matched, dict.fromkeys(matched, True))


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n) for n in range(1, 5)] == [30, 60, 120, 240]
    assert backoff(60) == BACKOFF_MAX


async def test_each_notice_is_sent_once_and_a_scan_is_never_repeated(store: Store) -> None:
    transport = FakeTransport()
    assert await queue(store, 1, 2) == 2
    assert await queue(store, 1, 2) == 0  # the same announcement again (another channel, a restart)
    assert await queue(store, 1, 2, revision=2) == 0  # an edit that adds no matching topic
    outbox = FollowOutbox(store.follows, transport, clock=ManualClock(T0))
    report = await outbox.run()
    assert report.sent == 2
    assert sorted(user for user, _ in transport.sent) == [1, 2]
    assert (await outbox.run()).sent == 0
    assert len(transport.sent) == 2


async def test_temporary_failures_back_off_then_give_up(store: Store) -> None:
    clock = ManualClock(T0)
    transport = FakeTransport(failures=[TemporaryFailure("503")] * MAX_ATTEMPTS)
    await queue(store, 1)
    outbox = FollowOutbox(store.follows, transport, clock=clock)
    for attempt in range(1, MAX_ATTEMPTS):
        report = await outbox.run()
        assert report.retrying == 1
        assert (await outbox.run()).total == 0  # not due before its backoff
        clock.now += timedelta(seconds=backoff(attempt))
    report = await outbox.run()
    assert report.failed == 1
    assert await store.follows.notices_of(1) == [("done", Outcome.FAILED.value)]
    clock.now += timedelta(days=1)
    assert (await outbox.run()).total == 0
    assert transport.sent == []


async def test_refused_closed_and_departed_listeners_end_their_notice(store: Store) -> None:
    transport = FakeTransport(members={1, 2}, failures=[Refused("400 bad"), DmClosed("50007")])
    await queue(store, 1)
    await queue(store, 2, revision=0)
    await queue(store, 3, revision=5)
    outbox = FollowOutbox(store.follows, transport, clock=ManualClock(T0), concurrency=1)
    report = await outbox.run()
    assert (report.failed, report.closed, report.left) == (1, 1, 1)
    outcomes = {user: (await store.follows.notices_of(user))[0][1] for user in (1, 2, 3)}
    assert outcomes == {1: "failed", 2: "closed", 3: "left"}
    assert (await store.follows.prefs(2)).dm_closed_at is not None
    assert await store.follows.of_user(3) == []  # left the server: their follows there are gone
    assert await store.follows.of_user(1) != []
