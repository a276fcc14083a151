"""The searches whose answers can still be paged: what a page turn searches again (see :mod:`cogs.lookup.answer`).

An answer's buttons carry only the id of its request, so no answer keeps anything alive in the process, and
they work across restarts. A request is kept for :data:`REQUEST_LIFETIME`; a press on an older answer is told
to search again. The words searched are a listener's: they are not kept longer than that.
"""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.search.model import SearchRequest
from bot.store.db import Database

#: How long an answer's buttons keep working.
REQUEST_LIFETIME = timedelta(days=1)


class SearchRequestStore:
    def __init__(self, db: Database, now: Clock) -> None:
        self.db = db
        self.now = now

    def _oldest(self) -> int:
        """The creation time (Unix seconds) of the oldest request still kept."""
        return int((self.now() - REQUEST_LIFETIME).timestamp())

    async def remember(self, request: SearchRequest) -> int:
        """Keep ``request`` (and forget those past their lifetime); returns its id."""
        now = self.now()
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM search_requests WHERE created_ts < ?", (self._oldest(),))
            cursor = await conn.execute(
                "INSERT INTO search_requests (owner_id, query, mc, site, since, until, created_ts) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    request.owner_id,
                    request.query,
                    request.mc,
                    request.site,
                    request.since,
                    request.until,
                    int(now.timestamp()),
                ),
            )
            return int(cursor.lastrowid or 0)

    async def get(self, request_id: int) -> SearchRequest | None:
        """The request, or ``None`` when it is unknown or past its lifetime."""
        rows = await self.db.fetchall(
            "SELECT owner_id, query, mc, site, since, until, shared FROM search_requests "
            "WHERE id = ? AND created_ts >= ?",
            (request_id, self._oldest()),
        )
        if not rows:
            return None
        row = rows[0]
        return SearchRequest(
            owner_id=int(row["owner_id"]),
            query=row["query"],
            mc=row["mc"],
            site=row["site"],
            since=row["since"],
            until=row["until"],
            shared=bool(row["shared"]),
        )

    async def mark_shared(self, request_id: int) -> bool:
        """Record that the answer was shared; ``False`` when it already was (one share per answer)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE search_requests SET shared = 1 WHERE id = ? AND shared = 0", (request_id,)
            )
            return cursor.rowcount == 1
