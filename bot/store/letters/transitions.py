"""Changing a letter: hosts' status changes and "read on air", and a listener erasing their own."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.letters.model import Action, Letter, LetterNotFound, Status, check_transition
from bot.letters.outbox import OutboxKind
from bot.store.db import Database
from bot.store.letters.rows import enqueue, iso, letter_from_row, now_or, one, record_event


class Transitions:
    """Status changes, each in one transaction with its history entry and the outbox work it needs."""

    db: Database

    async def _locked(self, conn: aiosqlite.Connection, guild_id: int, number: int) -> Letter:
        row = await one(conn, "SELECT * FROM letters WHERE guild_id = ? AND number = ?", (guild_id, number))
        if row is None:
            raise LetterNotFound
        return letter_from_row(row)

    async def set_status(
        self,
        guild_id: int,
        number: int,
        target: Status,
        *,
        actor_id: int,
        now: datetime | None = None,
        refresh_host_message: bool = True,
    ) -> Letter:
        """Move a letter to ``target`` (raises ``TransitionError``/:class:`LetterNotFound`), recording who and when.

        ``refresh_host_message`` queues an edit of the hosts' channel message (not needed when the
        change came from a button on that very message, which is edited in the same answer).
        """
        at = iso(now_or(now))
        async with self.db.transaction() as conn:
            letter = await self._locked(conn, guild_id, number)
            check_transition(letter.status, target)
            if target is Status.AIRED:
                raise ValueError("use mark_aired() to mark a letter as read on air")
            row = await one(
                conn, "UPDATE letters SET status = ?, updated_at = ? WHERE id = ? RETURNING *", (target, at, letter.id)
            )
            await record_event(conn, letter.id, at, actor_id, Action.STATUS, letter.status, target)
            if refresh_host_message and letter.host_message_id is not None:
                await enqueue(conn, letter.id, guild_id, OutboxKind.UPDATE, at)
        assert row is not None
        return letter_from_row(row)

    async def mark_aired(
        self,
        guild_id: int,
        number: int,
        *,
        episode_key: str,
        episode_number: str,
        actor_id: int,
        now: datetime | None = None,
    ) -> tuple[Letter, bool]:
        """Mark a letter as read on air in an episode; return it and whether a notice to its author was queued.

        The author is told once, the first time, and only if they asked to be.
        """
        at = iso(now_or(now))
        async with self.db.transaction() as conn:
            letter = await self._locked(conn, guild_id, number)
            check_transition(letter.status, Status.AIRED)
            row = await one(
                conn,
                "UPDATE letters SET status = ?, aired_episode_key = ?, aired_episode_number = ?, aired_at = ?, "
                "updated_at = ? WHERE id = ? RETURNING *",
                (Status.AIRED, episode_key, episode_number, at, at, letter.id),
            )
            await record_event(conn, letter.id, at, actor_id, Action.AIRED, letter.status, Status.AIRED, episode_number)
            notify = letter.notify and letter.notified_at is None and letter.author_id is not None
            if notify:
                await enqueue(conn, letter.id, guild_id, OutboxKind.NOTIFY, at)
            if letter.host_message_id is not None:
                await enqueue(conn, letter.id, guild_id, OutboxKind.UPDATE, at)
        assert row is not None
        return letter_from_row(row), notify

    async def delete_by_author(
        self, guild_id: int, number: int, author_id: int, *, now: datetime | None = None
    ) -> Letter:
        """Erase a listener's own letter, leaving an anonymous tombstone (number and status counts stay).

        Text, radio name and the author's id are removed from the letter and its history; the
        hosts' copy is queued for redaction, and a copy not yet delivered is not delivered.
        """
        at = iso(now_or(now))
        async with self.db.transaction() as conn:
            letter = await self._locked(conn, guild_id, number)
            if letter.author_id != author_id or letter.deleted:
                raise LetterNotFound
            row = await one(
                conn,
                "UPDATE letters SET status = ?, author_id = NULL, radio_name = '', body = '', notify = 0, "
                "deleted_at = ?, updated_at = ? WHERE id = ? RETURNING *",
                (Status.DELETED, at, at, letter.id),
            )
            await conn.execute(
                "UPDATE letter_events SET actor_id = NULL WHERE letter_id = ? AND actor_id = ?", (letter.id, author_id)
            )
            await record_event(conn, letter.id, at, None, Action.DELETED, letter.status, Status.DELETED)
            await conn.execute(
                "DELETE FROM letter_outbox WHERE letter_id = ? AND kind IN (?, ?)",
                (letter.id, OutboxKind.POST, OutboxKind.NOTIFY),
            )
            if letter.host_message_id is not None:
                await enqueue(conn, letter.id, guild_id, OutboxKind.UPDATE, at)
        assert row is not None
        return letter_from_row(row)
