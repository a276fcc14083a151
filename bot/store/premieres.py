"""Scheduled premieres: whether a server wants them, and the Discord event of each (server, episode).

* ``premiere_settings``: one row per server that set ``/settings premiere`` (absent means off).
* ``premiere_events``: the event of an episode in a server. A row is ``creating`` (committed) before the
  create request and ``scheduled`` with the event's id after it; a ``creating`` row found later means the
  request may have reached Discord, so the server's events are searched for the episode's marker before
  creating again. ``refused`` rows (Discord said no: no permission) wait for the post or the settings to
  change; ``canceled`` and ``done`` (the episode went public; Discord starts and ends the event) are final
  unless the episode is scheduled again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from bot.clock import utcnow
from bot.store.db import Database


class EventState(StrEnum):
    CREATING = "creating"
    SCHEDULED = "scheduled"
    REFUSED = "refused"
    CANCELED = "canceled"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class EventRecord:
    guild_id: int
    episode_key: str
    page_url: str
    state: EventState
    event_id: int | None
    fingerprint: str
    start_ts: float
    attempts: int
    next_attempt_ts: float
    last_error: str | None


def _record(row: sqlite3.Row) -> EventRecord:
    return EventRecord(
        guild_id=row["guild_id"],
        episode_key=row["episode_key"],
        page_url=row["page_url"],
        state=EventState(row["state"]),
        event_id=row["event_id"],
        fingerprint=row["fingerprint"],
        start_ts=row["start_ts"],
        attempts=row["attempts"],
        next_attempt_ts=row["next_attempt_ts"],
        last_error=row["last_error"],
    )


class PremiereStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def enabled(self, guild_id: int) -> bool:
        return bool(await self.db.scalar("SELECT enabled FROM premiere_settings WHERE guild_id = ?", (guild_id,)))

    async def enabled_guilds(self) -> list[int]:
        rows = await self.db.fetchall("SELECT guild_id FROM premiere_settings WHERE enabled ORDER BY guild_id")
        return [row["guild_id"] for row in rows]

    async def set_enabled(self, guild_id: int, enabled: bool, *, by: int) -> None:
        """Turn premieres on or off in a server; either way, events Discord refused are tried again."""
        async with self.db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO premiere_settings (guild_id, enabled, updated_by, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (guild_id) DO UPDATE SET enabled = excluded.enabled, updated_by = excluded.updated_by,
                    updated_at = excluded.updated_at
                """,
                (guild_id, int(enabled), by, utcnow()),
            )
            await conn.execute(
                "UPDATE premiere_events SET state = 'creating', attempts = 0, next_attempt_ts = 0 "
                "WHERE guild_id = ? AND state = 'refused' AND event_id IS NULL",
                (guild_id,),
            )
            await conn.execute(
                "UPDATE premiere_events SET state = 'scheduled', attempts = 0, next_attempt_ts = 0, fingerprint = '' "
                "WHERE guild_id = ? AND state = 'refused' AND event_id IS NOT NULL",
                (guild_id,),
            )

    async def for_guild(self, guild_id: int) -> dict[str, EventRecord]:
        rows = await self.db.fetchall("SELECT * FROM premiere_events WHERE guild_id = ?", (guild_id,))
        return {row["episode_key"]: _record(row) for row in rows}

    async def creating(self, guild_id: int, episode_key: str, page_url: str, fingerprint: str, start_ts: float) -> None:
        """Committed before the create request: from now on a restart looks for the event before creating."""
        async with self.db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO premiere_events (guild_id, episode_key, page_url, state, event_id, fingerprint,
                    start_ts, attempts, next_attempt_ts, last_error, updated_at)
                VALUES (?, ?, ?, 'creating', NULL, ?, ?, 0, 0, NULL, ?)
                ON CONFLICT (guild_id, episode_key) DO UPDATE SET state = 'creating', event_id = NULL,
                    page_url = excluded.page_url,
                    fingerprint = excluded.fingerprint, start_ts = excluded.start_ts, last_error = NULL,
                    updated_at = excluded.updated_at
                """,
                (guild_id, episode_key, page_url, fingerprint, start_ts, utcnow()),
            )

    async def scheduled(
        self, guild_id: int, episode_key: str, event_id: int, fingerprint: str, start_ts: float
    ) -> None:
        """The event exists on Discord with this body."""
        await self._set(
            guild_id,
            episode_key,
            "state = 'scheduled', event_id = ?, fingerprint = ?, start_ts = ?, attempts = 0, next_attempt_ts = 0, "
            "last_error = NULL",
            (event_id, fingerprint, start_ts),
        )

    async def finished(self, guild_id: int, episode_key: str, state: EventState) -> None:
        """``canceled`` or ``done``: nothing more to do for this event."""
        await self._set(guild_id, episode_key, "state = ?, last_error = NULL", (state.value,))

    async def refused(self, guild_id: int, episode_key: str, fingerprint: str, error: str) -> None:
        """Discord refused (no permission): not retried until the post or the server's settings change."""
        await self._set(
            guild_id, episode_key, "state = 'refused', fingerprint = ?, last_error = ?", (fingerprint, error[:500])
        )

    async def failed(self, guild_id: int, episode_key: str, error: str, next_attempt_ts: float) -> None:
        """A transient failure (5xx, network): tried again from ``next_attempt_ts``."""
        await self._set(
            guild_id,
            episode_key,
            "attempts = attempts + 1, next_attempt_ts = ?, last_error = ?",
            (next_attempt_ts, error[:500]),
        )

    async def _set(self, guild_id: int, episode_key: str, assignments: str, params: tuple[object, ...]) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE premiere_events SET {assignments}, updated_at = ? WHERE guild_id = ? AND episode_key = ?",
                (*params, utcnow(), guild_id, episode_key),
            )
