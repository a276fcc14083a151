"""``zundabot backup``: a consistent copy while the database is in use, dated copies, retention."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import BACKUP_JOB
from bot.cli.common import main as cli_main
from bot.letters.model import Submission
from bot.letters.ratelimit import RateLimits
from bot.store.backup import backup_database, backup_target, prune_backups
from bot.store.store import Store
from tests.harness import BotRunner

LOOSE = RateLimits(short=100, daily=100)


def make_db(path: Path, letters: int) -> None:
    async def fill() -> None:
        async with await Store.open(path) as store:
            for n in range(letters):
                await store.letters.submit(Submission(1, n, "r", f"バックアップされるお便り {n}"), LOOSE)

    asyncio.run(fill())


def count_letters(path: Path) -> int:
    async def count() -> int:
        async with await Store.open(path) as store:
            return await store.letters.count(1)

    return asyncio.run(count())


def test_backup_while_the_database_is_being_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "zundabot.sqlite3"
    make_db(db, 3)
    writer = sqlite3.connect(db, isolation_level=None)  # the running bot, in the middle of a transaction
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM letters")
    try:
        assert cli_main(["backup", str(tmp_path / "copy.sqlite3"), "--db", str(db)]) == 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert "backed up" in capsys.readouterr().err
    assert count_letters(tmp_path / "copy.sqlite3") == 3  # committed data only, and a database that opens
    assert not list(tmp_path.glob("*.partial"))


def test_backup_into_a_folder_is_dated_and_old_ones_can_be_pruned(tmp_path: Path) -> None:
    db = tmp_path / "zundabot.sqlite3"
    make_db(db, 1)
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in range(1, 5):
        backup_database(db, backup_target(folder, datetime(2026, 3, day, 4, 0, tzinfo=UTC)))
    assert sorted(p.name for p in folder.iterdir())[0] == "zundabot-20260301-040000.sqlite3"
    removed = prune_backups(folder, keep=2)
    assert [p.name for p in removed] == ["zundabot-20260301-040000.sqlite3", "zundabot-20260302-040000.sqlite3"]
    assert len(list(folder.iterdir())) == 2


def test_backup_errors_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["backup", str(tmp_path / "copy.sqlite3"), "--db", str(tmp_path / "none.sqlite3")]) == 1
    assert "no database at" in capsys.readouterr().err
    db = tmp_path / "zundabot.sqlite3"
    make_db(db, 1)
    assert cli_main(["backup", str(tmp_path / "missing" / "copy.sqlite3"), "--db", str(db)]) == 1
    assert "does not exist" in capsys.readouterr().err


async def test_the_daily_backup_job_copies_and_keeps_the_newest(bot_runner: BotRunner, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in (1, 2):
        (folder / f"zundabot-2020010{day}-043000.sqlite3").write_bytes(b"old")
    bot = await bot_runner.start(backup_dir=folder, backup_keep=2)
    job = bot.scheduler.get_job(BACKUP_JOB)
    assert job is not None
    assert job.next_run_time.astimezone(bot.settings.zone).strftime("%H:%M") == "04:30"
    await job.func()  # what the scheduler runs at 04:30
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 2
    assert names[0] == "zundabot-20200102-043000.sqlite3"  # the oldest went
    async with await Store.open(folder / names[1]) as copy:
        assert await copy.letters.count(1) == 0  # a database that opens
