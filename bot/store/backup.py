"""Backups of the database with SQLite's online backup API: consistent, and safe while the bot runs.

A backup is written next to its target under a temporary name, checked (``PRAGMA quick_check``) and
then renamed into place, so a backup file is always complete. To restore one, stop the bot, copy it
over ``DATABASE_PATH`` and delete the ``-wal`` and ``-shm`` files beside it.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

#: Pages copied per step (the bot keeps writing between steps).
STEP_PAGES = 1024
#: Names of the files a backup folder holds: ``zundabot-20260301-120000.sqlite3``.
NAME_FORMAT = "zundabot-%Y%m%d-%H%M%S.sqlite3"


class BackupError(Exception):
    """The backup could not be made; the message says why."""


def backup_target(target: Path, now: datetime) -> Path:
    """``target`` itself, or a dated file in it when it is a folder."""
    return target / now.strftime(NAME_FORMAT) if target.is_dir() else target


def backup_database(source: Path, target: Path) -> None:
    """Copy the database at ``source`` to ``target`` (blocking: run it in a thread)."""
    if not source.exists():
        raise BackupError(f"no database at {source}")
    if not target.parent.is_dir():
        raise BackupError(f"cannot write {target}: the folder {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    try:
        with (
            closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst, pages=STEP_PAGES)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            result = dst.execute("PRAGMA quick_check(1)").fetchone()
        if result is None or result[0] != "ok":
            raise BackupError(f"the copy of {source} failed its check ({result[0] if result else 'no answer'})")
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up {source} to {target}: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        partial.unlink(missing_ok=True)


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` dated backups in ``folder``; return the deleted files."""
    dated = sorted(folder.glob("zundabot-*.sqlite3"))
    old = dated[:-keep] if keep > 0 else dated
    for path in old:
        path.unlink(missing_ok=True)
    return old
