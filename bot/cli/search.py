"""``zundabot search``: full-text search of the store from the command line."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.common import CommandError, add_db_option, command, db_path, print_json
from bot.config import Settings
from bot.search.model import Filters, InvalidDate
from bot.search.query import parse_query
from bot.search.snippet import snippet
from bot.store.store import Store


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", metavar="QUERY", help='words (AND), "a phrase", -excluded')
    add_db_option(parser)
    parser.add_argument("--limit", type=int, default=10, metavar="N", help="at most N hits (default 10)")
    parser.add_argument("--mc", help="only episodes with this MC")
    parser.add_argument("--site", help="only topics from this site (zenn.dev)")
    parser.add_argument("--since", metavar="DATE", help="published on or after DATE (YYYY-MM-DD)")
    parser.add_argument("--until", metavar="DATE", help="published on or before DATE (YYYY-MM-DD)")
    parser.add_argument("--json", action="store_true", help="one JSON object per hit, best first")


@command("search", "Search the stored episodes and topics.", configure)
async def search(args: argparse.Namespace, settings: Settings) -> int:
    if args.limit < 1:
        raise CommandError("--limit must be at least 1")
    try:
        filters = Filters.from_input(zone=settings.zone, mc=args.mc, site=args.site, since=args.since, until=args.until)
    except InvalidDate as exc:
        raise CommandError(f"{exc.value!r} is not a date (use YYYY-MM-DD)") from None
    path = db_path(args, settings)
    if not await asyncio.to_thread(path.exists):
        raise CommandError(f"no database at {path}: run `zundabot ingest` first")
    query = parse_query(args.query)
    if query.empty:
        raise CommandError("nothing to search for: give at least one word that is not excluded")
    async with await Store.open(path) as store:
        result = await store.search.search(query, filters, limit=args.limit)
    for hit in result.hits:
        cut = snippet(hit.text, query, escape=False)
        if args.json:
            print_json(
                {
                    "episode": hit.number,
                    "published": hit.published.isoformat(),
                    "title": hit.title,
                    "url": hit.url,
                    "score": round(-hit.score, 6),
                    "snippet": cut,
                    "kind": "topic" if hit.is_topic else "episode",
                    "position": hit.position,
                    "episode_url": hit.page_url,
                    "site": hit.site,
                }
            )
        else:
            local = hit.published.astimezone(settings.zone)
            print(f"#{hit.number}  {local:%Y-%m-%d}  {hit.title}\n    {hit.url}\n    {cut}")
    if not result.hits:
        print("no results", file=sys.stderr)
        return 1
    return 0
