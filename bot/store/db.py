"""The SQLite connection: pragmas, serialised write transactions and schema migrations."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.store.migrations import MIGRATIONS
from bot.store.search.functions import register as register_search_functions

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
#: SQLite's default limit of host parameters is 999 on old builds; stay well below.
CHUNK = 400

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    """``items`` in slices of at most ``size``, to keep each statement under SQLite's parameter limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _read_only(path: str) -> bool:
    """Whether the database file, or the folder its journal files go in, cannot be written."""
    if path == ":memory:":
        return False
    target = Path(path)
    return (target.exists() and not os.access(target, os.W_OK)) or not os.access(target.parent, os.W_OK)


class StoreError(Exception):
    """The database cannot be opened or migrated; the message says why."""


class Database:
    """One aiosqlite connection in WAL mode.

    Writes go through :meth:`transaction`, which serialises them with a lock and commits
    durably (``synchronous=FULL``): once it returns, the data survives a crash or power loss.
    """

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Database:
        """Open (creating folders and file as needed), set pragmas and run pending migrations."""
        target = str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(target, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open database {target}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        db = cls(conn, target)
        try:
            await db._configure()
            await db._check()
            if migrate:
                await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def _configure(self) -> None:
        try:
            await self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await self.conn.execute("PRAGMA journal_mode = WAL")
            await self.conn.execute("PRAGMA synchronous = FULL")
            await self.conn.execute("PRAGMA foreign_keys = ON")
            await register_search_functions(self.conn)
        except sqlite3.DatabaseError as exc:
            if _read_only(self.path) or "readonly" in str(exc):
                raise StoreError(
                    f"{self.path} is read-only (the file or its folder cannot be written): "
                    "zundabot must be able to write it; fix its permissions or the mount"
                ) from exc
            raise StoreError(f"{self.path} is not a usable SQLite database: {exc}") from exc

    async def _check(self) -> None:
        """``PRAGMA quick_check`` at open: a damaged file stops the start with how to restore it."""
        if self.path == ":memory:":
            return
        try:
            async with self.conn.execute("PRAGMA quick_check(1)") as cursor:
                row = await cursor.fetchone()
            problem = None if row is not None and row[0] == "ok" else str(row[0] if row else "no answer")
        except sqlite3.DatabaseError as exc:
            problem = str(exc)
        if problem is not None:
            raise StoreError(
                f"{self.path} is damaged ({problem}). Stop zundabot and restore the latest backup: copy it over "
                f"{self.path} and delete {self.path}-wal and {self.path}-shm (see README, Backups)"
            )
        if _read_only(self.path):
            raise StoreError(
                f"{self.path} is read-only (the file or its folder cannot be written): "
                "zundabot must be able to write it; fix its permissions or the mount"
            )

    async def close(self) -> None:
        await self.conn.close()

    async def version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self, target: int | None = None) -> None:
        """Apply migrations up to ``target`` (default: all), each in its own transaction."""
        goal = len(MIGRATIONS) if target is None else target
        current = await self.version()
        if current > len(MIGRATIONS):
            raise StoreError(
                f"{self.path} has schema version {current}, newer than this zundabot knows "
                f"({len(MIGRATIONS)}): upgrade zundabot or use another DATABASE_PATH"
            )
        for version in range(current, goal):
            log.info("migrating %s to schema version %d", self.path, version + 1)
            async with self.transaction() as conn:
                await MIGRATIONS[version](conn)
                await conn.execute(f"PRAGMA user_version = {version + 1}")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error; one writer at a time."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:  # SQLite may have rolled back itself (disk full): keep its error
                    await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def fetchall(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """Every row of ``sql``, in one trip to the database thread (a cursor costs three)."""
        return list(await self.conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def scalar(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]
