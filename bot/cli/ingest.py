"""``zundabot ingest``: fill the store from the posts folder and/or a feed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import CommandError, add_db_option, command, db_path
from bot.config import Settings, feed_location, off
from bot.episodes.sources import Source
from bot.ingest import Ingestor
from bot.store.store import Store


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content-dir", metavar="DIR", help="posts folder, or off (default: CONTENT_DIR)")
    parser.add_argument("--feed", metavar="URL_OR_FILE", help="feed URL or file, or off (default: FEED_URL)")
    add_db_option(parser)


def sources_from(content_dir: Path | None, feed: str | None, settings: Settings) -> list[Source]:
    if content_dir is not None and not content_dir.is_dir():
        problem = "is not a folder" if content_dir.exists() else "does not exist"
        raise CommandError(f"the posts folder {content_dir} {problem} (--content-dir / CONTENT_DIR)")
    sources = settings.make_sources(content_dir, feed, settings.make_site())
    if not sources:
        raise CommandError("nothing to ingest: give --content-dir or --feed (or set CONTENT_DIR / FEED_URL)")
    return sources


def content_dir_option(value: str) -> Path | None:
    """``--content-dir`` as CONTENT_DIR takes it: a folder or ``off``; never empty (that means the current folder)."""
    if not value.strip():
        raise CommandError("--content-dir is empty: give a posts folder, or off")
    folder = off(value)
    return None if folder is None else Path(value)


def feed_option(value: str) -> str | None:
    """``--feed``, checked as FEED_URL is: an http(s) URL, an existing file, or ``off``."""
    if off(value) is None:
        return None
    try:
        return feed_location(value)
    except ValueError as exc:
        raise CommandError(f"--feed: {exc}") from None


@command("ingest", "Read the posts folder and/or the feed into the store and report what changed.", configure)
async def ingest(args: argparse.Namespace, settings: Settings) -> int:
    explicit = args.content_dir is not None or args.feed is not None
    if explicit:
        content_dir = None if args.content_dir is None else content_dir_option(args.content_dir)
        feed = None if args.feed is None else feed_option(args.feed)
    else:
        content_dir, feed = settings.content_dir, settings.feed_url
    sources = sources_from(content_dir, feed, settings)
    status = 0
    async with await Store.open(db_path(args, settings)) as store:
        for report in await Ingestor(store, sources, log_problems=False).ingest_all():  # printed below
            print(f"{report.source}:")
            if report.error:
                print("  new 0, changed 0, unchanged 0, failed 0, withdrawn 0, skipped 0")
                print(f"  not read: {report.error}")
                print(f"zundabot: {report.error}", file=sys.stderr)
                status = 1
                continue
            print(
                f"  new {len(report.new)}, changed {len(report.changed)}, unchanged {report.unchanged}, "
                f"failed {len(report.failures)}, withdrawn {len(report.withdrawn)}, skipped {len(report.unpublished)}"
            )
            for name in report.unpublished:
                print(f"  skipped: {name}: not published (published: false)")
            for name, reason in report.failures:
                print(f"  failed: {name}: {reason}")
                status = 1
        total = await store.episodes.count(scheduled=True)
    print(f"{total} episodes in store", file=sys.stderr)
    return status
