"""``zundabot search``: full-text search of the store from the command line."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.common import CommandError, CommandParser, add_db_option, command, db_path, print_json
from bot.config import Settings
from bot.search.model import Filters, InvalidDate
from bot.search.query import parse_query
from bot.search.snippet import snippet
from bot.store.search.functions import mc_token
from bot.store.store import Store

#: Most hits one search prints.
MAX_LIMIT = 1000

EPILOG = """\
The words (one argument, or several joined with spaces) must all match; "a phrase" matches its words in
order (quote it for the shell too); -word excludes. A word starting with "-" must come after "--", or it
is read as an option:
  zundabot search '推論 -モデル'
  zundabot search 推論 -- -モデル
  zundabot search -- -モデル 推論
"""


DASH_HINT = (
    'A word starting with "-" is read as an option: put the query after "--" '
    "(zundabot search 推論 -- -モデル) or quote it whole (zundabot search '推論 -モデル')."
)


def limit(text: str) -> int:
    """The ``--limit`` value: a whole number from 1 to :data:`MAX_LIMIT`."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_LIMIT}, not {text!r}")
    return value


def configure(parser: CommandParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.hint = DASH_HINT
    parser.usage = "%(prog)s [options] [--] QUERY [QUERY ...]"
    parser.add_argument("query", nargs="+", metavar="QUERY", help='words (all must match), "a phrase", -excluded')
    add_db_option(parser)
    parser.add_argument(
        "--limit", type=limit, default=10, metavar="N", help=f"at most N hits, 1 to {MAX_LIMIT} (default 10)"
    )
    parser.add_argument("--mc", help="only episodes with this MC")
    parser.add_argument("--site", help="only topics from this site (zenn.dev)")
    parser.add_argument("--since", metavar="DATE", help="published on or after DATE (YYYY-MM-DD)")
    parser.add_argument("--until", metavar="DATE", help="published on or before DATE (YYYY-MM-DD)")
    parser.add_argument("--json", action="store_true", help="one JSON object per hit, best first")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="first print how the query was read: words, variants, readings, dropped filler, matching layer",
    )


@command("search", "Search the stored episodes and topics.", configure)
async def search(args: argparse.Namespace, settings: Settings) -> int:
    try:
        filters = Filters.from_input(zone=settings.zone, mc=args.mc, site=args.site, since=args.since, until=args.until)
    except InvalidDate as exc:
        raise CommandError(f"{exc.value!r} is not a date (use YYYY-MM-DD)") from None
    if filters.since is not None and filters.until is not None and filters.since > filters.until:
        raise CommandError(f"--since {args.since} is after --until {args.until}: nothing can match; swap them")
    path = db_path(args, settings)
    if not await asyncio.to_thread(path.exists):
        raise CommandError(f"no database at {path}: run `zundabot ingest` first")
    query = parse_query(" ".join(args.query))
    if query.empty and not query.negative:
        raise CommandError(
            f"nothing to search for in {' '.join(args.query)!r}: emoji and symbols are not searched; give a word"
        )
    if query.empty:
        raise CommandError("nothing to search for: give at least one word that is not excluded")
    synonyms = await asyncio.to_thread(settings.synonyms)
    async with await Store.open(path) as store:
        store.search.synonyms = synonyms
        result = await store.search.search(query, filters, limit=args.limit)
        searched = result.searched or query
        if args.explain:
            for line in searched.explain():
                print(line)
            for layer, form, count in await store.search.layer_counts(searched):
                print(f"  {layer:8} {form}: {count} documents")
            matched = (
                "strict (every word)"
                if result.partial_from is None
                else "relaxed (some of the words)"
                if result.partial
                else f"strict (every word), then relaxed (some of the words) from hit {result.partial_from + 1}"
            )
            print(f"matched: {matched}, {len(result.hits)} hits" + (" or more" if result.more else ""))
        mcs = await store.search.mcs() if filters.mc and not result.hits else []
    if mcs and all(mc_token(name) != mc_token(filters.mc or "") for name, _ in mcs):
        known = ", ".join(f"{name} ({count})" for name, count in mcs)
        raise CommandError(f"no MC named {filters.mc!r}; the MCs (episodes) are: {known}")
    for hit in result.hits:
        cut = snippet(hit.text, searched, escape=False)
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
    if not args.json:
        more = f" (the first {args.limit}: more with --limit)" if len(result.hits) == args.limit else ""
        print(f"{len(result.hits)} hit(s){more}")
    return 0
