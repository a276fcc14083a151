"""Reading letters: one, a page, counts, exports, history, and the episodes a letter can be about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import Clock
from bot.episodes.catalogue import EpisodeChoice
from bot.letters.custom_ids import episode_option_value
from bot.letters.model import Letter, LetterEvent, Status
from bot.store.db import Database
from bot.store.letters.rows import event_from_row, iso, letter_from_row
from bot.store.visibility import visible

#: SQLite integers are 64-bit signed: a larger number (a forged custom id) cannot name a letter.
INT64_MAX = 2**63 - 1


def _storable(*numbers: int) -> bool:
    return all(0 <= n <= INT64_MAX for n in numbers)


class Queries:
    """The reading part of the letters store; every query is scoped by server."""

    db: Database
    now: Clock

    async def get(self, guild_id: int, number: int) -> Letter | None:
        if not _storable(guild_id, number):
            return None
        row = await self.db.fetchone("SELECT * FROM letters WHERE guild_id = ? AND number = ?", (guild_id, number))
        return letter_from_row(row) if row else None

    async def get_by_id(self, guild_id: int, letter_id: int) -> Letter | None:
        """A letter by its internal id, only if it belongs to ``guild_id`` (``None`` for any id out of range)."""
        if not _storable(guild_id, letter_id):
            return None
        row = await self.db.fetchone("SELECT * FROM letters WHERE guild_id = ? AND id = ?", (guild_id, letter_id))
        return letter_from_row(row) if row else None

    def _where(
        self,
        guild_id: int | None,
        status: Status | None,
        episode_key: str | None,
        author_id: int | None,
        since: datetime | None,
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if guild_id is not None:
            clauses.append("guild_id = ?")
            params.append(guild_id)
        if status is not None:
            clauses.append("status = ?")
            params.append(status.value)
        if episode_key is not None:
            clauses.append("(episode_key = ? OR aired_episode_key = ?)")
            params += [episode_key, episode_key]
        if author_id is not None:
            clauses.append("author_id = ?")
            params.append(author_id)
        if since is not None:
            clauses.append("created_at >= ?")
            params.append(iso(since))
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    async def find(
        self,
        guild_id: int,
        *,
        status: Status | None = None,
        episode_key: str | None = None,
        author_id: int | None = None,
        since: datetime | None = None,
        limit: int = 10,
        offset: int = 0,
        newest_first: bool = True,
    ) -> list[Letter]:
        where, params = self._where(guild_id, status, episode_key, author_id, since)
        order = "DESC" if newest_first else "ASC"
        rows = await self.db.fetchall(
            f"SELECT * FROM letters {where} ORDER BY number {order} LIMIT ? OFFSET ?", (*params, limit, offset)
        )
        return [letter_from_row(row) for row in rows]

    async def count(
        self,
        guild_id: int,
        *,
        status: Status | None = None,
        episode_key: str | None = None,
        author_id: int | None = None,
        since: datetime | None = None,
    ) -> int:
        where, params = self._where(guild_id, status, episode_key, author_id, since)
        return int(await self.db.scalar(f"SELECT count(*) FROM letters {where}", tuple(params)))

    async def counts(self, guild_id: int) -> dict[Status, int]:
        """Letters per status in one server (tombstones included: the total matches the numbering)."""
        rows = await self.db.fetchall(
            "SELECT status, count(*) AS n FROM letters WHERE guild_id = ? GROUP BY status", (guild_id,)
        )
        return {Status(row["status"]): row["n"] for row in rows}

    async def for_export(
        self, guild_id: int | None, *, status: Status | None = None, since: datetime | None = None
    ) -> list[Letter]:
        """Letters to export, oldest first; tombstones only when asked for by status.

        ``guild_id`` ``None`` (the operator's command line) exports every server.
        """
        where, params = self._where(guild_id, status, None, None, since)
        if status is None:
            where += (" AND " if where else "WHERE ") + "status != ?"
            params.append(Status.DELETED.value)
        rows = await self.db.fetchall(f"SELECT * FROM letters {where} ORDER BY guild_id, number", tuple(params))
        return [letter_from_row(row) for row in rows]

    async def history(self, letter: Letter) -> list[LetterEvent]:
        rows = await self.db.fetchall("SELECT * FROM letter_events WHERE letter_id = ? ORDER BY id", (letter.id,))
        return [event_from_row(row) for row in rows]

    async def episode_for_option(self, value: str) -> str | None:
        """The key of the visible episode whose form option value is ``value``, if any."""
        rows = await self.db.fetchall(f"SELECT key FROM episodes WHERE {visible(self.now())}")
        return next((row["key"] for row in rows if episode_option_value(row["key"]) == value), None)

    async def episode_choices(self, query: str = "", limit: int = 25) -> list[EpisodeChoice]:
        """Episodes listeners may see now, newest first, whose number or title contains ``query``."""
        text = query.strip()
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = await self.db.fetchall(
            f"SELECT key, number, title, published FROM episodes WHERE {visible(self.now())} "
            "AND (? = '' OR number LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\') "
            "ORDER BY published_ts DESC LIMIT ?",
            (text, pattern, pattern, limit),
        )
        return [
            EpisodeChoice(row["key"], row["number"], row["title"], datetime.fromisoformat(row["published"]))
            for row in rows
        ]
