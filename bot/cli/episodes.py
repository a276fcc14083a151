"""``zundabot episodes``: list episodes from post files, folders, feeds or the store."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.common import CommandError, add_db_option, command, db_path, print_json
from bot.config import Settings
from bot.episodes.model import Episode
from bot.episodes.posts import PostError, read_post
from bot.episodes.site import Site
from bot.episodes.sources import POST_SUFFIXES, FeedSource, FolderSource, SourceFailed, Validators
from bot.store.store import Store


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="PATH_OR_URL",
        help="post files, post folders, feed files or feed URLs (default: the store)",
    )
    add_db_option(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def kind_of(location: str) -> str:
    """``feed``, ``folder``, ``post`` or ``missing``."""
    path = Path(location)
    if location.startswith(("http://", "https://")):
        return "feed"
    if path.is_dir():
        return "folder"
    if path.is_file():
        return "post" if location.endswith(POST_SUFFIXES) else "feed"
    return "missing"


async def read_input(location: str, site: Site, settings: Settings) -> tuple[list[Episode], list[str]]:
    """Episodes and problems from one command-line input."""
    path = Path(location)
    kind = await asyncio.to_thread(kind_of, location)
    try:
        if kind == "feed":
            feed = FeedSource(location, site, timeout=settings.feed_timeout, max_bytes=settings.feed_max_bytes)
            poll = await feed.poll(Validators())
            return poll.episodes, [f"{name}: {reason}" for name, reason in poll.failures]
        if kind == "folder":
            poll = await FolderSource(path, site).poll()
            return sorted(poll.episodes, key=lambda e: e.published), [f"{n}: {r}" for n, r in poll.failures]
        if kind == "post":
            return [await asyncio.to_thread(read_post, path, site=site)], []
    except SourceFailed as exc:
        raise CommandError(str(exc)) from exc
    except PostError as exc:
        return [], [str(exc)]
    raise CommandError(f"{location}: no such file, folder or URL")


@command("episodes", "Print episodes read from files, folders, feeds or the store.", configure)
async def episodes(args: argparse.Namespace, settings: Settings) -> int:
    site = settings.make_site()
    found: list[Episode] = []
    problems: list[str] = []
    if args.inputs:
        for location in args.inputs:
            items, issues = await read_input(location, site, settings)
            found.extend(items)
            problems.extend(issues)
    else:
        path = db_path(args, settings)
        if not await asyncio.to_thread(path.exists):
            raise CommandError(f"no database at {path}: run `zundabot ingest` first or give files to read")
        async with await Store.open(path) as store:
            found = await store.episodes.all(scheduled=True)
    for episode in found:
        if args.json:
            print_json(episode.to_dict())
        else:
            local = episode.published.astimezone(site.zone)
            print(f"{episode.number:>6}  {local:%Y-%m-%d %H:%M}  {episode.title}  ({len(episode.topics)} topics)")
    for problem in problems:
        print(f"zundabot: skipped {problem}", file=sys.stderr)
    return 1 if problems else 0
