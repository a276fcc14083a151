"""The letters store: numbering under concurrency, rate limits, blocks, statuses, tombstones, isolation."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.letters.model import Action, Blocked, LetterNotFound, RateLimited, Status, Submission, TransitionError
from bot.letters.outbox import OutboxKind
from bot.letters.ratelimit import RateLimits
from bot.store.store import Store
from tests.factories import make_episode

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LOOSE = RateLimits(short=1000, short_window=600, daily=1000)
GUILD, OTHER = 111, 222


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "letters.sqlite3") as opened:
        yield opened


def sub(author: int = 1, guild: int = GUILD, **changes: object) -> Submission:
    values: dict[str, object] = {
        "guild_id": guild,
        "author_id": author,
        "radio_name": f"リスナー{author}",
        "body": f"お便り本文です（{author}）",
    }
    values.update(changes)
    return Submission(**values)  # type: ignore[arg-type]


async def test_submit_numbers_per_server_and_queues_the_post(store: Store) -> None:
    first = await store.letters.submit(sub(1), LOOSE, now=T0)
    second = await store.letters.submit(sub(2), LOOSE, now=T0)
    elsewhere = await store.letters.submit(sub(1, guild=OTHER), LOOSE, now=T0)
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.status is Status.NEW
    assert first.created_at == "2026-03-01T12:00:00+00:00"
    items = await store.letters.items_for(first.id)
    assert [item.kind for item in items] == [OutboxKind.POST]
    history = await store.letters.history(first)
    assert [(e.action, e.actor_id, e.to_status) for e in history] == [(Action.SUBMITTED, 1, Status.NEW)]


async def test_concurrent_submissions_get_unique_gapless_numbers(store: Store) -> None:
    letters = await asyncio.gather(*(store.letters.submit(sub(i % 50), LOOSE, now=T0) for i in range(400)))
    assert sorted(letter.number for letter in letters) == list(range(1, 401))
    assert await store.letters.count(GUILD) == 400
    assert store.letters.commits < 400  # grouped commits


async def test_letter_is_durable_once_submit_returns(tmp_path: Path) -> None:
    path = tmp_path / "durable.sqlite3"
    store = await Store.open(path)
    letter = await store.letters.submit(sub(7), LOOSE, now=T0)
    # another connection (another process, after a crash) sees it committed
    async with await Store.open(path) as other:
        found = await other.letters.get(GUILD, letter.number)
    await store.close()
    assert found == letter


async def test_rate_limit_short_window_and_daily(store: Store) -> None:
    limits = RateLimits(short=3, short_window=600, daily=5)
    for minute in range(3):
        await store.letters.submit(sub(1), limits, now=T0 + timedelta(minutes=minute))
    with pytest.raises(RateLimited) as caught:
        await store.letters.submit(sub(1), limits, now=T0 + timedelta(minutes=3))
    assert caught.value.retry_after == pytest.approx(420)
    await store.letters.submit(sub(2), limits, now=T0 + timedelta(minutes=3))  # other listeners are not affected
    await store.letters.submit(sub(1, guild=OTHER), limits, now=T0 + timedelta(minutes=3))  # nor other servers
    for hour in (1, 2):
        await store.letters.submit(sub(1), limits, now=T0 + timedelta(hours=hour))
    with pytest.raises(RateLimited) as daily:
        await store.letters.submit(sub(1), limits, now=T0 + timedelta(hours=3))
    assert daily.value.retry_after == pytest.approx(21 * 3600)
    await store.letters.submit(sub(1), limits, now=T0 + timedelta(hours=24, seconds=1))


async def test_rate_limit_holds_under_a_concurrent_burst(store: Store) -> None:
    limits = RateLimits(short=3, short_window=600, daily=20)
    results = await asyncio.gather(
        *(store.letters.submit(sub(1), limits, now=T0) for _ in range(10)), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 3
    assert sum(isinstance(r, RateLimited) for r in results) == 7


async def test_deleting_does_not_refund_the_rate_limit(store: Store) -> None:
    limits = RateLimits(short=1, short_window=600, daily=20)
    letter = await store.letters.submit(sub(1), limits, now=T0)
    await store.letters.delete_by_author(GUILD, letter.number, 1, now=T0)
    with pytest.raises(RateLimited):
        await store.letters.submit(sub(1), limits, now=T0 + timedelta(seconds=5))


async def test_block_and_unblock(store: Store) -> None:
    letter = await store.letters.submit(sub(5), LOOSE, now=T0)
    assert await store.letters.block(GUILD, 5, actor_id=99, letter=letter)
    assert not await store.letters.block(GUILD, 5, actor_id=99, letter=letter)
    with pytest.raises(Blocked):
        await store.letters.submit(sub(5), LOOSE, now=T0)
    await store.letters.submit(sub(5, guild=OTHER), LOOSE, now=T0)  # a block is per server
    assert await store.letters.unblock(GUILD, 5, actor_id=99, letter=letter)
    await store.letters.submit(sub(5), LOOSE, now=T0)
    actions = [e.action for e in await store.letters.history(letter)]
    assert actions == [Action.SUBMITTED, Action.BLOCKED, Action.UNBLOCKED]


async def test_status_changes_record_who_and_when(store: Store) -> None:
    letter = await store.letters.submit(sub(1), LOOSE, now=T0)
    held = await store.letters.set_status(GUILD, letter.number, Status.HELD, actor_id=42, now=T0 + timedelta(hours=1))
    assert held.status is Status.HELD
    assert held.updated_at == "2026-03-01T13:00:00+00:00"
    with pytest.raises(TransitionError, match="same"):
        await store.letters.set_status(GUILD, letter.number, Status.HELD, actor_id=42)
    event = (await store.letters.history(letter))[-1]
    assert (event.action, event.actor_id, event.from_status, event.to_status, event.at) == (
        Action.STATUS,
        42,
        Status.NEW,
        Status.HELD,
        "2026-03-01T13:00:00+00:00",
    )


async def test_status_of_another_servers_letter_is_not_found(store: Store) -> None:
    letter = await store.letters.submit(sub(1, guild=OTHER), LOOSE, now=T0)
    with pytest.raises(LetterNotFound):
        await store.letters.set_status(GUILD, letter.number, Status.READ, actor_id=42)
    assert await store.letters.get(GUILD, letter.number) is None
    assert await store.letters.get_by_id(GUILD, letter.id) is None
    assert await store.letters.find(GUILD) == []
    assert await store.letters.for_export(GUILD) == []
    assert await store.letters.counts(GUILD) == {}


async def test_edit_of_the_hosts_message_is_queued_only_when_it_exists(store: Store) -> None:
    letter = await store.letters.submit(sub(1), LOOSE, now=T0)
    await store.letters.set_status(GUILD, letter.number, Status.READ, actor_id=42)
    assert [i.kind for i in await store.letters.items_for(letter.id)] == [OutboxKind.POST]
    [post] = await store.letters.items_for(letter.id)
    await store.letters.posted(post, letter, channel_id=500, message_id=600)
    await store.letters.set_status(GUILD, letter.number, Status.ADOPTED, actor_id=42)
    assert [i.kind for i in await store.letters.items_for(letter.id)] == [OutboxKind.UPDATE]
    await store.letters.set_status(GUILD, letter.number, Status.HELD, actor_id=42, refresh_host_message=False)
    assert len(await store.letters.items_for(letter.id)) == 1


async def test_posted_requeues_an_edit_when_the_letter_changed_meanwhile(store: Store) -> None:
    letter = await store.letters.submit(sub(1), LOOSE, now=T0)
    [post] = await store.letters.items_for(letter.id)
    await store.letters.set_status(GUILD, letter.number, Status.READ, actor_id=42, now=T0 + timedelta(minutes=1))
    await store.letters.posted(post, letter, channel_id=500, message_id=600)  # rendered before the change
    assert [i.kind for i in await store.letters.items_for(letter.id)] == [OutboxKind.UPDATE]
    stored = await store.letters.get(GUILD, letter.number)
    assert stored is not None
    assert (stored.host_channel_id, stored.host_message_id) == (500, 600)


async def test_mark_aired_queues_one_notice_when_asked(store: Store) -> None:
    episode = make_episode(389)
    quiet = await store.letters.submit(sub(1), LOOSE, now=T0)
    wants = await store.letters.submit(sub(2, notify=True), LOOSE, now=T0)
    _, queued = await store.letters.mark_aired(
        GUILD, quiet.number, episode_key=episode.key, episode_number="389", actor_id=42
    )
    assert not queued
    aired, queued = await store.letters.mark_aired(
        GUILD, wants.number, episode_key=episode.key, episode_number="389", actor_id=42, now=T0
    )
    assert queued
    assert (aired.status, aired.aired_episode_number, aired.aired_at) == (Status.AIRED, "389", T0.isoformat())
    notice = next(i for i in await store.letters.items_for(wants.id) if i.kind is OutboxKind.NOTIFY)
    await store.letters.notified(notice, aired, "dm", now=T0)
    _, again = await store.letters.mark_aired(
        GUILD, wants.number, episode_key=episode.key, episode_number="390", actor_id=42
    )
    assert not again  # told once
    stored = await store.letters.get(GUILD, wants.number)
    assert stored is not None
    assert (stored.notify_result, stored.aired_episode_number) == ("dm", "390")


async def test_delete_by_author_leaves_an_anonymous_tombstone(store: Store) -> None:
    letter = await store.letters.submit(sub(3, notify=True), LOOSE, now=T0)
    await store.letters.submit(sub(4), LOOSE, now=T0)
    with pytest.raises(LetterNotFound):
        await store.letters.delete_by_author(GUILD, letter.number, author_id=4)
    tomb = await store.letters.delete_by_author(GUILD, letter.number, author_id=3, now=T0)
    assert (tomb.status, tomb.author_id, tomb.radio_name, tomb.body, tomb.notify) == (
        Status.DELETED,
        None,
        "",
        "",
        False,
    )
    assert await store.letters.items_for(letter.id) == []  # never delivered now
    assert all(e.actor_id != 3 for e in await store.letters.history(letter))
    assert await store.letters.counts(GUILD) == {Status.DELETED: 1, Status.NEW: 1}
    assert [x.number for x in await store.letters.for_export(GUILD)] == [2]
    with pytest.raises(LetterNotFound):
        await store.letters.delete_by_author(GUILD, letter.number, author_id=3)
    with pytest.raises(TransitionError, match="deleted"):
        await store.letters.set_status(GUILD, letter.number, Status.READ, actor_id=42)
    next_letter = await store.letters.submit(sub(5), LOOSE, now=T0)
    assert next_letter.number == 3  # numbers are never reused


async def test_delete_after_delivery_queues_redaction(store: Store) -> None:
    letter = await store.letters.submit(sub(3), LOOSE, now=T0)
    [post] = await store.letters.items_for(letter.id)
    await store.letters.posted(post, letter, channel_id=500, message_id=600)
    await store.letters.delete_by_author(GUILD, letter.number, author_id=3)
    assert [i.kind for i in await store.letters.items_for(letter.id)] == [OutboxKind.UPDATE]


async def test_find_filters_and_pages(store: Store) -> None:
    episode = make_episode(389)
    for i in range(12):
        key = episode.key if i % 3 == 0 else None
        await store.letters.submit(sub(i, episode_key=key, episode_number="389" if key else None), LOOSE, now=T0)
    await store.letters.set_status(GUILD, 2, Status.ADOPTED, actor_id=42)
    page = await store.letters.find(GUILD, limit=5, offset=5)
    assert [x.number for x in page] == [7, 6, 5, 4, 3]
    assert [x.number for x in await store.letters.find(GUILD, status=Status.ADOPTED)] == [2]
    assert await store.letters.count(GUILD, episode_key=episode.key) == 4
    assert [x.number for x in await store.letters.find(GUILD, author_id=4)] == [5]


async def test_episode_choices(store: Store) -> None:
    await store.episodes.upsert_many([make_episode(n, title=f"第{n}回 AI_news 100%") for n in (388, 389, 390)])
    assert [c.number for c in await store.letters.episode_choices()] == ["390", "389", "388"]
    assert [c.number for c in await store.letters.episode_choices("389")] == ["389"]
    assert [c.number for c in await store.letters.episode_choices("390回")] == ["390"]
    assert len(await store.letters.episode_choices("100%")) == 3
    assert await store.letters.episode_choices("_x") == []


async def test_export_since_and_status(store: Store) -> None:
    await store.letters.submit(sub(1), LOOSE, now=T0)
    await store.letters.submit(sub(2), LOOSE, now=T0 + timedelta(days=2))
    assert [x.number for x in await store.letters.for_export(GUILD, since=T0 + timedelta(days=1))] == [2]
    assert [x.number for x in await store.letters.for_export(None)] == [1, 2]
    assert await store.letters.for_export(GUILD, status=Status.DELETED) == []


async def test_backlog(store: Store) -> None:
    assert (await store.letters.backlog(GUILD)).pending == 0
    await store.letters.submit(sub(1), LOOSE, now=T0)
    await store.letters.submit(sub(2), LOOSE, now=T0 + timedelta(minutes=5))
    items = await store.letters.due(T0 + timedelta(hours=1))
    await store.letters.failed(items[:1], "Missing Access", T0 + timedelta(hours=2), channel_id=500)
    backlog = await store.letters.backlog(GUILD)
    assert (backlog.pending, backlog.oldest, backlog.last_error) == (2, T0.isoformat(), "Missing Access")
    assert (await store.letters.backlog(OTHER)).pending == 0


async def test_a_failed_commit_fails_every_letter_of_the_batch(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store.letters, "_insert_batch", broken)
    results = await asyncio.gather(*(store.letters.submit(sub(i), LOOSE) for i in range(3)), return_exceptions=True)
    assert all(isinstance(r, sqlite3.OperationalError) for r in results)
    monkeypatch.undo()
    assert await store.letters.count(GUILD) == 0
    assert (await store.letters.submit(sub(1), LOOSE)).number == 1


async def test_ids_out_of_sqlite_range_find_nothing(store: Store) -> None:
    letter = await store.letters.submit(sub(1), LOOSE, now=T0)
    forged = 9_999_999_999_999_999_999  # 19 digits, as a custom id may carry: beyond SQLite's integers
    assert await store.letters.get_by_id(GUILD, forged) is None
    assert await store.letters.get(GUILD, forged) is None
    assert await store.letters.get_by_id(GUILD, letter.id) == letter


async def test_blocking_queues_an_edit_of_every_message_of_the_author(store: Store) -> None:
    first, second, other = [await store.letters.submit(sub(author), LOOSE, now=T0) for author in (5, 5, 6)]
    for number, letter in enumerate((first, second, other)):
        [post] = await store.letters.items_for(letter.id)
        await store.letters.posted(post, letter, channel_id=500, message_id=600 + number)
    assert await store.letters.block(GUILD, 5, actor_id=99, letter=first, redrawn=first.id)
    assert [i.kind for i in await store.letters.items_for(second.id)] == [OutboxKind.UPDATE]
    assert await store.letters.items_for(first.id) == []  # its message is redrawn by the button itself
    assert await store.letters.items_for(other.id) == []  # another author's letter is not affected
    assert not await store.letters.block(GUILD, 5, actor_id=99, letter=second)  # already: nothing queued anew
    assert await store.letters.unblock(GUILD, 5, actor_id=98, letter=second)
    assert [i.kind for i in await store.letters.items_for(first.id)] == [OutboxKind.UPDATE]
