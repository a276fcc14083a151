"""``zundabot letters export``: letters as JSON, CSV or Markdown, from the store, for the operator."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.cli.common import CommandError, add_db_option, command, db_path
from bot.config import Settings
from bot.letters.export import ExportFormat, export_letters
from bot.letters.model import LISTED, Status
from bot.store.store import Store


def parse_date(value: str) -> str:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use 2026-03-01 or an ISO 8601 time)") from None
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="letters_command", metavar="ACTION", required=True)
    export = sub.add_parser("export", help="write letters to stdout or a file", description="Export letters.")
    add_db_option(export)
    export.add_argument("--format", choices=[f.value for f in ExportFormat], default="json", help="default: json")
    export.add_argument("--status", choices=[s.value for s in LISTED], help="only letters with this status")
    export.add_argument("--guild", type=int, metavar="ID", help="only this server (default: every server)")
    export.add_argument(
        "--since", type=parse_date, metavar="DATE", help="received on or after (date in TIMEZONE, or ISO time)"
    )
    export.add_argument("--output", "-o", type=Path, metavar="FILE", help="write here instead of stdout")


def since_moment(value: str | None, settings: Settings) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=settings.zone)


def write_stdout(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


def write_file(path: Path, data: bytes) -> None:
    """Write the export to ``path``; a path that cannot be written is a :class:`CommandError` naming it."""
    if path.is_dir():
        raise CommandError(f"cannot write letters to {path}: it is a folder, give a file name")
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"cannot write letters to {path}: {exc.strerror or exc}") from None


@command("letters", "Export listener letters (JSON for the script generator, CSV for Excel, Markdown).", configure)
async def letters(args: argparse.Namespace, settings: Settings) -> int:
    path = db_path(args, settings)
    if not await asyncio.to_thread(path.exists):
        raise CommandError(f"no database at {path}: give --db PATH or set DATABASE_PATH")
    fmt = ExportFormat(args.format)
    status = Status(args.status) if args.status else None
    since = since_moment(args.since, settings)
    async with await Store.open(path) as store:
        found = await store.letters.for_export(args.guild, status=status, since=since)
    filters = {"guild_id": args.guild, "status": args.status, "since": since.isoformat() if since else None}
    data = await asyncio.to_thread(
        export_letters, found, fmt, settings.zone, exported_at=datetime.now(UTC), filters=filters
    )
    if args.output:
        await asyncio.to_thread(write_file, args.output, data)
        print(f"{len(found)} letters written to {args.output}", file=sys.stderr)
    else:
        await asyncio.to_thread(write_stdout, data)
    return 0
