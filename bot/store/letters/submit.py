"""Submitting letters: a group-commit batcher.

While one transaction is being made durable, the next submissions queue up and are committed
together, so a burst costs a few fsyncs instead of one per letter, and each listener is answered
only after their letter is on disk. Blocks and rate limits are checked in the same transaction as
the insert, so concurrent submissions cannot slip past the limit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.letters.model import Action, Blocked, Letter, RateLimited, Status, Submission
from bot.letters.outbox import OutboxKind
from bot.letters.ratelimit import RateLimits, retry_after
from bot.store.db import Database, chunks
from bot.store.letters.rows import iso, letter_from_row, now_or

log = logging.getLogger(__name__)

#: Most submissions committed in one transaction.
MAX_BATCH = 256
#: (guild, user) pairs per lookup query (two parameters each; SQLite's old limit is 999).
_PAIRS = 200


@dataclass(slots=True)
class _Pending:
    submission: Submission
    limits: RateLimits
    now: datetime
    future: asyncio.Future[Letter]


class Submissions:
    """The submitting part of the letters store."""

    db: Database

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: list[_Pending] = []
        self._committing = 0
        self._flusher: asyncio.Task[None] | None = None
        #: Transactions committed for submissions (a benchmark divides letters by this).
        self.commits = 0

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
        pending = _Pending(submission, limits, now_or(now), loop.create_future())
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
