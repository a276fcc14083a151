"""Blocking and unblocking a listener in one server."""

from __future__ import annotations

from datetime import datetime

from bot.letters.model import Action, Letter
from bot.store.db import Database
from bot.store.letters.rows import iso, now_or, record_event


class Blocks:
    """Blocks per (server, listener); each change is written to the letter's history it was made from."""

    db: Database

    async def block(
        self, guild_id: int, user_id: int, *, actor_id: int, letter: Letter | None = None, now: datetime | None = None
    ) -> bool:
        """Block a listener in this server; ``False`` if they already were."""
        at = iso(now_or(now))
        async with self.db.transaction() as conn:
            async with conn.execute(
                "INSERT INTO letter_blocks (guild_id, user_id, blocked_by, blocked_at, letter_id) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, user_id, actor_id, at, letter.id if letter else None),
            ) as cursor:
                added = cursor.rowcount > 0
            if added and letter is not None:
                await record_event(conn, letter.id, at, actor_id, Action.BLOCKED)
        return added

    async def unblock(
        self, guild_id: int, user_id: int, *, actor_id: int, letter: Letter | None = None, now: datetime | None = None
    ) -> bool:
        """Lift a block; ``False`` if there was none."""
        at = iso(now_or(now))
        async with self.db.transaction() as conn:
            async with conn.execute(
                "DELETE FROM letter_blocks WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
            ) as cursor:
                removed = cursor.rowcount > 0
            if removed and letter is not None:
                await record_event(conn, letter.id, at, actor_id, Action.UNBLOCKED)
        return removed

    async def is_blocked(self, guild_id: int, user_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM letter_blocks WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return row is not None
