"""Blocking and unblocking a listener in one server (and redrawing the hosts' messages of their letters)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.letters.model import Action, Letter
from bot.letters.outbox import OutboxKind
from bot.store.db import Database
from bot.store.letters.rows import iso, now_or, record_event


async def _refresh_author(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, at: str, redrawn: int | None
) -> None:
    """Queue an edit of every hosts' message of this author's letters in this server (but ``redrawn``)."""
    await conn.execute(
        "INSERT INTO letter_outbox (letter_id, guild_id, kind, created_at) "
        "SELECT id, guild_id, ?, ? FROM letters WHERE guild_id = ? AND author_id = ? "
        "AND host_message_id IS NOT NULL AND id IS NOT ? "
        "ON CONFLICT (letter_id, kind) DO UPDATE SET next_attempt_ts = 0",
        (OutboxKind.UPDATE.value, at, guild_id, user_id, redrawn),
    )


class Blocks:
    """Blocks per (server, listener); each change is written to the letter's history it was made from."""

    db: Database

    async def block(
        self,
        guild_id: int,
        user_id: int,
        *,
        actor_id: int,
        letter: Letter | None = None,
        now: datetime | None = None,
        redrawn: int | None = None,
    ) -> bool:
        """Block a listener in this server; ``False`` if they already were.

        Every hosts' message of their letters is queued for an edit (its block button changes), except
        the letter ``redrawn``, whose message the caller edits itself.
        """
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
            if added:
                await _refresh_author(conn, guild_id, user_id, at, redrawn)
        return added

    async def unblock(
        self,
        guild_id: int,
        user_id: int,
        *,
        actor_id: int,
        letter: Letter | None = None,
        now: datetime | None = None,
        redrawn: int | None = None,
    ) -> bool:
        """Lift a block; ``False`` if there was none. Refreshes the author's messages as :meth:`block` does."""
        at = iso(now_or(now))
        async with self.db.transaction() as conn:
            async with conn.execute(
                "DELETE FROM letter_blocks WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
            ) as cursor:
                removed = cursor.rowcount > 0
            if removed and letter is not None:
                await record_event(conn, letter.id, at, actor_id, Action.UNBLOCKED)
            if removed:
                await _refresh_author(conn, guild_id, user_id, at, redrawn)
        return removed

    async def is_blocked(self, guild_id: int, user_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM letter_blocks WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return row is not None
