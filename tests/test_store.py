"""The SQLite store: pragmas, migrations from every earlier version, idempotent upserts."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from pathlib import Path

import pytest

from bot.episodes.model import Topic
from bot.store import db as db_module
from bot.store.db import Database, StoreError
from bot.store.episodes import Change
from bot.store.migrations import MIGRATIONS, statements
from bot.store.store import Store
from tests.factories import make_episode


@pytest.fixture
async def store(tmp_path: Path) -> Store:
    opened = await Store.open(tmp_path / "db" / "test.sqlite3")
    yield opened  # type: ignore[misc]
    await opened.close()


async def test_pragmas_and_version(store: Store) -> None:
    db = store.db
    assert (await db.scalar("PRAGMA journal_mode")) == "wal"
    assert (await db.scalar("PRAGMA foreign_keys")) == 1
    assert (await db.scalar("PRAGMA busy_timeout")) == 5000
    assert (await db.scalar("PRAGMA synchronous")) == 2  # FULL
    assert await db.version() == len(MIGRATIONS)


@pytest.mark.parametrize("start", range(len(MIGRATIONS)))
async def test_migrates_from_every_earlier_version(tmp_path: Path, start: int) -> None:
    path = tmp_path / "old.sqlite3"
    db = await Database.open(path, migrate=False)
    await db.migrate(target=start)
    assert await db.version() == start
    if start >= 1:  # data written by an old version survives the upgrade
        await Store(db).episodes.upsert(make_episode(7))
    await db.close()

    async with await Store.open(path) as store:
        assert await store.db.version() == len(MIGRATIONS)
        if start >= 1:
            episode = await store.episodes.get(make_episode(7).key)
            assert episode == make_episode(7)
        tables = {row[0] for row in await store.db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"episodes", "topics", "source_state", "kv", "guild_settings"} <= tables


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this zundabot knows"):
        await Database.open(path)


async def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        await Database.open(path)


def test_statement_splitter_keeps_trigger_bodies() -> None:
    script = """
    CREATE TABLE a (x);
    CREATE TRIGGER t AFTER INSERT ON a BEGIN
        INSERT INTO a VALUES (1);
        INSERT INTO a VALUES (2);
    END;
    """
    parts = statements(script)
    assert len(parts) == 2
    assert parts[1].startswith("CREATE TRIGGER")
    assert parts[1].endswith("END;")


async def test_upsert_is_idempotent(store: Store) -> None:
    episodes = [make_episode(n) for n in range(1, 6)]
    first = await store.episodes.upsert_many(episodes)
    assert [r.change for r in first] == [Change.NEW] * 5
    changes_before = store.db.conn.total_changes
    again = await store.episodes.upsert_many(episodes)
    assert [r.change for r in again] == [Change.UNCHANGED] * 5
    assert store.db.conn.total_changes == changes_before  # nothing written at all
    assert await store.episodes.count() == 5
    assert await store.episodes.all() == episodes


async def test_changed_post_updates_rows_and_revision(store: Store) -> None:
    original = make_episode(3, topics=2)
    await store.episodes.upsert(original)
    edited = dataclasses.replace(
        original,
        title=original.title + "（訂正）",
        topics=(*original.topics, Topic("追加の話題", "https://example.com/new", "追加")),
    )
    result = await store.episodes.upsert(edited)
    assert result.change is Change.CHANGED
    assert result.revision == 2
    stored = await store.episodes.get(original.key)
    assert stored == edited
    assert stored is not None
    assert len(stored.topics) == 3
    assert (await store.episodes.revisions())[original.key] == 2
    topic_rows = await store.db.scalar("SELECT count(*) FROM topics WHERE episode_key = ?", (original.key,))
    assert topic_rows == 3


async def test_less_authoritative_source_does_not_overwrite(store: Store) -> None:
    from_folder = make_episode(4, description="from the post")
    from_feed = dataclasses.replace(from_folder, description="from the feed")
    await store.episodes.upsert(from_folder, source_rank=0)
    result = await store.episodes.upsert(from_feed, source_rank=1)
    assert result.change is Change.UNCHANGED
    assert (await store.episodes.get(from_folder.key)) == from_folder
    # and the other way round: the folder's version replaces the feed's
    other = make_episode(5, description="feed first")
    await store.episodes.upsert(other, source_rank=1)
    result = await store.episodes.upsert(dataclasses.replace(other, description="post"), source_rank=0)
    assert result.change is Change.CHANGED


async def test_withdraw_and_restore(store: Store) -> None:
    episode = dataclasses.replace(make_episode(9), source="/posts/2026-01-10-9.md")
    await store.episodes.upsert(episode)
    assert await store.episodes.withdraw(["/posts/2026-01-10-9.md"]) == [episode.key]
    assert await store.episodes.get(episode.key) is None
    assert await store.episodes.count() == 0
    result = await store.episodes.upsert(episode)
    assert result.change is Change.CHANGED
    assert await store.episodes.get(episode.key) == episode


async def test_reads(store: Store) -> None:
    await store.episodes.upsert_many([make_episode(n) for n in (10, 11, 12)])
    assert [e.number for e in await store.episodes.latest(2)] == ["12", "11"]
    found = await store.episodes.by_number("11")
    assert found is not None
    assert found.number == "11"
    assert await store.episodes.by_number("404") is None
    first, last = make_episode(10).published, make_episode(12).published
    assert [e.number for e in await store.episodes.published_between(first, last)] == ["10", "11"]
    many = await store.episodes.get_many([make_episode(10).key, "https://nowhere/x"])
    assert list(many) == [make_episode(10).key]


async def test_source_state(store: Store) -> None:
    assert (await store.sources.get("feed:x")).failures == 0
    assert await store.sources.failed("feed:x", "boom") == 1
    assert await store.sources.failed("feed:x", "boom again") == 2
    await store.sources.succeeded("feed:x", etag='"abc"', content_hash="h1")
    state = await store.sources.get("feed:x")
    assert (state.etag, state.content_hash, state.failures, state.last_error) == ('"abc"', "h1", 0, None)
    await store.sources.succeeded("feed:x", content_hash="h2")  # the etag is kept
    state = await store.sources.get("feed:x")
    assert (state.etag, state.content_hash) == ('"abc"', "h2")


async def test_kv_and_guild_settings(store: Store) -> None:
    assert await store.kv.get("k") is None
    await store.kv.set("k", "v1")
    await store.kv.set("k", "v2")
    assert await store.kv.get("k") == "v2"
    saved = await store.guilds.update(1, by=99, announce_channel_id=10, announce_role_id=20)
    assert (saved.announce_channel_id, saved.announce_role_id, saved.letters_channel_id) == (10, 20, None)
    saved = await store.guilds.update(1, by=99, letters_channel_id=30)
    assert (saved.announce_channel_id, saved.letters_channel_id) == (10, 30)
    assert await store.guilds.get(1) == saved
    with pytest.raises(ValueError, match="not guild settings"):
        await store.guilds.update(1, by=99, updated_by=5)


async def test_a_damaged_database_stops_the_start_with_how_to_restore(tmp_path: Path) -> None:
    path = tmp_path / "damaged.sqlite3"
    async with await Store.open(path) as store:
        await store.episodes.upsert_many([make_episode(n) for n in range(1, 60)])
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 6 * page
    data[3 * page : 5 * page] = b"\xa5" * (2 * page)  # two pages of garbage in the middle
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="damaged") as failed:
        await Store.open(path)
    assert str(path) in str(failed.value)
    assert "backup" in str(failed.value)


async def test_a_read_only_database_is_named_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "data" / "zundabot.sqlite3"
    async with await Store.open(path):
        pass
    # The file and its folder cannot be written (as on a read-only mount; root ignores chmod, so asked directly).
    monkeypatch.setattr(db_module.os, "access", lambda target, mode: not mode & os.W_OK)
    with pytest.raises(StoreError, match="read-only") as failed:
        await Store.open(path)
    assert str(path) in str(failed.value)
