"""The announcement ledger: targets (channels), deliveries per (episode, channel) and their parts.

A delivery is the announcement of one episode in one channel. Its *parts* are the messages it
consists of: part 0 is the main message (or the forum post), parts 1… the thread's messages.
Each part is recorded as ``sending`` (with a digest of the body and a marker to recognise the
message by) before its request goes out, and as ``sent`` (with the message id) after: whatever
instant the process dies, the next run knows which request may already have reached Discord
(see :mod:`bot.announce.ledger`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from bot.announce.model import Delivery, OpenDelivery, Part, TargetState, WantedTarget
from bot.clock import utcnow
from bot.store.db import Database

_COLUMNS = {"kind", "card", "thread_id", "thread_state", "thread_name", "crossposted"}


class DeliveryStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- targets -------------------------------------------------------------------------

    async def targets(self, *, active_only: bool = False) -> list[TargetState]:
        where = "WHERE active = 1" if active_only else ""
        rows = await self.db.fetchall(f"SELECT * FROM announce_targets {where} ORDER BY channel_id")
        return [_target(row) for row in rows]

    async def target(self, channel_id: int) -> TargetState | None:
        row = await self.db.fetchone("SELECT * FROM announce_targets WHERE channel_id = ?", (channel_id,))
        return _target(row) if row else None

    async def sync_targets(self, wanted: list[WantedTarget], *, now: str | None = None) -> list[TargetState]:
        """Make the active targets exactly ``wanted``.

        A channel seen for the first time, or again after it was dropped, receives announcements
        of episodes published after ``now`` (its ``since``) or stored after this call (rowids of
        the episodes table grow with each new episode: ``since_seq`` is the largest now): nothing old.
        """
        stamp = now or utcnow()
        ids = {target.channel_id for target in wanted}
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT coalesce(max(rowid), 0) FROM episodes") as cursor:
                row = await cursor.fetchone()
            seen = int(row[0]) if row else 0
            for target in wanted:
                await conn.execute(
                    """
                    INSERT INTO announce_targets (channel_id, guild_id, origin, since, since_seq, active, created_at)
                    VALUES (?, ?, ?, ?, ?, 1, ?)
                    ON CONFLICT (channel_id) DO UPDATE SET
                        guild_id = coalesce(excluded.guild_id, guild_id),
                        origin = excluded.origin,
                        since = CASE WHEN active = 1 THEN since ELSE excluded.since END,
                        since_seq = CASE WHEN active = 1 THEN since_seq ELSE excluded.since_seq END,
                        failures = CASE WHEN active = 1 THEN failures ELSE 0 END,
                        retry_at = CASE WHEN active = 1 THEN retry_at ELSE NULL END,
                        active = 1
                    """,
                    (target.channel_id, target.guild_id, target.origin, stamp, seen, stamp),
                )
            async with conn.execute("SELECT channel_id FROM announce_targets WHERE active = 1") as cursor:
                stale = [row[0] for row in await cursor.fetchall() if row[0] not in ids]
            for channel_id in stale:
                await conn.execute("UPDATE announce_targets SET active = 0 WHERE channel_id = ?", (channel_id,))
        return await self.targets(active_only=True)

    async def target_failed(self, channel_id: int, error: str, *, retry_at: str, now: str | None = None) -> int:
        """Record a failure of this channel; return the failures in a row."""
        async with (
            self.db.transaction() as conn,
            conn.execute(
                """
                UPDATE announce_targets SET failures = failures + 1, retry_at = ?, last_error = ?,
                    last_error_at = ? WHERE channel_id = ? RETURNING failures
                """,
                (retry_at, error[:1000], now or utcnow(), channel_id),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def target_succeeded(self, channel_id: int, *, now: str | None = None) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE announce_targets SET failures = 0, retry_at = NULL, last_error = NULL, last_success = ? "
                "WHERE channel_id = ?",
                (now or utcnow(), channel_id),
            )

    # ---- planning ------------------------------------------------------------------------

    async def plan_new(self, now: datetime, *, late_window: timedelta) -> int:
        """Create a delivery for every (episode, active target) pair that has become due; return how many.

        Due: published by ``now``, and published after the target's ``since`` or stored after the
        target was set up and dated within ``late_window`` before ``now`` (see
        :func:`bot.announce.planner.is_due`, the same rule in Python).
        """
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                """
                INSERT INTO deliveries (episode_key, channel_id, guild_id, reason, created_at, updated_at)
                SELECT e.key, t.channel_id, t.guild_id, 'new', :stamp, :stamp
                FROM announce_targets t JOIN episodes e
                WHERE t.active = 1 AND e.withdrawn_at IS NULL AND e.published_ts <= :now
                  AND (e.published_ts >= CAST(strftime('%s', t.since) AS INTEGER)
                       OR (e.rowid > t.since_seq AND e.published_ts >= :late))
                  AND NOT EXISTS (
                      SELECT 1 FROM deliveries d WHERE d.episode_key = e.key AND d.channel_id = t.channel_id
                  )
                """,
                {"now": int(now.timestamp()), "late": int((now - late_window).timestamp()), "stamp": utcnow()},
            )
            return cursor.rowcount

    async def request(self, episode_key: str, channel_id: int, guild_id: int | None, reason: str) -> bool:
        """Ask for an announcement outside the rule (backfill, a host's request); ``False`` if one exists.

        A delivery Discord rejected (see :meth:`reject`) is tried again.
        """
        now = utcnow()
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO deliveries (episode_key, channel_id, guild_id, reason, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET rejected_revision = NULL, "
                "rejected_error = NULL, updated_at = excluded.updated_at WHERE rejected_revision IS NOT NULL",
                (episode_key, channel_id, guild_id, reason, now, now),
            )
            return cursor.rowcount > 0

    async def reject(self, episode_key: str, channel_id: int, revision: int, error: str) -> None:
        """Set a delivery aside: Discord refused it as invalid for this ``revision`` of its episode. Its layout is
        forgotten unless its main message exists, so the next try takes the channel's choice then."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE deliveries SET rejected_revision = ?, rejected_error = ?, updated_at = ?, "
                "card = CASE WHEN EXISTS (SELECT 1 FROM delivery_parts p WHERE p.episode_key = deliveries.episode_key "
                "AND p.channel_id = deliveries.channel_id AND p.part = 0 AND p.state = 'sent') THEN card END "
                "WHERE episode_key = ? AND channel_id = ?",
                (revision, error[:1000], utcnow(), episode_key, channel_id),
            )

    async def rejected(self, channel_id: int) -> list[tuple[str, str]]:
        """(episode key, error) of the channel's deliveries set aside by :meth:`reject`, oldest first."""
        rows = await self.db.fetchall(
            """
            SELECT d.episode_key, d.rejected_error FROM deliveries d JOIN episodes e ON e.key = d.episode_key
            WHERE d.channel_id = ? AND d.rejected_revision >= e.revision
              AND (d.done = 0 OR d.revision < e.revision)
            ORDER BY e.published_ts
            """,
            (channel_id,),
        )
        return [(row[0], row[1] or "") for row in rows]

    async def open(self, now: datetime) -> list[OpenDelivery]:
        """Deliveries of active targets with work left, oldest episode first (not those set aside as rejected
        for the episode's current revision)."""
        rows = await self.db.fetchall(
            """
            SELECT d.episode_key, d.channel_id, e.revision, e.published_ts
            FROM deliveries d
            JOIN episodes e ON e.key = d.episode_key
            JOIN announce_targets t ON t.channel_id = d.channel_id
            WHERE t.active = 1 AND e.withdrawn_at IS NULL AND e.published_ts <= ?
              AND (d.done = 0 OR d.revision < e.revision)
              AND (d.rejected_revision IS NULL OR d.rejected_revision < e.revision)
            ORDER BY e.published_ts, d.episode_key, d.channel_id
            """,
            (int(now.timestamp()),),
        )
        return [OpenDelivery(row[0], row[1], row[2], row[3]) for row in rows]

    # ---- one delivery --------------------------------------------------------------------

    async def get(self, episode_key: str, channel_id: int) -> Delivery | None:
        row = await self.db.fetchone(
            "SELECT * FROM deliveries WHERE episode_key = ? AND channel_id = ?", (episode_key, channel_id)
        )
        if row is None:
            return None
        delivery = Delivery(
            episode_key=row["episode_key"],
            channel_id=row["channel_id"],
            guild_id=row["guild_id"],
            reason=row["reason"],
            kind=row["kind"],
            revision=row["revision"],
            done=bool(row["done"]),
            thread_id=row["thread_id"],
            thread_state=row["thread_state"],
            thread_name=row["thread_name"],
            crossposted=bool(row["crossposted"]),
            card=row["card"],
        )
        for part in await self.db.fetchall(
            "SELECT * FROM delivery_parts WHERE episode_key = ? AND channel_id = ? ORDER BY part",
            (episode_key, channel_id),
        ):
            delivery.parts[part["part"]] = Part(
                part["part"], part["state"], part["message_id"], part["digest"], part["marker"], part["started_at"]
            )
        return delivery

    async def record(
        self,
        delivery: Delivery,
        *,
        parts: Sequence[Part] = (),
        dropped: Iterable[int] = (),
        columns: Mapping[str, object] | None = None,
        finish: int | None = None,
    ) -> None:
        """Write, in one transaction, parts (as they are now), dropped parts, delivery columns
        (``kind``, ``card``, ``thread_id``, ``thread_state``, ``thread_name``, ``crossposted``) and, with
        ``finish``, that the delivery is complete for that revision of its episode.

        ``delivery`` itself is not changed: the caller keeps it current.
        """
        values = dict(columns or {})
        unknown = set(values) - _COLUMNS
        if unknown:
            raise ValueError(f"not delivery columns: {', '.join(sorted(unknown))}")
        now = utcnow()
        key = (delivery.episode_key, delivery.channel_id)
        async with self.db.transaction() as conn:
            await conn.executemany(
                """
                INSERT INTO delivery_parts
                    (episode_key, channel_id, part, state, message_id, digest, marker, started_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (episode_key, channel_id, part) DO UPDATE SET
                    state = excluded.state, message_id = excluded.message_id, digest = excluded.digest,
                    marker = excluded.marker, started_at = excluded.started_at
                """,
                [(*key, p.part, p.state, p.message_id, p.digest, p.marker, p.started_at) for p in parts],
            )
            await conn.executemany(
                "DELETE FROM delivery_parts WHERE episode_key = ? AND channel_id = ? AND part = ?",
                [(*key, index) for index in dropped],
            )
            if finish is not None:
                values.update(done=1, revision=finish)
            if values:
                assignments = ", ".join(f"{name} = :{name}" for name in values)
                if finish is not None:
                    assignments += ", delivered_at = coalesce(delivered_at, :now)"
                await conn.execute(
                    f"UPDATE deliveries SET {assignments}, updated_at = :now "
                    "WHERE episode_key = :key AND channel_id = :channel",
                    {**values, "now": now, "key": key[0], "channel": key[1]},
                )

    # ---- queries for other features -------------------------------------------------------

    async def thread_for(self, episode_key: str, guild_id: int) -> int | None:
        """The thread (or forum post) holding this episode's summaries in this server, if any."""
        value = await self.db.scalar(
            "SELECT thread_id FROM deliveries WHERE episode_key = ? AND guild_id = ? AND thread_state = 'created' "
            "ORDER BY created_at LIMIT 1",
            (episode_key, guild_id),
        )
        return None if value is None else int(value)

    async def counts(self, channel_id: int) -> tuple[int, int]:
        """(complete, pending) deliveries of one channel."""
        row = await self.db.fetchone(
            "SELECT coalesce(sum(done = 1), 0), coalesce(sum(done = 0), 0) FROM deliveries WHERE channel_id = ?",
            (channel_id,),
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def last_delivered(self, channel_id: int) -> tuple[str, str] | None:
        """(episode key, delivered_at) of the channel's most recent complete delivery."""
        row = await self.db.fetchone(
            "SELECT episode_key, delivered_at FROM deliveries WHERE channel_id = ? AND delivered_at IS NOT NULL "
            "ORDER BY delivered_at DESC LIMIT 1",
            (channel_id,),
        )
        return (row[0], row[1]) if row else None


def _target(row: sqlite3.Row) -> TargetState:
    return TargetState(
        channel_id=row["channel_id"],
        guild_id=row["guild_id"],
        origin=row["origin"],
        since=row["since"],
        active=bool(row["active"]),
        failures=row["failures"],
        retry_at=row["retry_at"],
        last_error=row["last_error"],
        last_error_at=row["last_error_at"],
        last_success=row["last_success"],
    )
