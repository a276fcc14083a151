"""Keeping the index current: the queue flush, the rebuild when the tokenizer changed, counts."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Coroutine
from typing import Any

import aiosqlite

from bot.clock import Clock
from bot.store.db import Database
from bot.store.kv import KeyValueStore
from bot.store.search.docids import MAX_POSITION, time_base
from bot.store.search.mining import MINED_TABLES, MINED_VERSIONS, QUEUED, mine, mined_key, rebuild_mined
from bot.store.search.schema import FLUSH, VERSION_KEY, rebuild
from bot.text import TOKENIZER_VERSION

log = logging.getLogger(__name__)

#: Seconds a count of the index's documents is used before it is taken again (another process may have flushed).
COUNT_TTL = 60.0
#: Tokens whose commonness is remembered at most (a few hundred bytes each).
LEARNT_TOKENS = 20_000


async def _apply(conn: aiosqlite.Connection) -> None:
    for statement in FLUSH:
        await conn.execute(statement)


async def _together(*steps: Coroutine[Any, Any, None]) -> None:
    """Run ``steps`` on one connection at once (a helper process mines while SQLite indexes), each to its end;
    then raise the first one's error, as it was (a full disk stays a :class:`sqlite3.OperationalError`)."""
    for outcome in await asyncio.gather(*steps, return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome


class SearchIndex:
    """The index over a database: brought up to date before every lookup."""

    def __init__(self, db: Database, now: Clock) -> None:
        self.db = db
        self.now = now
        self._documents: tuple[float, int] | None = None  # (when counted, monotonic; documents)
        #: Facts about the index's tokens learnt since that count (which tokens are common): kept as long as it.
        self._learnt: tuple[tuple[float, int] | None, dict[str, bool]] = (None, {})

    async def indexed(self) -> int:
        """How many documents the index holds: counted again after this process's flushes and after
        :data:`COUNT_TTL` (a count reads every document's size row, half a million at 100,000 episodes)."""
        if self._documents is None or time.monotonic() - self._documents[0] > COUNT_TTL:
            count = int(await self.db.scalar("SELECT count(*) FROM search_fts_docsize") or 0)
            self._documents = (time.monotonic(), count)
        return self._documents[1]

    def learnt(self) -> dict[str, bool]:
        """What was learnt about the tokens since the index was last counted (:meth:`indexed`): forgotten with the
        count, after a flush or :data:`COUNT_TTL`, and when it holds :data:`LEARNT_TOKENS`."""
        counted, known = self._learnt
        if counted is not self._documents or len(known) >= LEARNT_TOKENS:
            known = {}
            self._learnt = (self._documents, known)
        return known

    def _visible_low(self) -> int:
        """The smallest rowid of a document listeners may see now (published by now; rowids are inverted)."""
        return time_base(math.floor(self.now().timestamp()))

    async def ensure_current(self) -> bool:
        """Rebuild the index if it was built by another tokenizer version, and mine again the names mined by
        other rules (:data:`.mining.MINED_VERSIONS`); return whether the index was rebuilt."""
        kv = KeyValueStore(self.db)
        if await kv.get(VERSION_KEY) != str(TOKENIZER_VERSION):
            log.info("rebuilding the search index (tokenizer version %d)", TOKENIZER_VERSION)
            await self.rebuild()
            return True
        stale = tuple([table for table in MINED_TABLES if await kv.get(mined_key(table)) != str(MINED_VERSIONS[table])])
        if stale:
            log.info("mining %s again (rules changed)", ", ".join(stale))
            async with self.db.transaction() as conn:
                await rebuild_mined(conn, stale)
        return False

    async def rebuild(self) -> None:
        """Re-create the index and the mined names (pairs, sounds, readings) from the live rows."""
        async with self.db.transaction() as conn:
            await _together(rebuild(conn), rebuild_mined(conn))
        self._documents = None

    async def pending(self) -> bool:
        """Whether changes wait in the queue (a flush after a large ingest can take seconds)."""
        return bool(await self.db.fetchall("SELECT 1 FROM search_queue LIMIT 1"))  # one trip: every search asks

    async def flush(self) -> None:
        """Bring the index up to date with the changes the triggers queued (see the module docstring)."""
        if not await self.pending():
            return
        async with self.db.transaction() as conn:
            await _together(_apply(conn), mine(conn, QUEUED))
            await conn.execute("DELETE FROM search_queue")
        self._documents = None

    async def document_count(self) -> int:
        """Documents in the index (live episodes plus their topics)."""
        return int(await self.db.scalar("SELECT count(*) FROM search_episodes") or 0) + int(
            await self.db.scalar(
                f"SELECT count(*) FROM topics t JOIN search_episodes s ON s.key = t.episode_key "
                f"WHERE t.position BETWEEN 0 AND {MAX_POSITION}"
            )
            or 0
        )
