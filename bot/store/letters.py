"""Letters (お便り): per-server numbering, status history, blocks, rate-limit ledger, tombstones, outbox.

Every read and write is scoped by ``guild_id``: a server's letters are never visible from another.
Submissions are committed in groups: while one transaction is being made durable, the next
submissions queue up and are committed together, so a burst costs a few fsyncs instead of one
per letter, and each listener is answered only after their letter is on disk.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import aiosqlite

from bot.clock import Clock, system_clock
from bot.episodes.catalogue import EpisodeChoice
from bot.letters.model import Action, Letter, LetterEvent, Status, check_transition
from bot.letters.ratelimit import RateLimits, retry_after
from bot.store.db import Database, chunks
from bot.store.visibility import visible

log = logging.getLogger(__name__)

#: Most submissions committed in one transaction.
MAX_BATCH = 256
#: (guild, user) pairs per lookup query (two parameters each; SQLite's old limit is 999).
_PAIRS = 200


class OutboxKind(StrEnum):
    """Work the outbox delivers: the first post to the hosts' channel, an edit of it, a listener notice."""

    POST = "post"
    UPDATE = "update"
    NOTIFY = "notify"


class LetterNotFound(Exception):
    """No such letter in this server (or not the caller's own, for listener actions)."""


class Blocked(Exception):
    """The listener is blocked in this server."""


class RateLimited(Exception):
    """Too many letters; ``retry_after`` seconds until the next one is accepted."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.0f} s")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Submission:
    """A validated letter about to be stored."""

    guild_id: int
    author_id: int
    radio_name: str
    body: str
    episode_key: str | None = None
    episode_number: str | None = None
    notify: bool = False


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    letter_id: int
    guild_id: int
    kind: OutboxKind
    attempts: int
    next_attempt_ts: float
    last_error: str | None
    last_channel_id: int | None


@dataclass(frozen=True, slots=True)
class Backlog:
    """Undelivered work of one server: how many items, since when, and the last error."""

    pending: int
    oldest: str | None
    last_error: str | None


@dataclass(slots=True)
class _Pending:
    submission: Submission
    limits: RateLimits
    now: datetime
    future: asyncio.Future[Letter]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def letter_from_row(row: sqlite3.Row) -> Letter:
    return Letter(
        id=row["id"],
        guild_id=row["guild_id"],
        number=row["number"],
        author_id=row["author_id"],
        radio_name=row["radio_name"],
        body=row["body"],
        episode_key=row["episode_key"],
        episode_number=row["episode_number"],
        notify=bool(row["notify"]),
        status=Status(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        aired_episode_key=row["aired_episode_key"],
        aired_episode_number=row["aired_episode_number"],
        aired_at=row["aired_at"],
        notified_at=row["notified_at"],
        notify_result=row["notify_result"],
        host_channel_id=row["host_channel_id"],
        host_message_id=row["host_message_id"],
    )


def _item_from_row(row: sqlite3.Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        letter_id=row["letter_id"],
        guild_id=row["guild_id"],
        kind=OutboxKind(row["kind"]),
        attempts=row["attempts"],
        next_attempt_ts=row["next_attempt_ts"],
        last_error=row["last_error"],
        last_channel_id=row["last_channel_id"],
    )


async def _one(conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...]) -> sqlite3.Row | None:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def _event(
    conn: aiosqlite.Connection,
    letter_id: int,
    at: str,
    actor_id: int | None,
    action: Action,
    from_status: Status | None = None,
    to_status: Status | None = None,
    detail: str = "",
) -> None:
    await conn.execute(
        "INSERT INTO letter_events (letter_id, at, actor_id, action, from_status, to_status, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (letter_id, at, actor_id, action.value, from_status, to_status, detail),
    )


async def _enqueue(conn: aiosqlite.Connection, letter_id: int, guild_id: int, kind: OutboxKind, at: str) -> None:
    """Queue work for a letter; queuing the same kind again makes it due now."""
    await conn.execute(
        "INSERT INTO letter_outbox (letter_id, guild_id, kind, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (letter_id, kind) DO UPDATE SET next_attempt_ts = 0",
        (letter_id, guild_id, kind.value, at),
    )


class LetterStore:
    """Letters of every server, each query scoped by server."""

    def __init__(self, db: Database, now: Clock = system_clock, *, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.now = now
        self.max_batch = max_batch
        self._queue: list[_Pending] = []
        self._committing = 0
        self._flusher: asyncio.Task[None] | None = None
        #: Transactions committed for submissions (a benchmark divides letters by this).
        self.commits = 0

    # ---- submitting -------------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """Submissions queued or being committed right now."""
        return len(self._queue) + self._committing

    async def submit(self, submission: Submission, limits: RateLimits, *, now: datetime | None = None) -> Letter:
        """Store a letter with the server's next number; return it once the commit is durable.

        Raises :class:`Blocked` or :class:`RateLimited` (checked in the same transaction as the
        insert, so concurrent submissions cannot slip past the limit).
        """
        loop = asyncio.get_running_loop()
        pending = _Pending(submission, limits, _now(now), loop.create_future())
        self._queue.append(pending)
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush())
        return await pending.future

    async def _flush(self) -> None:
        while self._queue:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            self._committing = len(batch)
            outcomes: list[Letter | Exception] = []
            try:
                async with self.db.transaction() as conn:
                    outcomes = await self._insert_batch(conn, batch)
                self.commits += 1
            except asyncio.CancelledError:  # rolled back: nobody may be told their letter is stored
                for pending in [*batch, *self._queue]:
                    pending.future.cancel()
                self._queue.clear()
                raise
            except Exception as exc:
                log.exception("committing %d letter(s) failed", len(batch))
                outcomes = [exc] * len(batch)
            finally:
                self._committing = 0
            for pending, outcome in zip(batch, outcomes, strict=True):
                if pending.future.done():
                    continue
                if isinstance(outcome, Exception):
                    pending.future.set_exception(outcome)
                else:
                    pending.future.set_result(outcome)

    async def _insert_batch(self, conn: aiosqlite.Connection, batch: Sequence[_Pending]) -> list[Letter | Exception]:
        """Check blocks and limits and number each letter, in order, inside one transaction.

        Everything is read and written a batch at a time (blocks, recent submissions and the last
        number of each server up front, then every insert together): a few statements per batch,
        not per letter. Numbers are given in memory, which is safe because the transaction holds
        SQLite's write lock from its first statement (``BEGIN IMMEDIATE``); UNIQUE (guild, number)
        guards it anyway.
        """
        senders = sorted({(p.submission.guild_id, p.submission.author_id) for p in batch})
        oldest = min(p.now.timestamp() - p.limits.horizon for p in batch)
        blocked: set[tuple[int, int]] = set()
        recent: dict[tuple[int, int], list[float]] = {sender: [] for sender in senders}
        for part in chunks(senders, _PAIRS):
            pairs = ",".join("(?, ?)" for _ in part)
            flat = tuple(value for sender in part for value in sender)
            async with conn.execute(
                f"SELECT guild_id, user_id FROM letter_blocks WHERE (guild_id, user_id) IN (VALUES {pairs})", flat
            ) as cursor:
                blocked.update((row[0], row[1]) for row in await cursor.fetchall())
            async with conn.execute(
                f"SELECT guild_id, user_id, at_ts FROM letter_submissions WHERE at_ts > ? "
                f"AND (guild_id, user_id) IN (VALUES {pairs})",
                (oldest, *flat),
            ) as cursor:
                for row in await cursor.fetchall():
                    recent[(row[0], row[1])].append(row[2])
        guilds = sorted({guild for guild, _ in senders})
        marks = ",".join("?" * len(guilds))
        async with conn.execute(
            f"SELECT guild_id, max(number) FROM letters WHERE guild_id IN ({marks}) GROUP BY guild_id", tuple(guilds)
        ) as cursor:
            last_number = dict.fromkeys(guilds, 0) | {row[0]: row[1] for row in await cursor.fetchall()}
        outcomes: list[tuple[int, int] | Exception] = []
        rows: list[tuple[Any, ...]] = []
        ledger: list[tuple[int, int, float]] = []
        for pending in batch:
            sub, at, ts = pending.submission, iso(pending.now), pending.now.timestamp()
            sender = (sub.guild_id, sub.author_id)
            if sender in blocked:
                outcomes.append(Blocked())
                continue
            wait = retry_after(recent[sender], ts, pending.limits)
            if wait is not None:
                outcomes.append(RateLimited(wait))
                continue
            recent[sender].append(ts)
            last_number[sub.guild_id] += 1
            number = last_number[sub.guild_id]
            outcomes.append((sub.guild_id, number))
            rows.append(
                (
                    sub.guild_id,
                    number,
                    sub.author_id,
                    sub.radio_name,
                    sub.body,
                    sub.episode_key,
                    sub.episode_number,
                    int(sub.notify),
                    Status.NEW.value,
                    at,
                    at,
                )
            )
            ledger.append((sub.guild_id, sub.author_id, ts))
        await conn.executemany(
            "INSERT INTO letters (guild_id, number, author_id, radio_name, body, episode_key, episode_number, "
            "notify, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        stored: dict[tuple[int, int], Letter] = {}
        for guild in guilds:
            numbers = [number for g, number, *_ in rows if g == guild]
            if numbers:
                async with conn.execute(
                    "SELECT * FROM letters WHERE guild_id = ? AND number BETWEEN ? AND ?",
                    (guild, min(numbers), max(numbers)),
                ) as cursor:
                    stored.update(
                        ((row["guild_id"], row["number"]), letter_from_row(row)) for row in await cursor.fetchall()
                    )
        letters = [stored[(row[0], row[1])] for row in rows]
        await conn.executemany(
            "INSERT INTO letter_events (letter_id, at, actor_id, action, from_status, to_status, detail) "
            "VALUES (?, ?, ?, ?, NULL, ?, '')",
            [(x.id, x.created_at, x.author_id, Action.SUBMITTED.value, Status.NEW.value) for x in letters],
        )
        await conn.executemany("INSERT INTO letter_submissions (guild_id, user_id, at_ts) VALUES (?, ?, ?)", ledger)
        await conn.executemany(
            "INSERT INTO letter_outbox (letter_id, guild_id, kind, created_at) VALUES (?, ?, ?, ?)",
            [(x.id, x.guild_id, OutboxKind.POST.value, x.created_at) for x in letters],
        )
        await conn.execute("DELETE FROM letter_submissions WHERE at_ts <= ?", (oldest,))
        return [stored[outcome] if isinstance(outcome, tuple) else outcome for outcome in outcomes]

    # ---- reading ----------------------------------------------------------------------------

    async def get(self, guild_id: int, number: int) -> Letter | None:
        row = await self.db.fetchone("SELECT * FROM letters WHERE guild_id = ? AND number = ?", (guild_id, number))
        return letter_from_row(row) if row else None

    async def get_by_id(self, guild_id: int, letter_id: int) -> Letter | None:
        """A letter by its internal id, only if it belongs to ``guild_id``."""
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
        return [
            LetterEvent(
                letter_id=row["letter_id"],
                at=row["at"],
                actor_id=row["actor_id"],
                action=Action(row["action"]),
                from_status=Status(row["from_status"]) if row["from_status"] else None,
                to_status=Status(row["to_status"]) if row["to_status"] else None,
                detail=row["detail"],
            )
            for row in rows
        ]

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

    # ---- hosts ------------------------------------------------------------------------------

    async def _locked(self, conn: aiosqlite.Connection, guild_id: int, number: int) -> Letter:
        row = await _one(conn, "SELECT * FROM letters WHERE guild_id = ? AND number = ?", (guild_id, number))
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
        at = iso(_now(now))
        async with self.db.transaction() as conn:
            letter = await self._locked(conn, guild_id, number)
            check_transition(letter.status, target)
            if target is Status.AIRED:
                raise ValueError("use mark_aired() to mark a letter as read on air")
            row = await _one(
                conn, "UPDATE letters SET status = ?, updated_at = ? WHERE id = ? RETURNING *", (target, at, letter.id)
            )
            await _event(conn, letter.id, at, actor_id, Action.STATUS, letter.status, target)
            if refresh_host_message and letter.host_message_id is not None:
                await _enqueue(conn, letter.id, guild_id, OutboxKind.UPDATE, at)
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
        at = iso(_now(now))
        async with self.db.transaction() as conn:
            letter = await self._locked(conn, guild_id, number)
            check_transition(letter.status, Status.AIRED)
            row = await _one(
                conn,
                "UPDATE letters SET status = ?, aired_episode_key = ?, aired_episode_number = ?, aired_at = ?, "
                "updated_at = ? WHERE id = ? RETURNING *",
                (Status.AIRED, episode_key, episode_number, at, at, letter.id),
            )
            await _event(conn, letter.id, at, actor_id, Action.AIRED, letter.status, Status.AIRED, episode_number)
            notify = letter.notify and letter.notified_at is None and letter.author_id is not None
            if notify:
                await _enqueue(conn, letter.id, guild_id, OutboxKind.NOTIFY, at)
            if letter.host_message_id is not None:
                await _enqueue(conn, letter.id, guild_id, OutboxKind.UPDATE, at)
        assert row is not None
        return letter_from_row(row), notify

    async def block(
        self, guild_id: int, user_id: int, *, actor_id: int, letter: Letter | None = None, now: datetime | None = None
    ) -> bool:
        """Block a listener in this server; ``False`` if they already were."""
        at = iso(_now(now))
        async with self.db.transaction() as conn:
            async with conn.execute(
                "INSERT INTO letter_blocks (guild_id, user_id, blocked_by, blocked_at, letter_id) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, user_id, actor_id, at, letter.id if letter else None),
            ) as cursor:
                added = cursor.rowcount > 0
            if added and letter is not None:
                await _event(conn, letter.id, at, actor_id, Action.BLOCKED)
        return added

    async def unblock(
        self, guild_id: int, user_id: int, *, actor_id: int, letter: Letter | None = None, now: datetime | None = None
    ) -> bool:
        """Lift a block; ``False`` if there was none."""
        at = iso(_now(now))
        async with self.db.transaction() as conn:
            async with conn.execute(
                "DELETE FROM letter_blocks WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
            ) as cursor:
                removed = cursor.rowcount > 0
            if removed and letter is not None:
                await _event(conn, letter.id, at, actor_id, Action.UNBLOCKED)
        return removed

    async def request_refresh(self, letter: Letter) -> bool:
        """Queue an edit of the letter's message in the hosts' channel, if it has one."""
        if letter.host_message_id is None:
            return False
        async with self.db.transaction() as conn:
            await _enqueue(conn, letter.id, letter.guild_id, OutboxKind.UPDATE, iso(datetime.now(UTC)))
        return True

    async def is_blocked(self, guild_id: int, user_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM letter_blocks WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return row is not None

    # ---- listeners --------------------------------------------------------------------------

    async def delete_by_author(
        self, guild_id: int, number: int, author_id: int, *, now: datetime | None = None
    ) -> Letter:
        """Erase a listener's own letter, leaving an anonymous tombstone (number and status counts stay).

        Text, radio name and the author's id are removed from the letter and its history; the
        hosts' copy is queued for redaction, and a copy not yet delivered is not delivered.
        """
        at = iso(_now(now))
        async with self.db.transaction() as conn:
            letter = await self._locked(conn, guild_id, number)
            if letter.author_id != author_id or letter.deleted:
                raise LetterNotFound
            row = await _one(
                conn,
                "UPDATE letters SET status = ?, author_id = NULL, radio_name = '', body = '', notify = 0, "
                "deleted_at = ?, updated_at = ? WHERE id = ? RETURNING *",
                (Status.DELETED, at, at, letter.id),
            )
            await conn.execute(
                "UPDATE letter_events SET actor_id = NULL WHERE letter_id = ? AND actor_id = ?", (letter.id, author_id)
            )
            await _event(conn, letter.id, at, None, Action.DELETED, letter.status, Status.DELETED)
            await conn.execute(
                "DELETE FROM letter_outbox WHERE letter_id = ? AND kind IN (?, ?)",
                (letter.id, OutboxKind.POST, OutboxKind.NOTIFY),
            )
            if letter.host_message_id is not None:
                await _enqueue(conn, letter.id, guild_id, OutboxKind.UPDATE, at)
        assert row is not None
        return letter_from_row(row)

    # ---- outbox -----------------------------------------------------------------------------

    async def due(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        """Outbox items due at ``now``, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM letter_outbox WHERE next_attempt_ts <= ? ORDER BY id LIMIT ?",
            (now.timestamp(), limit),
        )
        return [_item_from_row(row) for row in rows]

    async def items_for(self, letter_id: int) -> list[OutboxItem]:
        rows = await self.db.fetchall("SELECT * FROM letter_outbox WHERE letter_id = ? ORDER BY id", (letter_id,))
        return [_item_from_row(row) for row in rows]

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

    async def posted(self, item: OutboxItem, letter: Letter, channel_id: int, message_id: int) -> None:
        """The first post is in the hosts' channel: remember where; re-queue an edit if the letter changed since."""
        at = iso(datetime.now(UTC))
        async with self.db.transaction() as conn:
            row = await _one(
                conn,
                "UPDATE letters SET host_channel_id = ?, host_message_id = ? WHERE id = ? RETURNING updated_at",
                (channel_id, message_id, letter.id),
            )
            await conn.execute("DELETE FROM letter_outbox WHERE id = ?", (item.id,))
            if row is not None and row["updated_at"] != letter.updated_at:
                await _enqueue(conn, letter.id, letter.guild_id, OutboxKind.UPDATE, at)

    async def notified(self, item: OutboxItem, letter: Letter, outcome: str, *, now: datetime | None = None) -> None:
        """The author was told (or could not be): record how, once."""
        at = iso(_now(now))
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE letters SET notified_at = ?, notify_result = ? WHERE id = ?", (at, outcome, letter.id)
            )
            await _event(conn, letter.id, at, None, Action.NOTIFIED, detail=outcome)
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
        return [_item_from_row(row) for row in rows]

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
