"""Autocomplete and references: titles and episodes for what was typed so far, the episode a user means."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.episodes.catalogue import EpisodeChoice, date_range, episode_number, one_line
from bot.search.query import parse_query
from bot.search.worker import off_loop
from bot.store.search.docids import MASK
from bot.store.search.queries import SearchQueries, column
from bot.store.visibility import visible
from bot.text import normalize


class Suggestions(SearchQueries):
    """Choices for autocomplete and the episode a typed reference means."""

    async def suggest_titles(self, text: str, limit: int = 25, *, fresh: bool = True) -> list[str]:
        """Topic titles (≤ 100 characters) matching what was typed so far, newest first, no duplicates.

        ``fresh=False`` skips the flush: autocomplete answers at once from the index as it is.
        """
        parsed = await self.widened(await off_loop(parse_query, text))
        expression = parsed.match_fts() if not parsed.empty else None
        mask = MASK
        if fresh:
            await self.flush()
        if expression is None:
            rows = await self.db.fetchall(
                "SELECT t.title FROM (SELECT docbase, key FROM search_episodes WHERE docbase >= ? "
                "ORDER BY docbase LIMIT ?) s JOIN topics t ON t.episode_key = s.key "
                "ORDER BY s.docbase, t.position LIMIT ?",
                (self._visible_low(), limit, limit * 2),
            )
        else:
            rows = await self.db.fetchall(
                f"""
                WITH found AS (
                    SELECT rowid AS doc FROM search_fts
                    WHERE search_fts MATCH ? AND rowid >= ? AND (rowid & {mask}) != 0 ORDER BY rowid LIMIT ?
                )
                SELECT t.title FROM found
                JOIN search_episodes s ON s.docbase = found.doc - (found.doc & {mask})
                JOIN topics t ON t.episode_key = s.key AND t.position = (found.doc & {mask}) - 1
                ORDER BY found.doc
                """,
                (column(expression, "title"), self._visible_low(), limit * 2),
            )
        seen: set[str] = set()
        titles: list[str] = []
        for row in rows:
            label = one_line(row["title"])
            if label and normalize(label) not in seen:
                seen.add(normalize(label))
                titles.append(label)
        return titles[:limit]

    async def suggest_episodes(
        self, text: str, zone: ZoneInfo, limit: int = 25, *, fresh: bool = True
    ) -> list[EpisodeChoice]:
        """Episodes for what was typed: a number prefix, a date (``2025``, ``2025-06``, ``2025-06-30``) or
        words of a topic title; newest first. Labels are ``#389 2025-06-30 タイトル`` (≤ 100 characters).
        ``fresh=False`` skips the flush, as in :meth:`suggest_titles`."""
        value = text.strip()
        number = episode_number(value) if value else None
        dates = date_range(value, zone) if value else None
        rows: Sequence[sqlite3.Row]
        episodes = f"SELECT key, number, published, title, NULL AS topic FROM episodes WHERE {visible(self.now())}"
        if not value:
            rows = await self.db.fetchall(f"{episodes} ORDER BY published_ts DESC LIMIT ?", (limit,))
        elif dates is not None:
            rows = await self.db.fetchall(
                f"{episodes} AND published_ts >= ? AND published_ts < ? ORDER BY published_ts DESC LIMIT ?",
                (int(dates[0].timestamp()), int(dates[1].timestamp()), limit),
            )
        elif number is not None:
            rows = await self.db.fetchall(
                f"{episodes} AND number GLOB ? ORDER BY length(number), published_ts DESC LIMIT ?",
                (number + "*", limit),
            )
        else:
            rows = await self._episodes_by_words(value, limit, fresh=fresh)
        choices: list[EpisodeChoice] = []
        seen: set[str] = set()
        for row in rows:
            if row["key"] in seen:
                continue
            seen.add(row["key"])
            published = datetime.fromisoformat(row["published"])
            choices.append(EpisodeChoice(row["key"], row["number"], row["topic"] or row["title"], published))
        return choices[:limit]

    async def _episodes_by_words(self, text: str, limit: int, *, fresh: bool) -> Sequence[sqlite3.Row]:
        parsed = await self.widened(await off_loop(parse_query, text))
        expression = parsed.match_fts()
        if expression is None:
            return []
        if fresh:
            await self.flush()
        mask = MASK
        return await self.db.fetchall(
            f"""
            WITH found AS (
                SELECT rowid AS doc FROM search_fts WHERE search_fts MATCH ? AND rowid >= ? ORDER BY rowid LIMIT ?
            )
            SELECT e.key, e.number, e.published, e.title, t.title AS topic FROM found
            JOIN search_episodes s ON s.docbase = found.doc - (found.doc & {mask})
            JOIN episodes e ON e.key = s.key
            LEFT JOIN topics t ON t.episode_key = s.key AND t.position = (found.doc & {mask}) - 1
            ORDER BY found.doc
            """,
            (column(expression, "title body"), self._visible_low(), limit * 4),
        )

    async def find_episode_key(self, text: str, zone: ZoneInfo) -> str | None:
        """The episode a user means by ``text``: a number, a date, or the best search hit for the words."""
        value = text.strip()
        if not value:
            return None
        live = visible(self.now())
        number = episode_number(value)
        if number is not None:
            key = await self.db.scalar(
                f"SELECT key FROM episodes WHERE number = ? AND {live} ORDER BY published_ts DESC LIMIT 1", (number,)
            )
            if key is not None:
                return str(key)
        dates = date_range(value, zone)
        if dates is not None:
            key = await self.db.scalar(
                f"SELECT key FROM episodes WHERE {live} AND published_ts >= ? AND published_ts < ? "
                "ORDER BY published_ts DESC LIMIT 1",
                (int(dates[0].timestamp()), int(dates[1].timestamp())),
            )
            return None if key is None else str(key)
        result = await self.search(value, limit=1)
        return result.hits[0].episode_key if result.hits else None

    async def sites(self, text: str = "", limit: int = 25) -> list[tuple[str, int]]:
        """Source sites of live topics containing ``text``, most frequent first."""
        pattern = "%" + normalize(text).strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = await self.db.fetchall(
            "SELECT t.site, count(*) AS n FROM topics t JOIN search_episodes s ON s.key = t.episode_key "
            "WHERE s.docbase >= ? AND t.site != '' AND t.site LIKE ? ESCAPE '\\' "
            "GROUP BY t.site ORDER BY n DESC, t.site LIMIT ?",
            (self._visible_low(), pattern, limit),
        )
        return [(row["site"], row["n"]) for row in rows]
