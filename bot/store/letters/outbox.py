"""The letters outbox table: what is due, what was delivered, what failed and when to try again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.letters.model import Action, Letter
from bot.letters.outbox import Backlog, OutboxItem, OutboxKind
from bot.store.db import Database
from bot.store.letters.rows import enqueue, iso, item_from_row, now_or, one, record_event


class Outbox:
    """Queued deliveries of letters (posts, edits, notices), implementing :class:`bot.letters.outbox.OutboxStore`."""

    db: Database

    async def request_refresh(self, letter: Letter) -> bool:
        """Queue an edit of the letter's message in the hosts' channel, if it has one."""
        if letter.host_message_id is None:
            return False
        async with self.db.transaction() as conn:
            await enqueue(conn, letter.id, letter.guild_id, OutboxKind.UPDATE, iso(datetime.now(UTC)))
        return True

    async def due(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        """Outbox items due at ``now``, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM letter_outbox WHERE next_attempt_ts <= ? ORDER BY id LIMIT ?",
            (now.timestamp(), limit),
        )
        return [item_from_row(row) for row in rows]

    async def items_for(self, letter_id: int) -> list[OutboxItem]:
        rows = await self.db.fetchall("SELECT * FROM letter_outbox WHERE letter_id = ? ORDER BY id", (letter_id,))
        return [item_from_row(row) for row in rows]

    async def outbox_guilds(self) -> list[tuple[int, int | None]]:
        """(guild, channel last tried) pairs with pending work."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT guild_id, last_channel_id FROM letter_outbox WHERE kind != 'notify'"
        )
        return [(row["guild_id"], row["last_channel_id"]) for row in rows]

    async def retry_now(self, guild_id: int, channel_id: int) -> int:
        """Make the posts and edits of a server that last failed on another channel due now (it changed)."""
        async with (
            self.db.transaction() as conn,
            conn.execute(
                "UPDATE letter_outbox SET next_attempt_ts = 0 WHERE guild_id = ? AND kind != 'notify' "
                "AND next_attempt_ts > 0 AND last_channel_id IS NOT ?",
                (guild_id, channel_id),
            ) as cursor,
        ):
            return cursor.rowcount

    async def sending(self, item: OutboxItem, channel_id: int | None, at: datetime | None) -> None:
        """The ledger step before a post: from now on the post may exist in ``channel_id`` unrecorded.

        ``None`` clears it (Discord refused the post: nothing was sent).
        """
        async with self.db.transaction() as conn:
            if at is None:
                await conn.execute(
                    "UPDATE letter_outbox SET sending_at = NULL, sending_channel_id = NULL WHERE id = ?", (item.id,)
                )
            else:
                await conn.execute(
                    "UPDATE letter_outbox SET sending_at = ?, sending_channel_id = ? WHERE id = ?",
                    (iso(at), channel_id, item.id),
                )

    async def posted(self, item: OutboxItem, letter: Letter, channel_id: int, message_id: int) -> None:
        """The first post is in the hosts' channel: remember where; re-queue an edit if the letter changed since."""
        at = iso(datetime.now(UTC))
        async with self.db.transaction() as conn:
            row = await one(
                conn,
                "UPDATE letters SET host_channel_id = ?, host_message_id = ? WHERE id = ? RETURNING updated_at",
                (channel_id, message_id, letter.id),
            )
            await conn.execute("DELETE FROM letter_outbox WHERE id = ?", (item.id,))
            if row is not None and row["updated_at"] != letter.updated_at:
                await enqueue(conn, letter.id, letter.guild_id, OutboxKind.UPDATE, at)

    async def notified(self, item: OutboxItem, letter: Letter, outcome: str, *, now: datetime | None = None) -> None:
        """The author was told (or could not be): record how, once."""
        at = iso(now_or(now))
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE letters SET notified_at = ?, notify_result = ? WHERE id = ?", (at, outcome, letter.id)
            )
            await record_event(conn, letter.id, at, None, Action.NOTIFIED, detail=outcome)
            await conn.execute("DELETE FROM letter_outbox WHERE id = ?", (item.id,))

    async def done(self, item: OutboxItem) -> None:
        """Drop an item that needs nothing more (an edit made, or one with nothing left to do)."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM letter_outbox WHERE id = ?", (item.id,))

    async def failed(
        self, items: Sequence[OutboxItem], error: str, next_attempt: datetime, channel_id: int | None
    ) -> None:
        """Record a failed attempt for these items and when to try them again."""
        if not items:
            return
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE letter_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_ts = ?, "
                "last_channel_id = ? WHERE id = ?",
                [(error[:500], next_attempt.timestamp(), channel_id, item.id) for item in items],
            )

    async def pending_for_guild(self, guild_id: int, now: datetime) -> list[OutboxItem]:
        """Items of one server due at ``now`` (to back them all off together when its channel is unusable)."""
        rows = await self.db.fetchall(
            "SELECT * FROM letter_outbox WHERE guild_id = ? AND next_attempt_ts <= ?", (guild_id, now.timestamp())
        )
        return [item_from_row(row) for row in rows]

    async def backlog(self, guild_id: int) -> Backlog:
        row = await self.db.fetchone(
            "SELECT count(*) AS n, min(created_at) AS oldest, "
            "(SELECT last_error FROM letter_outbox WHERE guild_id = ? AND last_error IS NOT NULL "
            " ORDER BY id DESC LIMIT 1) AS last_error "
            "FROM letter_outbox WHERE guild_id = ?",
            (guild_id, guild_id),
        )
        assert row is not None
        return Backlog(row["n"], row["oldest"], row["last_error"])
