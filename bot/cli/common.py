"""Argument parsing, settings and error handling shared by every command."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, NoReturn

from bot.config import Settings, SettingsError, load_settings
from bot.store.db import StoreError
from bot.version import VERSION

#: Modules that define commands, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "bot.cli.run",
    "bot.cli.ingest",
    "bot.cli.episodes",
    "bot.cli.preview",
    "bot.cli.letters",
    "bot.cli.backup",
    "bot.cli.search",
    "bot.cli.studio",
    "bot.cli.health",
)


class CommandParser(argparse.ArgumentParser):
    """A command's parser: its usage errors end with the command's ``hint`` (how to write it right)."""

    hint = ""

    def error(self, message: str) -> NoReturn:
        super().error(f"{message}\n{self.hint}" if self.hint else message)


Handler = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]
Configure = Callable[[CommandParser], None]
_COMMANDS: list[tuple[str, str, Configure, Handler]] = []


class CommandError(Exception):
    """Bad input or an unusable resource: printed as ``zundabot: <message>``, exit code 1."""


def command(name: str, help: str, configure: Configure) -> Callable[[Handler], Handler]:
    """Register an async command handler returning its exit code."""

    def register(handler: Handler) -> Handler:
        _COMMANDS.append((name, help, configure, handler))
        return handler

    return register


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, metavar="PATH", help="SQLite database (default: DATABASE_PATH)")


def db_path(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.db) if getattr(args, "db", None) else settings.database_path


def print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def build_parser() -> argparse.ArgumentParser:
    for module in COMMAND_MODULES:
        importlib.import_module(module)
    parser = argparse.ArgumentParser(prog="zundabot", description="Discord bot for a podcast's listeners.")
    parser.add_argument("--version", action="version", version=f"zundabot {VERSION}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=CommandParser)
    for name, help, configure, handler in _COMMANDS:
        child = sub.add_parser(name, help=help, description=help)
        configure(child)
        child.set_defaults(handler=handler, parser=child)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:  # reported by the command's own parser, with its hint
        args.parser.error(f"unrecognized arguments: {' '.join(extras)}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"zundabot: {exc}", file=sys.stderr)
        return 2
    handler: Handler = args.handler
    try:
        return asyncio.run(handler(args, settings))
    except SettingsError as exc:
        print(f"zundabot: {exc}", file=sys.stderr)
        return 2
    except (CommandError, StoreError) as exc:
        print(f"zundabot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
