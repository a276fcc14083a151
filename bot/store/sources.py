"""Per-source polling state: HTTP validators, last content hash, last success and error."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import utcnow
from bot.store.db import Database


@dataclass(frozen=True, slots=True)
class SourceState:
    source: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    last_attempt: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    failures: int = 0


class SourceStateStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, source: str) -> SourceState:
        row = await self.db.fetchone("SELECT * FROM source_state WHERE source = ?", (source,))
        return SourceState(**dict(row)) if row else SourceState(source)

    async def all(self) -> list[SourceState]:
        rows = await self.db.fetchall("SELECT * FROM source_state ORDER BY source")
        return [SourceState(**dict(row)) for row in rows]

    async def succeeded(
        self,
        source: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        content_hash: str | None = None,
    ) -> None:
        """Record a successful poll; validators given as ``None`` keep their stored value."""
        now = utcnow()
        async with self.db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO source_state (source, etag, last_modified, content_hash, last_attempt,
                    last_success, last_error, failures)
                VALUES (?, ?, ?, ?, ?, ?, NULL, 0)
                ON CONFLICT (source) DO UPDATE SET
                    etag = coalesce(excluded.etag, etag),
                    last_modified = coalesce(excluded.last_modified, last_modified),
                    content_hash = coalesce(excluded.content_hash, content_hash),
                    last_attempt = excluded.last_attempt, last_success = excluded.last_success,
                    last_error = NULL, failures = 0
                """,
                (source, etag, last_modified, content_hash, now, now),
            )

    async def failed(self, source: str, error: str) -> int:
        """Record a failed poll; return the number of failures in a row."""
        async with (
            self.db.transaction() as conn,
            conn.execute(
                """
                INSERT INTO source_state (source, last_attempt, last_error, failures) VALUES (?, ?, ?, 1)
                ON CONFLICT (source) DO UPDATE SET
                    last_attempt = excluded.last_attempt, last_error = excluded.last_error,
                    failures = failures + 1
                RETURNING failures
                """,
                (source, utcnow(), error[:1000]),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return int(row[0]) if row else 1
