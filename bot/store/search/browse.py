"""Lookups that are not searches: a random topic, an episode's topics, a day's episodes, statistics."""

from __future__ import annotations

import math
import random
import sqlite3
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.search.model import Stats, TopicRef, day_end, day_start
from bot.store.db import Database
from bot.store.visibility import visible


class Browsing:
    """Lookups by position and date, and the archive's statistics."""

    def __init__(self, db: Database, now: Clock) -> None:
        self.db = db
        self.now = now

    async def random_topic(self, rng: random.Random | None = None) -> TopicRef | None:
        """A random topic of a live episode (uniform over topic ids, up to gaps), or ``None`` if there is none."""
        highest = await self.db.scalar("SELECT max(id) FROM topics")
        if highest is None:
            return None
        pick = (rng or random.SystemRandom()).randint(1, int(highest))
        sql = (
            "SELECT t.*, e.number, e.published, e.page_url FROM topics t JOIN episodes e ON e.key = t.episode_key "
            f"WHERE {visible(self.now(), 'e')} AND t.id {{op}} ? ORDER BY t.id {{order}} LIMIT 1"
        )
        row = await self.db.fetchone(sql.format(op=">=", order="ASC"), (pick,))
        if row is None:
            row = await self.db.fetchone(sql.format(op="<", order="DESC"), (pick,))
        return None if row is None else self._topic_ref(row)

    async def topics_of(self, episode_key: str) -> list[TopicRef]:
        rows = await self.db.fetchall(
            "SELECT t.*, e.number, e.published, e.page_url FROM topics t JOIN episodes e ON e.key = t.episode_key "
            f"WHERE e.key = ? AND {visible(self.now(), 'e')} ORDER BY t.position",
            (episode_key,),
        )
        return [self._topic_ref(row) for row in rows]

    async def episodes_on(self, day: date, zone: ZoneInfo) -> list[str]:
        """Keys of the live episodes published on ``day`` (local), oldest first; any date works."""
        rows = await self.db.fetchall(
            f"SELECT key FROM episodes WHERE {visible(self.now())} AND published_ts >= ? AND published_ts < ? "
            "ORDER BY published_ts",
            (math.ceil(day_start(day, zone).timestamp()), math.ceil(day_end(day, zone).timestamp())),
        )
        return [row["key"] for row in rows]

    @staticmethod
    def _topic_ref(row: sqlite3.Row) -> TopicRef:
        return TopicRef(
            episode_key=row["episode_key"],
            number=row["number"],
            published=datetime.fromisoformat(row["published"]),
            page_url=row["page_url"],
            position=row["position"],
            title=row["title"],
            url=row["url"],
            summary=row["summary"],
            site=row["site"],
        )

    async def stats(self, zone: ZoneInfo, *, top: int = 5) -> Stats:
        """Counts, top source sites, episodes per MC and the busiest months (in ``zone``)."""
        live = f"FROM episodes WHERE {visible(self.now())}"
        row = await self.db.fetchone(f"SELECT count(*) AS n, min(published_ts) AS a, max(published_ts) AS b {live}")
        episodes = int(row["n"]) if row else 0
        if not episodes or row is None:
            return Stats()
        topics = int(
            await self.db.scalar(
                "SELECT count(*) FROM topics t JOIN episodes e ON e.key = t.episode_key "
                f"WHERE {visible(self.now(), 'e')}"
            )
        )
        sites = await self.db.fetchall(
            "SELECT t.site, count(*) AS n FROM topics t JOIN episodes e ON e.key = t.episode_key "
            f"WHERE {visible(self.now(), 'e')} AND t.site != '' GROUP BY t.site ORDER BY n DESC, t.site LIMIT ?",
            (top,),
        )
        offset = int((datetime.now(zone).utcoffset() or timedelta()).total_seconds())
        months = await self.db.fetchall(
            f"SELECT strftime('%Y-%m', published_ts + ?, 'unixepoch') AS month, count(*) AS n {live} "
            "GROUP BY month ORDER BY n DESC, month DESC LIMIT ?",
            (offset, top),
        )
        return Stats(
            episodes=episodes,
            topics=topics,
            first=datetime.fromtimestamp(row["a"], zone),
            last=datetime.fromtimestamp(row["b"], zone),
            top_sites=tuple((r["site"], r["n"]) for r in sites),
            per_mc=tuple(await self.mcs()),
            busiest_months=tuple((r["month"], r["n"]) for r in months),
        )

    async def mcs(self) -> list[tuple[str, int]]:
        """MCs of live episodes with their episode counts, most frequent first."""
        rows = await self.db.fetchall(
            "SELECT j.value AS name, count(*) AS n FROM episodes e, json_each(e.actors) j "
            f"WHERE {visible(self.now(), 'e')} AND j.type = 'text' "
            "GROUP BY j.value ORDER BY n DESC, j.value"
        )
        return [(row["name"], row["n"]) for row in rows]
