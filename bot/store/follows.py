"""Followed words, per-listener delivery preferences, and the outbox of DMs to followers.

* ``follows``: up to :data:`bot.follow.words.MAX_WORDS` words per listener, per server they followed in.
* ``follow_scans``: the announcements (episode, server, revision) already matched, so a restart or a
  second channel of the same server does not match again.
* ``follow_notified``: the topics each listener was told about per episode: one DM per episode, and
  after an edit only for a topic that newly matches.
* ``follow_notices``: the outbox. A notice is committed with its scan and its ``follow_notified`` rows in
  one transaction; it is ``sending`` (durably) before its request and ``done`` with an outcome after.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.follow.model import ANYWHERE, Announcement, Follow, Notice, NoticeTopic
from bot.follow.words import MAX_WORDS
from bot.store.db import Database
from bot.store.episodes import chunks, utcnow

PENDING = "pending"
SENDING = "sending"
DONE = "done"


class Added(StrEnum):
    ADDED = "added"
    EXISTS = "exists"
    FULL = "full"


class Outcome(StrEnum):
    """How a notice ended."""

    DM = "dm"
    THREAD = "thread"  # DMs closed; mentioned in the episode's thread (opted in)
    CLOSED = "closed"  # DMs closed; recorded, not retried
    LEFT = "left"  # no longer a member of the server: their follows there are removed
    FAILED = "failed"  # gave up after the retries, or refused by Discord


@dataclass(frozen=True, slots=True)
class Prefs:
    locale: str = "ja"
    dm_channel_id: int | None = None
    dm_closed_at: str | None = None
    thread_mention: bool = False


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int
    failed: int
    closed: int


def topic_key(topic: NoticeTopic) -> str:
    """What identifies a topic of an episode across edits: its article link, else its title."""
    return topic.url or topic.title


class FollowStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- listeners' words ------------------------------------------------------------------

    async def add(
        self, user_id: int, guild_id: int, word: str, normalized: str, locale: str, forms: Sequence[str] = ()
    ) -> Added:
        """Follow a word (refused beyond :data:`MAX_WORDS` across servers); remembers the listener's locale."""
        now = utcnow()
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT 1 FROM follows WHERE user_id = ? AND guild_id = ? AND normalized = ?",
                (user_id, guild_id, normalized),
            ) as cursor:
                if await cursor.fetchone() is not None:
                    return Added.EXISTS
            async with conn.execute(
                "SELECT count(DISTINCT normalized) FROM follows WHERE user_id = ? AND normalized != ?",
                (user_id, normalized),
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None and int(row[0]) >= MAX_WORDS:
                return Added.FULL
            await conn.execute(
                "INSERT INTO follows (user_id, guild_id, word, normalized, forms, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, guild_id, word, normalized, "\t".join(forms), now),
            )
            await conn.execute(
                "INSERT INTO follow_prefs (user_id, locale) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale",
                (user_id, locale),
            )
        return Added.ADDED

    async def of_user(self, user_id: int) -> list[Follow]:
        rows = await self.db.fetchall("SELECT * FROM follows WHERE user_id = ? ORDER BY created_at, word", (user_id,))
        return [_follow(row) for row in rows]

    async def remove(self, user_id: int, normalized: str) -> int:
        """Stop following a word (in every server); the number of rows removed."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM follows WHERE user_id = ? AND normalized = ?", (user_id, normalized)
            )
            return cursor.rowcount

    async def forget_user(self, user_id: int) -> int:
        """Everything kept about a listener: words, preferences, notices not sent yet."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM follows WHERE user_id = ?", (user_id,))
            await conn.execute("DELETE FROM follow_prefs WHERE user_id = ?", (user_id,))
            await conn.execute("DELETE FROM follow_notices WHERE user_id = ? AND state != ?", (user_id, DONE))
            return cursor.rowcount

    async def forget_member(self, guild_id: int, user_id: int) -> int:
        """A listener left a server: their words followed there."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM follows WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
            return cursor.rowcount

    async def forget_guild(self, guild_id: int) -> int:
        """The bot left a server: every word followed there, and the notices waiting to link to it."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM follows WHERE guild_id = ?", (guild_id,))
            await conn.execute(
                "DELETE FROM follow_notices WHERE guild_id = ? AND linked = 1 AND state != ?", (guild_id, DONE)
            )
            return cursor.rowcount

    async def words(self, guild_id: int, before: datetime) -> dict[str, tuple[str, ...]]:
        """The distinct words (with their other forms) to match against an announcement in ``guild_id`` made
        at ``before``: those followed in that server, and those followed anywhere, before the announcement."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT normalized, forms FROM follows WHERE guild_id IN (?, ?) AND created_at <= ?",
            (guild_id, ANYWHERE, _stamp(before)),
        )
        return {row[0]: _forms(row[1]) for row in rows}

    async def following(self, guild_id: int, before: datetime, words: Sequence[str]) -> list[Follow]:
        """The follows of those ``words`` (normalised) that count for an announcement (see :meth:`words`)."""
        found: list[Follow] = []
        for part in chunks(words):
            marks = ", ".join("?" * len(part))
            rows = await self.db.fetchall(
                f"SELECT * FROM follows WHERE guild_id IN (?, ?) AND created_at <= ? AND normalized IN ({marks})",
                (guild_id, ANYWHERE, _stamp(before), *part),
            )
            found += [_follow(row) for row in rows]
        return found

    # ---- preferences -----------------------------------------------------------------------

    async def prefs(self, user_id: int) -> Prefs:
        row = await self.db.fetchone("SELECT * FROM follow_prefs WHERE user_id = ?", (user_id,))
        if row is None:
            return Prefs()
        return Prefs(row["locale"], row["dm_channel_id"], row["dm_closed_at"], bool(row["thread_mention"]))

    async def set_thread_mention(self, user_id: int, enabled: bool) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO follow_prefs (user_id, thread_mention) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET thread_mention = excluded.thread_mention",
                (user_id, int(enabled)),
            )

    async def dm_state(self, user_id: int, *, closed: bool) -> None:
        """Whether the last DM was refused (closed DMs, shown in ``/follow list``) or went through."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO follow_prefs (user_id, dm_closed_at) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET dm_closed_at = excluded.dm_closed_at",
                (user_id, utcnow() if closed else None),
            )

    async def set_dm_channel(self, user_id: int, channel_id: int | None) -> None:
        """Remember (or forget) the bot's DM channel with a listener: one request less per notice."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO follow_prefs (user_id, dm_channel_id) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET dm_channel_id = excluded.dm_channel_id",
                (user_id, channel_id),
            )

    # ---- matching announcements ------------------------------------------------------------

    async def scanned(self, announcement: Announcement) -> bool:
        value = await self.db.scalar(
            "SELECT 1 FROM follow_scans WHERE episode_key = ? AND guild_id = ? AND revision = ?",
            (announcement.episode_key, announcement.guild_id, announcement.revision),
        )
        return value is not None

    async def enqueue(
        self,
        announcement: Announcement,
        matched: Mapping[int, Mapping[int, list[str]]],
        linked: Mapping[int, bool],
    ) -> int:
        """Record the scan of an announcement and queue one notice per listener with a newly matching topic.

        ``matched``: per listener, topic index → their words found in it; ``linked``: per listener, whether
        they followed in the announcement's server. Nothing happens for a scan already recorded.
        """
        now = utcnow()
        queued = 0
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO follow_scans (episode_key, guild_id, revision, scanned_at, notices) "
                "VALUES (?, ?, ?, ?, 0)",
                (announcement.episode_key, announcement.guild_id, announcement.revision, now),
            )
            if cursor.rowcount == 0:
                return 0
            for user_id, by_topic in matched.items():
                topics = [
                    NoticeTopic(announcement.topics[i].title, announcement.topics[i].url, tuple(words))
                    for i, words in sorted(by_topic.items())
                ]
                async with conn.execute(
                    "SELECT topic FROM follow_notified WHERE user_id = ? AND episode_key = ?",
                    (user_id, announcement.episode_key),
                ) as known_rows:
                    known = {row[0] for row in await known_rows.fetchall()}
                fresh = [topic for topic in topics if topic_key(topic) not in known]
                if not fresh:
                    continue
                await conn.executemany(
                    "INSERT OR IGNORE INTO follow_notified (user_id, episode_key, topic) VALUES (?, ?, ?)",
                    [(user_id, announcement.episode_key, topic_key(topic)) for topic in fresh],
                )
                await conn.execute(
                    """
                    INSERT INTO follow_notices (user_id, episode_key, number, title, page_url, guild_id, channel_id,
                        message_id, thread_id, linked, topics, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    (
                        user_id,
                        announcement.episode_key,
                        announcement.number,
                        announcement.title,
                        announcement.page_url,
                        announcement.guild_id,
                        announcement.channel_id,
                        announcement.message_id,
                        announcement.thread_id,
                        int(linked.get(user_id, False)),
                        json.dumps([[t.title, t.url, list(t.words)] for t in fresh], ensure_ascii=False),
                        now,
                    ),
                )
                queued += 1
            await conn.execute(
                "UPDATE follow_scans SET notices = ? WHERE episode_key = ? AND guild_id = ? AND revision = ?",
                (queued, announcement.episode_key, announcement.guild_id, announcement.revision),
            )
        return queued

    async def unscanned(self, since: datetime) -> list[tuple[str, int, int, int | None, int | None, int, str]]:
        """Announcements completed since ``since`` that were not matched yet (a crash between the two):
        (episode key, guild id, channel id, main message id (none in a forum: the post is the thread), thread id,
        revision, completed at).

        Reads the announcement ledger (``bot.store.deliveries``) without writing it.
        """
        rows = await self.db.fetchall(
            """
            SELECT d.episode_key, d.guild_id, d.channel_id,
                   CASE WHEN d.kind = 'forum' THEN NULL ELSE p.message_id END, d.thread_id, d.revision, d.updated_at
            FROM deliveries d
            LEFT JOIN delivery_parts p ON p.episode_key = d.episode_key AND p.channel_id = d.channel_id AND p.part = 0
            WHERE d.done = 1 AND d.guild_id IS NOT NULL AND d.updated_at >= ?
              AND NOT EXISTS (
                SELECT 1 FROM follow_scans s
                WHERE s.episode_key = d.episode_key AND s.guild_id = d.guild_id AND s.revision = d.revision
              )
            ORDER BY d.updated_at
            """,
            (since.isoformat(timespec="seconds"),),
        )
        return [tuple(row) for row in rows]

    # ---- the outbox ------------------------------------------------------------------------

    async def due(self, now: datetime, limit: int) -> list[Notice]:
        rows = await self.db.fetchall(
            """
            SELECT n.*, coalesce(p.locale, 'ja') AS locale FROM follow_notices n
            LEFT JOIN follow_prefs p ON p.user_id = n.user_id
            WHERE n.state != ? AND n.next_attempt_ts <= ? ORDER BY n.id LIMIT ?
            """,
            (DONE, now.timestamp(), limit),
        )
        return [_notice(row) for row in rows]

    async def sending(self, notice_id: int) -> str:
        """Mark a notice as being sent (before its request); returns the time recorded."""
        now = utcnow()
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE follow_notices SET state = ?, started_at = ? WHERE id = ?", (SENDING, now, notice_id)
            )
        return now

    async def finish(
        self, notice_id: int, outcome: Outcome, *, message_id: int | None = None, error: str | None = None
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE follow_notices SET state = ?, outcome = ?, dm_message_id = ?, last_error = ?, "
                "finished_at = ? WHERE id = ?",
                (DONE, outcome.value, message_id, error, utcnow(), notice_id),
            )

    async def retry(self, notice_id: int, attempts: int, at: datetime, error: str) -> None:
        """Try again at ``at`` (the notice stays ``sending`` if it was: the request may have reached Discord)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE follow_notices SET attempts = ?, next_attempt_ts = ?, last_error = ? WHERE id = ?",
                (attempts, at.timestamp(), error, notice_id),
            )

    async def backlog(self, guild_id: int) -> Backlog:
        """Notices about this server's announcements: waiting, given up, refused by closed DMs."""
        row = await self.db.fetchone(
            "SELECT coalesce(sum(state != 'done'), 0), coalesce(sum(outcome = 'failed'), 0), "
            "coalesce(sum(outcome = 'closed'), 0) FROM follow_notices WHERE guild_id = ?",
            (guild_id,),
        )
        return Backlog(int(row[0]), int(row[1]), int(row[2])) if row else Backlog(0, 0, 0)

    async def followers_in(self, guild_id: int) -> int:
        value = await self.db.scalar("SELECT count(DISTINCT user_id) FROM follows WHERE guild_id = ?", (guild_id,))
        return int(value or 0)

    async def notices_of(self, user_id: int) -> list[tuple[str, str | None]]:
        """(state, outcome) of a listener's notices, oldest first (tests, ``/follow list``)."""
        rows = await self.db.fetchall(
            "SELECT state, outcome FROM follow_notices WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [(row[0], row[1]) for row in rows]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _forms(value: str) -> tuple[str, ...]:
    return tuple(value.split("\t")) if value else ()


def _follow(row: sqlite3.Row) -> Follow:
    return Follow(row["user_id"], row["guild_id"], row["word"], row["normalized"], _forms(row["forms"]))


def _notice(row: sqlite3.Row) -> Notice:
    topics = tuple(NoticeTopic(title, url, tuple(words)) for title, url, words in json.loads(row["topics"]))
    return Notice(
        id=row["id"],
        user_id=row["user_id"],
        episode_key=row["episode_key"],
        number=row["number"],
        title=row["title"],
        page_url=row["page_url"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        linked=bool(row["linked"]),
        topics=topics,
        locale=row["locale"],
        state=row["state"],
        attempts=row["attempts"],
        started_at=row["started_at"],
    )
