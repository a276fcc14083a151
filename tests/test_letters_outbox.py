"""The letters outbox: delivered once, held while the hosts' channel is unusable, resumed when it changes."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.letters.model import Letter, Status, Submission
from bot.letters.notify import Outcome, notify_author
from bot.letters.outbox import BACKOFF_MAX, DeliveryUnavailable, MessageGone, OutboxKind, OutboxWorker, backoff
from bot.letters.ratelimit import RateLimits
from bot.store.store import Store
from tests.clocks import ManualClock

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LOOSE = RateLimits(short=1000, daily=1000)
GUILD = 111


@dataclass
class FakeTransport:
    channels: dict[int, int | None] = field(default_factory=lambda: {GUILD: 500})
    broken: set[int] = field(default_factory=set)
    flaky: int = 0
    lost_answers: int = 0
    gone: bool = False
    posts: list[tuple[int, int]] = field(default_factory=list)
    updates: list[tuple[int, Status]] = field(default_factory=list)
    notices: list[int] = field(default_factory=list)

    async def channel_for(self, guild_id: int) -> int | None:
        return self.channels.get(guild_id)

    async def post(self, letter: Letter, channel_id: int) -> int:
        if channel_id in self.broken:
            raise DeliveryUnavailable("Missing Access")
        if self.flaky:
            self.flaky -= 1
            raise ConnectionError("503")
        self.posts.append((letter.number, channel_id))
        if self.lost_answers:  # the post is made, the answer never arrives
            self.lost_answers -= 1
            raise ConnectionError("connection reset")
        return 9000 + letter.number

    async def find_posted(self, letter: Letter, channel_id: int, since: datetime) -> int | None:
        return 9000 + letter.number if (letter.number, channel_id) in self.posts else None

    async def update(self, letter: Letter, channel_id: int, message_id: int) -> None:
        if self.gone:
            raise MessageGone
        self.updates.append((letter.number, letter.status))

    async def notify(self, letter: Letter) -> str:
        self.notices.append(letter.number)
        return "dm"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "outbox.sqlite3") as opened:
        yield opened


async def submit(store: Store, author: int = 1, guild: int = GUILD, **extra: object) -> Letter:
    values: dict[str, object] = {"guild_id": guild, "author_id": author, "radio_name": "r", "body": "本文" * 5}
    values.update(extra)
    return await store.letters.submit(Submission(**values), LOOSE, now=T0)  # type: ignore[arg-type]


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n) for n in range(4)] == [30, 60, 120, 240]
    assert backoff(50) == BACKOFF_MAX


async def test_delivers_each_letter_once_in_order(store: Store) -> None:
    transport = FakeTransport()
    worker = OutboxWorker(store.letters, transport, clock=ManualClock(T0))
    for author in range(3):
        await submit(store, author)
    report = await worker.run()
    assert report.posted == 3
    assert transport.posts == [(1, 500), (2, 500), (3, 500)]
    assert (await worker.run()).posted == 0
    letter = await store.letters.get(GUILD, 2)
    assert letter is not None
    assert (letter.host_channel_id, letter.host_message_id) == (500, 9002)


async def test_missing_channel_keeps_letters_and_delivers_once_it_is_set(store: Store) -> None:
    transport = FakeTransport(channels={})
    clock = ManualClock(T0)
    worker = OutboxWorker(store.letters, transport, clock=clock)
    await submit(store, 1)
    await submit(store, 2)
    report = await worker.run()
    assert (report.posted, report.waiting_guilds) == (0, {GUILD})
    backlog = await store.letters.backlog(GUILD)
    assert (backlog.pending, backlog.last_error) == (2, "no hosts' channel is set")
    transport.channels[GUILD] = 500  # the hosts configure a channel: delivered at the next run, no waiting
    clock.now += timedelta(seconds=1)
    assert (await worker.run()).posted == 2
    assert (await store.letters.backlog(GUILD)).pending == 0


async def test_unwritable_channel_backs_off_the_whole_server(store: Store) -> None:
    transport = FakeTransport(broken={500})
    clock = ManualClock(T0)
    worker = OutboxWorker(store.letters, transport, clock=clock)
    for author in range(5):
        await submit(store, author)
    await worker.run()
    assert transport.posts == []
    due = await store.letters.due(clock.now + timedelta(seconds=29))
    assert due == []  # everything waits together, one failed request for the lot
    transport.broken.clear()
    clock.now += timedelta(seconds=31)
    assert (await worker.run()).posted == 5


async def test_transient_error_retries_only_that_item_later(store: Store) -> None:
    transport = FakeTransport(flaky=1)
    clock = ManualClock(T0)
    worker = OutboxWorker(store.letters, transport, clock=clock)
    await submit(store, 1)
    await submit(store, 2)
    report = await worker.run()
    assert (report.posted, report.failed) == (1, 1)
    assert transport.posts == [(2, 500)]
    clock.now += timedelta(seconds=31)
    await worker.run()
    assert transport.posts == [(2, 500), (1, 500)]


async def test_changed_channel_retries_at_once(store: Store) -> None:
    transport = FakeTransport(broken={500})
    clock = ManualClock(T0)
    worker = OutboxWorker(store.letters, transport, clock=clock)
    await submit(store, 1)
    await worker.run()
    transport.channels[GUILD] = 501
    assert (await worker.run()).posted == 1
    assert transport.posts == [(1, 501)]


async def test_status_change_after_post_edits_the_message(store: Store) -> None:
    transport = FakeTransport()
    worker = OutboxWorker(store.letters, transport, clock=ManualClock(T0))
    await submit(store, 1)
    await worker.run()
    await store.letters.set_status(GUILD, 1, Status.ADOPTED, actor_id=42)
    report = await worker.run()
    assert report.updated == 1
    assert transport.updates == [(1, Status.ADOPTED)]


async def test_edit_of_a_deleted_message_is_dropped(store: Store) -> None:
    transport = FakeTransport(gone=True)
    worker = OutboxWorker(store.letters, transport, clock=ManualClock(T0))
    await submit(store, 1)
    await worker.run()
    await store.letters.set_status(GUILD, 1, Status.ADOPTED, actor_id=42)
    await worker.run()
    assert (await store.letters.backlog(GUILD)).pending == 0
    assert transport.posts == [(1, 500)]  # not re-posted


async def test_notice_is_delivered_now_even_without_a_channel(store: Store) -> None:
    transport = FakeTransport(channels={})
    worker = OutboxWorker(store.letters, transport, clock=ManualClock(T0))
    letter = await submit(store, 1, notify=True)
    aired, queued = await store.letters.mark_aired(GUILD, 1, episode_key="k", episode_number="389", actor_id=42)
    assert queued
    report = await worker.deliver_letter(aired)
    assert report.outcomes[OutboxKind.NOTIFY] == "dm"
    assert transport.notices == [1]
    stored = await store.letters.get(GUILD, letter.number)
    assert stored is not None
    assert stored.notify_result == "dm"
    assert [i.kind for i in await store.letters.items_for(letter.id)] == [OutboxKind.POST]


async def test_concurrent_runs_do_not_deliver_twice(store: Store) -> None:
    import asyncio

    transport = FakeTransport()
    worker = OutboxWorker(store.letters, transport, clock=ManualClock(T0))
    letters = [await submit(store, author) for author in range(20)]
    await asyncio.gather(worker.run(), worker.run(), *(worker.deliver_letter(x) for x in letters))
    assert sorted(transport.posts) == [(n, 500) for n in range(1, 21)]


async def test_a_channel_change_during_a_run_is_picked_up_by_that_run(store: Store) -> None:
    import asyncio

    transport = FakeTransport(broken={500})
    worker = OutboxWorker(store.letters, transport, clock=ManualClock(T0))
    await submit(store)
    entered = asyncio.Event()
    release = asyncio.Event()
    original = transport.post

    async def slow_post(letter: Letter, channel_id: int) -> int:
        entered.set()
        await release.wait()
        return await original(letter, channel_id)

    transport.post = slow_post  # type: ignore[method-assign]
    first = asyncio.create_task(worker.run())
    await entered.wait()  # the run is trying the broken channel
    transport.channels[GUILD] = 600  # the hosts pick another channel and ask for a delivery meanwhile
    assert (await worker.run()).posted == 0  # folded into the run under way
    release.set()
    report = await first
    assert transport.posts == [(1, 600)]
    assert report.posted == 1


@dataclass
class FakeMessenger:
    dm_open: bool
    thread_ok: bool = True
    sent: list[str] = field(default_factory=list)

    async def direct_message(self, user_id: int, letter: Letter) -> bool:
        self.sent.append(f"dm:{user_id}")
        return self.dm_open

    async def thread_mention(self, thread_id: int, user_id: int, letter: Letter) -> bool:
        self.sent.append(f"thread:{thread_id}:{user_id}")
        return self.thread_ok


async def test_notify_author_prefers_dm_then_the_episode_thread(store: Store) -> None:
    await submit(store, 7, notify=True)
    aired, _ = await store.letters.mark_aired(GUILD, 1, episode_key="ep-key", episode_number="389", actor_id=42)

    async def thread_for(key: str, guild_id: int) -> int | None:
        return 777 if (key, guild_id) == ("ep-key", GUILD) else None

    async def no_thread(key: str, guild_id: int) -> int | None:
        return None

    open_dm = FakeMessenger(dm_open=True)
    assert await notify_author(aired, open_dm, thread_for) is Outcome.DM
    closed = FakeMessenger(dm_open=False)
    assert await notify_author(aired, closed, thread_for) is Outcome.THREAD
    assert closed.sent == ["dm:7", "thread:777:7"]
    assert await notify_author(aired, FakeMessenger(dm_open=False), no_thread) is Outcome.UNREACHABLE
    assert await notify_author(aired, FakeMessenger(dm_open=False, thread_ok=False), thread_for) is Outcome.UNREACHABLE


async def test_a_post_whose_answer_was_lost_is_found_not_posted_again(store: Store) -> None:
    transport = FakeTransport(lost_answers=1)
    clock = ManualClock(T0)
    worker = OutboxWorker(store.letters, transport, clock=clock)
    await submit(store, 1)
    assert (await worker.run()).failed == 1
    clock.now += timedelta(minutes=5)
    assert (await worker.run()).posted == 1
    assert transport.posts == [(1, 500)]  # found in the channel, not posted twice
    letter = await store.letters.get(GUILD, 1)
    assert letter is not None
    assert letter.host_message_id == 9001


async def test_a_failed_record_of_a_post_retries_the_record_never_the_post(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = FakeTransport()
    clock = ManualClock(T0)
    worker = OutboxWorker(store.letters, transport, clock=clock)
    await submit(store, 1)
    posted, failed = store.letters.posted, store.letters.failed

    async def disk_full(*args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store.letters, "posted", disk_full)
    monkeypatch.setattr(store.letters, "failed", disk_full)  # recording the failure fails too
    for _ in range(5):
        await worker.run()
        clock.now += timedelta(minutes=10)
    assert transport.posts == [(1, 500)]
    monkeypatch.setattr(store.letters, "posted", posted)  # the disk has room again
    monkeypatch.setattr(store.letters, "failed", failed)
    await worker.run()
    assert transport.posts == [(1, 500)]
    letter = await store.letters.get(GUILD, 1)
    assert letter is not None
    assert letter.host_message_id == 9001
    assert (await store.letters.backlog(GUILD)).pending == 0


async def test_a_worker_that_cannot_record_a_failure_backs_off_in_memory(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = FakeTransport(flaky=100)
    clock = ManualClock(T0)
    worker = OutboxWorker(store.letters, transport, clock=clock)
    await submit(store, 1)

    async def disk_full(*args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store.letters, "failed", disk_full)
    assert (await worker.run()).failed == 1
    assert (await worker.run()).failed == 0  # not tried again at once
    clock.now += timedelta(seconds=31)
    assert (await worker.run()).failed == 1


async def test_after_a_long_outage_letters_wait_at_most_five_minutes(store: Store) -> None:
    transport = FakeTransport(broken={500})
    clock = ManualClock(T0)
    worker = OutboxWorker(store.letters, transport, clock=clock)
    await submit(store, 1)
    for _ in range(30):  # hours of a channel nobody can post in
        await worker.run()
        clock.now += timedelta(seconds=BACKOFF_MAX + 1)
    transport.broken.clear()  # writable again
    await worker.run()
    clock.now += timedelta(minutes=5, seconds=1)
    await worker.run()
    assert transport.posts == [(1, 500)]
