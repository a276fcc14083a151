"""Episodes and their topics: idempotent upserts and the reads everything else builds on."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.clock import Clock, utcnow
from bot.episodes.model import Episode, Topic
from bot.store.db import Database, chunks
from bot.store.visibility import visible


class Change(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Upserted:
    """What an upsert did to one episode. ``revision`` grows by one at every content change."""

    key: str
    number: str
    change: Change
    revision: int


@dataclass(slots=True)
class _Plan:
    """What an upsert writes: the result per episode, the rows to insert, the episodes whose topics are replaced."""

    results: list[Upserted] = field(default_factory=list)
    episode_rows: list[tuple[object, ...]] = field(default_factory=list)
    topic_rows: list[tuple[object, ...]] = field(default_factory=list)
    replaced: list[tuple[str]] = field(default_factory=list)


class EpisodeStore:
    """Read and write episodes. Writes are idempotent: the same content twice changes nothing.

    Reads return what listeners may see now (``now`` is the store's clock, see ``bot.store.visibility``);
    ``scheduled=True`` also returns episodes dated later (hosts' tools and the announcer).
    """

    def __init__(self, db: Database, now: Clock) -> None:
        self.db = db
        self.now = now

    def _visible(self, scheduled: bool) -> str:
        return visible(self.now(), scheduled=scheduled)

    async def upsert_many(self, episodes: Sequence[Episode], *, source_rank: int = 0) -> list[Upserted]:
        """Insert new episodes and update changed ones in one transaction.

        ``source_rank`` orders sources by authority (0 = the posts folder, 1 = a feed): an episode
        last written by a more authoritative source is not overwritten by a less authoritative one,
        so the same episode from the folder and the feed does not flip between two versions.
        A withdrawn episode that reappears is restored and counted as changed.
        """
        keys = list(dict.fromkeys(episode.key for episode in episodes))
        existing: dict[str, sqlite3.Row] = {}
        for part in chunks(keys):
            marks = ",".join("?" * len(part))
            rows = await self.db.fetchall(
                f"SELECT key, fingerprint, revision, source_rank, withdrawn_at FROM episodes WHERE key IN ({marks})",
                tuple(part),
            )
            existing.update((row["key"], row) for row in rows)
        # the work per episode (fingerprints, comparisons, rows) runs in a thread: thousands of posts at
        # the first start must not hold up the event loop
        plan = await asyncio.to_thread(_plan, episodes, existing, source_rank, utcnow())
        if plan.episode_rows:
            async with self.db.transaction() as conn:
                if plan.replaced:
                    await conn.executemany("DELETE FROM topics WHERE episode_key = ?", plan.replaced)
                await conn.executemany(
                    """
                    INSERT INTO episodes (key, number, title, published, published_ts, page_url, actors,
                        description, information, audio_url, youtube_url, image_url, source, source_rank,
                        fingerprint, revision, first_seen, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET
                        number = excluded.number, title = excluded.title, published = excluded.published,
                        published_ts = excluded.published_ts, page_url = excluded.page_url,
                        actors = excluded.actors, description = excluded.description,
                        information = excluded.information, audio_url = excluded.audio_url,
                        youtube_url = excluded.youtube_url, image_url = excluded.image_url,
                        source = excluded.source, source_rank = excluded.source_rank,
                        fingerprint = excluded.fingerprint, revision = excluded.revision,
                        updated_at = excluded.updated_at, withdrawn_at = NULL
                    """,
                    plan.episode_rows,
                )
                await conn.executemany(
                    "INSERT INTO topics (episode_key, position, title, url, summary, site) VALUES (?, ?, ?, ?, ?, ?)",
                    plan.topic_rows,
                )
        return plan.results

    async def upsert(self, episode: Episode, *, source_rank: int = 0) -> Upserted:
        return (await self.upsert_many([episode], source_rank=source_rank))[0]

    async def withdraw(self, sources: Iterable[str]) -> list[str]:
        """Mark the episodes read from these post files as withdrawn; return their keys."""
        names = list(sources)
        if not names:
            return []
        keys: list[str] = []
        async with self.db.transaction() as conn:
            for part in chunks(names):
                marks = ",".join("?" * len(part))
                async with conn.execute(
                    f"UPDATE episodes SET withdrawn_at = ? WHERE source IN ({marks}) "
                    "AND withdrawn_at IS NULL RETURNING key",
                    (utcnow(), *part),
                ) as cursor:
                    keys.extend(row[0] for row in await cursor.fetchall())
        return keys

    async def get(self, key: str, *, scheduled: bool = False) -> Episode | None:
        found = await self._load(f"WHERE key = ? AND {self._visible(scheduled)}", (key,))
        return found[0] if found else None

    async def get_many(self, keys: Sequence[str], *, scheduled: bool = False) -> dict[str, Episode]:
        result: dict[str, Episode] = {}
        for part in chunks(keys):
            marks = ",".join("?" * len(part))
            for episode in await self._load(f"WHERE key IN ({marks}) AND {self._visible(scheduled)}", tuple(part)):
                result[episode.key] = episode
        return result

    async def by_number(self, number: str, *, scheduled: bool = False) -> Episode | None:
        """The newest episode numbered ``number`` (``389``; see ``bot.episodes.catalogue.episode_number``)."""
        found = await self._load(
            f"WHERE number = ? AND {self._visible(scheduled)} ORDER BY published_ts DESC LIMIT 1", (number.strip(),)
        )
        return found[0] if found else None

    async def latest(self, limit: int = 1, *, scheduled: bool = False) -> list[Episode]:
        return await self._load(f"WHERE {self._visible(scheduled)} ORDER BY published_ts DESC LIMIT ?", (limit,))

    async def published_between(self, since: datetime, until: datetime, *, scheduled: bool = False) -> list[Episode]:
        """Episodes published in ``[since, until)``, oldest first."""
        return await self._load(
            f"WHERE {self._visible(scheduled)} AND published_ts >= ? AND published_ts < ? ORDER BY published_ts",
            (int(since.timestamp()), int(until.timestamp())),
        )

    async def all(self, *, scheduled: bool = False) -> list[Episode]:
        return await self._load(f"WHERE {self._visible(scheduled)} ORDER BY published_ts", ())

    async def count(self, *, scheduled: bool = False) -> int:
        return int(await self.db.scalar(f"SELECT count(*) FROM episodes WHERE {self._visible(scheduled)}"))

    async def revisions(self) -> dict[str, int]:
        """Current revision of every live episode, by key."""
        rows = await self.db.fetchall("SELECT key, revision FROM episodes WHERE withdrawn_at IS NULL")
        return {row["key"]: row["revision"] for row in rows}

    async def _load(self, where: str, params: tuple[object, ...]) -> list[Episode]:
        rows = await self.db.fetchall(f"SELECT * FROM episodes {where}", params)
        if not rows:
            return []
        topics: dict[str, list[Topic]] = {row["key"]: [] for row in rows}
        for part in chunks(list(topics)):
            marks = ",".join("?" * len(part))
            for topic in await self.db.fetchall(
                f"SELECT episode_key, title, url, summary FROM topics WHERE episode_key IN ({marks}) "
                "ORDER BY episode_key, position",
                tuple(part),
            ):
                topics[topic["episode_key"]].append(Topic(topic["title"], topic["url"], topic["summary"]))
        return [episode_from_row(row, topics[row["key"]]) for row in rows]


def _plan(episodes: Sequence[Episode], existing: dict[str, sqlite3.Row], source_rank: int, now: str) -> _Plan:
    """Compare ``episodes`` (the last of each key wins) with their ``existing`` rows: what to write."""
    plan = _Plan()
    for episode in {episode.key: episode for episode in episodes}.values():
        fingerprint = episode.fingerprint
        row = existing.get(episode.key)
        if row is None:
            revision, change = 1, Change.NEW
        else:
            outranked = source_rank > row["source_rank"] and row["withdrawn_at"] is None
            same = row["fingerprint"] == fingerprint and row["withdrawn_at"] is None
            if outranked or same:
                plan.results.append(Upserted(episode.key, episode.number, Change.UNCHANGED, row["revision"]))
                continue
            revision, change = row["revision"] + 1, Change.CHANGED
            plan.replaced.append((episode.key,))
        plan.results.append(Upserted(episode.key, episode.number, change, revision))
        plan.episode_rows.append(_episode_row(episode, fingerprint, revision, source_rank, now))
        plan.topic_rows.extend(
            (episode.key, position, topic.title, topic.url, topic.summary, topic.site)
            for position, topic in enumerate(episode.topics)
        )
    return plan


def _episode_row(episode: Episode, fingerprint: str, revision: int, source_rank: int, now: str) -> tuple[object, ...]:
    return (
        episode.key,
        episode.number,
        episode.title,
        episode.published.isoformat(),
        int(episode.published.timestamp()),
        episode.page_url,
        json.dumps(list(episode.actors), ensure_ascii=False),
        episode.description,
        episode.information,
        episode.audio_url,
        episode.youtube_url,
        episode.image_url,
        episode.source,
        source_rank,
        fingerprint,
        revision,
        now,
        now,
    )


def episode_from_row(row: sqlite3.Row, topics: Sequence[Topic]) -> Episode:
    return Episode(
        key=row["key"],
        number=row["number"],
        title=row["title"],
        published=datetime.fromisoformat(row["published"]),
        page_url=row["page_url"],
        actors=tuple(json.loads(row["actors"])),
        description=row["description"],
        information=row["information"],
        audio_url=row["audio_url"],
        youtube_url=row["youtube_url"],
        image_url=row["image_url"],
        topics=tuple(topics),
        source=row["source"],
    )
