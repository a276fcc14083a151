"""``zundabot backup PATH``: a consistent copy of the database, safe while the bot runs."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path

from bot.cli.common import CommandError, add_db_option, command, db_path
from bot.config import Settings
from bot.store.backup import BackupError, backup_database, backup_target


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, metavar="PATH", help="backup file, or a folder for a dated file in it")
    add_db_option(parser)


@command("backup", "Back up the database (SQLite's online backup: safe while the bot runs).", configure)
async def backup(args: argparse.Namespace, settings: Settings) -> int:
    source = db_path(args, settings)
    target = backup_target(args.path, datetime.now(settings.zone))
    try:
        await asyncio.to_thread(backup_database, source, target)
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    print(f"backed up {source} to {target}", file=sys.stderr)
    return 0
