"""Autocomplete and references: titles and episodes for what was typed so far, the episode a user means."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.search.model import EpisodeChoice
from bot.search.query import parse_query
from bot.store.search.docids import MASK
from bot.store.search.queries import SearchQueries, column
from bot.text import normalize

#: Longest autocomplete label Discord accepts.
MAX_LABEL = 100


def _label(text: str, limit: int = MAX_LABEL) -> str:
    """One line of at most ``limit`` characters, cut with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _date_prefix_range(text: str, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """``2025``, ``2025-06`` or ``2025-06-30`` (also with ``/`` or none) as a local time range."""
    digits = "".join(ch for ch in normalize(text) if ch.isdigit())
    separators_ok = all(ch.isdigit() or ch in "-/. 年月日" for ch in normalize(text).strip())
    if not separators_ok or len(digits) not in (4, 6, 8) or not digits.startswith(("19", "20", "21")):
        return None
    try:
        year = int(digits[:4])
        if len(digits) == 4:
            start, end = date(year, 1, 1), date(year + 1, 1, 1)
        elif len(digits) == 6:
            month = int(digits[4:6])
            start = date(year, month, 1)
            end = date(year + month // 12, month % 12 + 1, 1)
        else:
            start = date(year, int(digits[4:6]), int(digits[6:8]))
            end = start + timedelta(days=1)
    except ValueError:
        return None
    return datetime.combine(start, time(), zone), datetime.combine(end, time(), zone)


def _number_of(text: str) -> str | None:
    """The episode number in ``389``, ``#389``, ``第389回`` (full-width digits too), else ``None``."""
    value = normalize(text).strip().removeprefix("#").removeprefix("第").removesuffix("回").strip()
    return value if value.isdigit() else None


class Suggestions(SearchQueries):
    """Choices for autocomplete and the episode a typed reference means."""

    async def suggest_titles(self, text: str, limit: int = 25, *, fresh: bool = True) -> list[str]:
        """Topic titles (≤ 100 characters) matching what was typed so far, newest first, no duplicates.

        ``fresh=False`` skips the flush: autocomplete answers at once from the index as it is.
        """
        parsed = parse_query(text)
        expression = parsed.fts() if not parsed.empty else None
        mask = MASK
        if fresh:
            await self.flush()
        if expression is None:
            rows = await self.db.fetchall(
                "SELECT t.title FROM (SELECT docbase, key FROM search_episodes ORDER BY docbase LIMIT ?) s "
                "JOIN topics t ON t.episode_key = s.key ORDER BY s.docbase, t.position LIMIT ?",
                (limit, limit * 2),
            )
        else:
            rows = await self.db.fetchall(
                f"""
                WITH found AS (
                    SELECT rowid AS doc FROM search_fts
                    WHERE search_fts MATCH ? AND (rowid & {mask}) != 0 ORDER BY rowid LIMIT ?
                )
                SELECT t.title FROM found
                JOIN search_episodes s ON s.docbase = found.doc - (found.doc & {mask})
                JOIN topics t ON t.episode_key = s.key AND t.position = (found.doc & {mask}) - 1
                ORDER BY found.doc
                """,
                (column(expression, "title"), limit * 2),
            )
        seen: set[str] = set()
        titles: list[str] = []
        for row in rows:
            label = _label(row["title"])
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
        number = _number_of(value) if value else None
        dates = _date_prefix_range(value, zone) if value else None
        rows: Sequence[sqlite3.Row]
        if not value:
            rows = await self.db.fetchall(
                "SELECT key, number, published, title, NULL AS topic FROM episodes WHERE withdrawn_at IS NULL "
                "ORDER BY published_ts DESC LIMIT ?",
                (limit,),
            )
        elif dates is not None:
            rows = await self.db.fetchall(
                "SELECT key, number, published, title, NULL AS topic FROM episodes WHERE withdrawn_at IS NULL "
                "AND published_ts >= ? AND published_ts < ? ORDER BY published_ts DESC LIMIT ?",
                (int(dates[0].timestamp()), int(dates[1].timestamp()), limit),
            )
        elif number is not None:
            rows = await self.db.fetchall(
                "SELECT key, number, published, title, NULL AS topic FROM episodes WHERE withdrawn_at IS NULL "
                "AND number GLOB ? ORDER BY length(number), published_ts DESC LIMIT ?",
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
            local = datetime.fromisoformat(row["published"]).astimezone(zone)
            label = f"#{row['number']} {local:%Y-%m-%d} {row['topic'] or row['title']}"
            choices.append(EpisodeChoice(row["number"][:100], _label(label)))
        return choices[:limit]

    async def _episodes_by_words(self, text: str, limit: int, *, fresh: bool) -> Sequence[sqlite3.Row]:
        parsed = parse_query(text)
        expression = parsed.fts()
        if expression is None:
            return []
        if fresh:
            await self.flush()
        mask = MASK
        return await self.db.fetchall(
            f"""
            WITH found AS (
                SELECT rowid AS doc FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid LIMIT ?
            )
            SELECT e.key, e.number, e.published, e.title, t.title AS topic FROM found
            JOIN search_episodes s ON s.docbase = found.doc - (found.doc & {mask})
            JOIN episodes e ON e.key = s.key
            LEFT JOIN topics t ON t.episode_key = s.key AND t.position = (found.doc & {mask}) - 1
            ORDER BY found.doc
            """,
            (column(expression, "title body"), limit * 4),
        )

    async def find_episode_key(self, text: str, zone: ZoneInfo) -> str | None:
        """The episode a user means by ``text``: a number, a date, or the best search hit for the words."""
        value = text.strip()
        if not value:
            return None
        number = _number_of(value)
        if number is not None:
            key = await self.db.scalar(
                "SELECT key FROM episodes WHERE number = ? AND withdrawn_at IS NULL ORDER BY published_ts DESC LIMIT 1",
                (number,),
            )
            if key is not None:
                return str(key)
        dates = _date_prefix_range(value, zone)
        if dates is not None:
            key = await self.db.scalar(
                "SELECT key FROM episodes WHERE withdrawn_at IS NULL AND published_ts >= ? AND published_ts < ? "
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
            "WHERE t.site != '' AND t.site LIKE ? ESCAPE '\\' GROUP BY t.site ORDER BY n DESC, t.site LIMIT ?",
            (pattern, limit),
        )
        return [(row["site"], row["n"]) for row in rows]
