"""What the posts folder source has seen of each post file, kept so that a restart does not parse them again.

One row per file of a folder source (its signature, the hash of its bytes, the episode it gave or why it
gave none) and the reader that read it: rows of another reader (another version of the posts reader or
another site) come back with an unknown signature and hash, so those files are read and parsed again.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping, Sequence

from bot.episodes.sources import Outcome, SeenFile
from bot.store.db import Database, chunks

#: The signature and hash a file remembered by another reader comes back with: it matches no file.
_FORGOTTEN = (-2, -2)


class PostFileStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, source: str, reader: str) -> dict[str, SeenFile]:
        """The files ``source`` saw, by path; those read by another ``reader`` are to be read again."""
        rows = await self.db.fetchall(
            "SELECT path, mtime_ns, size, content_hash, outcome, episode_key, reason, reader FROM post_files "
            "WHERE source = ?",
            (source,),
        )
        return await asyncio.to_thread(_files, rows, reader)

    async def save(self, source: str, reader: str, files: Mapping[str, SeenFile], forget: Sequence[str]) -> None:
        """Record what ``source`` saw of ``files`` and forget the deleted paths ``forget``, in one transaction."""
        if not files and not forget:
            return
        rows = await asyncio.to_thread(_rows, source, reader, files)
        async with self.db.transaction() as conn:
            for part in chunks(forget):
                marks = ",".join("?" * len(part))
                await conn.execute(f"DELETE FROM post_files WHERE source = ? AND path IN ({marks})", (source, *part))
            await conn.executemany(
                """
                INSERT INTO post_files (source, path, mtime_ns, size, content_hash, outcome, episode_key, reason,
                    reader)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (source, path) DO UPDATE SET
                    mtime_ns = excluded.mtime_ns, size = excluded.size, content_hash = excluded.content_hash,
                    outcome = excluded.outcome, episode_key = excluded.episode_key, reason = excluded.reason,
                    reader = excluded.reader
                """,
                rows,
            )


def _files(rows: Sequence[sqlite3.Row], reader: str) -> dict[str, SeenFile]:
    files: dict[str, SeenFile] = {}
    for path, mtime_ns, size, content_hash, outcome, episode_key, reason, read_by in rows:
        if read_by != reader:
            mtime_ns, size = _FORGOTTEN
            content_hash = None
        files[path] = SeenFile(mtime_ns, size, content_hash, Outcome(outcome), episode_key, reason)
    return files


def _rows(source: str, reader: str, files: Mapping[str, SeenFile]) -> list[tuple[object, ...]]:
    return [
        (source, path, seen.mtime_ns, seen.size, seen.content_hash, seen.outcome.value, seen.episode_key,
         seen.reason, reader)
        for path, seen in files.items()
    ]  # fmt: skip
