"""Schema migrations: ``MIGRATIONS[n]`` takes a database from ``user_version`` n to n + 1.

Append only; never edit a migration that has shipped. Each runs inside one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable

import aiosqlite

Migration = Callable[[aiosqlite.Connection], Awaitable[None]]


def statements(script: str) -> list[str]:
    """Split a SQL script into complete statements (trigger bodies included)."""
    result: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            result.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement: {pending.strip()[:80]}")
    return result


def sql(script: str) -> Migration:
    """A migration that runs a plain SQL script (without ``executescript``'s implicit COMMIT)."""
    parts = statements(script)

    async def run(conn: aiosqlite.Connection) -> None:
        for statement in parts:
            await conn.execute(statement)

    return run


EPISODES_V1 = sql(
    """
    CREATE TABLE episodes (
        key           TEXT PRIMARY KEY,
        number        TEXT NOT NULL,
        title         TEXT NOT NULL,
        published     TEXT NOT NULL,
        published_ts  INTEGER NOT NULL,
        page_url      TEXT NOT NULL,
        actors        TEXT NOT NULL DEFAULT '[]',
        description   TEXT NOT NULL DEFAULT '',
        information   TEXT NOT NULL DEFAULT '',
        audio_url     TEXT,
        youtube_url   TEXT,
        image_url     TEXT,
        source        TEXT NOT NULL DEFAULT '',
        source_rank   INTEGER NOT NULL DEFAULT 0,
        fingerprint   TEXT NOT NULL,
        revision      INTEGER NOT NULL DEFAULT 1,
        first_seen    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        withdrawn_at  TEXT
    );
    CREATE INDEX episodes_by_number ON episodes (number);
    CREATE INDEX episodes_by_published ON episodes (published_ts);

    CREATE TABLE topics (
        id           INTEGER PRIMARY KEY,
        episode_key  TEXT NOT NULL REFERENCES episodes (key) ON DELETE CASCADE,
        position     INTEGER NOT NULL,
        title        TEXT NOT NULL,
        url          TEXT NOT NULL,
        summary      TEXT NOT NULL DEFAULT '',
        site         TEXT NOT NULL DEFAULT '',
        UNIQUE (episode_key, position)
    );
    CREATE INDEX topics_by_site ON topics (site);

    CREATE TABLE source_state (
        source         TEXT PRIMARY KEY,
        etag           TEXT,
        last_modified  TEXT,
        content_hash   TEXT,
        last_attempt   TEXT,
        last_success   TEXT,
        last_error     TEXT,
        failures       INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE kv (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    );
    """
)

GUILD_SETTINGS_V2 = sql(
    """
    CREATE TABLE guild_settings (
        guild_id              INTEGER PRIMARY KEY,
        announce_channel_id   INTEGER,
        announce_role_id      INTEGER,
        letters_channel_id    INTEGER,
        host_role_id          INTEGER,
        updated_by            INTEGER,
        updated_at            TEXT NOT NULL
    );
    """
)


async def SEARCH_V3(conn: aiosqlite.Connection) -> None:
    """The full-text search index and its triggers; indexes the episodes already stored."""
    from bot.store.search import install  # here, not at the top: bot.store.search imports this module

    await install(conn)


MIGRATIONS: list[Migration] = [EPISODES_V1, GUILD_SETTINGS_V2, SEARCH_V3]
