"""``zundabot ingest``: fill the store from the posts folder and/or a feed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import CommandError, add_db_option, command, db_path
from bot.config import Settings
from bot.episodes.sources import FeedSource, FolderSource, Source
from bot.ingest import Ingestor
from bot.store.store import Store


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content-dir", type=Path, metavar="DIR", help="posts folder (default: CONTENT_DIR)")
    parser.add_argument("--feed", metavar="URL_OR_FILE", help="feed URL or file (default: FEED_URL)")
    add_db_option(parser)


def sources_from(content_dir: Path | None, feed: str | None, settings: Settings) -> list[Source]:
    site = settings.make_site()
    sources: list[Source] = []
    if content_dir is not None:
        if not content_dir.is_dir():
            raise CommandError(f"content folder {content_dir} does not exist or is not a folder")
        sources.append(FolderSource(content_dir, site))
    if feed:
        sources.append(FeedSource(feed, site, timeout=settings.feed_timeout, max_bytes=settings.feed_max_bytes))
    if not sources:
        raise CommandError("nothing to ingest: give --content-dir or --feed (or set CONTENT_DIR / FEED_URL)")
    return sources


@command("ingest", "Read the posts folder and/or the feed into the store and report what changed.", configure)
async def ingest(args: argparse.Namespace, settings: Settings) -> int:
    explicit = args.content_dir is not None or args.feed is not None
    content_dir = args.content_dir if explicit else settings.content_dir
    feed = args.feed if explicit else settings.feed_url
    sources = sources_from(content_dir, feed, settings)
    status = 0
    async with await Store.open(db_path(args, settings)) as store:
        for report in await Ingestor(store, sources, log_problems=False).ingest_all():  # printed below
            print(f"{report.source}:")
            if report.error:
                print(f"zundabot: {report.error}", file=sys.stderr)
                status = 1
                continue
            print(
                f"  new {len(report.new)}, changed {len(report.changed)}, unchanged {report.unchanged}, "
                f"failed {len(report.failures)}, withdrawn {len(report.withdrawn)}"
            )
            for name, reason in report.failures:
                print(f"  failed: {name}: {reason}")
                status = 1
        total = await store.episodes.count()
    print(f"{total} episodes in store", file=sys.stderr)
    return status
