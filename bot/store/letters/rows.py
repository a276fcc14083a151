"""Rows of the letters tables as domain objects, and the two writes every transition shares."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.letters.model import Action, Letter, LetterEvent, Status
from bot.letters.outbox import OutboxItem, OutboxKind


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def now_or(now: datetime | None) -> datetime:
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


def event_from_row(row: sqlite3.Row) -> LetterEvent:
    return LetterEvent(
        letter_id=row["letter_id"],
        at=row["at"],
        actor_id=row["actor_id"],
        action=Action(row["action"]),
        from_status=Status(row["from_status"]) if row["from_status"] else None,
        to_status=Status(row["to_status"]) if row["to_status"] else None,
        detail=row["detail"],
    )


def item_from_row(row: sqlite3.Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        letter_id=row["letter_id"],
        guild_id=row["guild_id"],
        kind=OutboxKind(row["kind"]),
        attempts=row["attempts"],
        next_attempt_ts=row["next_attempt_ts"],
        last_error=row["last_error"],
        last_channel_id=row["last_channel_id"],
        sending_at=row["sending_at"],
        sending_channel_id=row["sending_channel_id"],
    )


async def one(conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...]) -> sqlite3.Row | None:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def record_event(
    conn: aiosqlite.Connection,
    letter_id: int,
    at: str,
    actor_id: int | None,
    action: Action,
    from_status: Status | None = None,
    to_status: Status | None = None,
    detail: str = "",
) -> None:
    """Append one entry to a letter's history."""
    await conn.execute(
        "INSERT INTO letter_events (letter_id, at, actor_id, action, from_status, to_status, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (letter_id, at, actor_id, action.value, from_status, to_status, detail),
    )


async def enqueue(conn: aiosqlite.Connection, letter_id: int, guild_id: int, kind: OutboxKind, at: str) -> None:
    """Queue work for a letter; queuing the same kind again makes it due now."""
    await conn.execute(
        "INSERT INTO letter_outbox (letter_id, guild_id, kind, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (letter_id, kind) DO UPDATE SET next_attempt_ts = 0",
        (letter_id, guild_id, kind.value, at),
    )
