"""What validating every request body against Discord's OpenAPI spec costs the emulator, per body.

    .venv/bin/python -m bench.bench_schema [--corpus DIR] [--repeat N]

Bodies: every message the bot creates for every corpus episode (with its nonce), their edits, and the forum
posts. Baseline, measured in the same run: the JSON parse of the same body, which the emulator does for
every request anyway; the emulator's own hand-written rules (``validate_message``) are shown beside it.
The spec is loaded and each route's validator compiled once (printed as a one-time cost). Embeds and action
rows already found valid are remembered, so the spec is timed both for bodies whose parts are new and for
bodies whose parts were seen before (the same announcement sent to another channel, or edited).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.announce.ledger import delivery_nonce, edit_body, with_nonce
from bot.episodes.posts import read_post
from bot.episodes.site import Site
from bot.render import forum_post, render_announcement
from discord_emulator import schema
from discord_emulator.errors import FormErrors
from discord_emulator.validation import validate_message

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path(os.environ.get("ZUNDABOT_CORPUS", ROOT.parent / "shared" / "corpus" / "zundamon-episodes"))
CREATE = ("POST", "/channels/{channel_id}/messages", None)
EDIT = ("PATCH", "/channels/{channel_id}/messages/{message_id}", None)
FORUM = ("POST", "/channels/{channel_id}/threads", "CreateForumThreadRequest")
Body = tuple[tuple[str, str, str | None], dict[str, Any]]


def bodies(folder: Path) -> dict[str, list[Body]]:
    """The bodies the bot sends for every post in ``folder``, by kind."""
    kinds: dict[str, list[Body]] = {"create message": [], "edit message": [], "forum post": []}
    for path in sorted(folder.glob("*.md")):
        episode = read_post(path, site=Site())
        for index, payload in enumerate(render_announcement(episode, role_id=123456789012345678)):
            nonce = delivery_nonce(episode.number, 1, index)
            kinds["create message"].append((CREATE, with_nonce(payload, nonce)))
            kinds["edit message"].append((EDIT, edit_body(payload)))
        kinds["forum post"].append((FORUM, forum_post(episode, applied_tags=[1])))
    return kinds


def per_body(check: Callable[[Body], object], items: list[Body], repeat: int) -> float:
    """Median over bodies of the best of ``repeat`` runs, in microseconds."""
    times = []
    for item in items:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            check(item)
            best = min(best, time.perf_counter() - start)
        times.append(best)
    return statistics.median(times) * 1e6


def parse(item: Body) -> object:
    return json.loads(json.dumps(item[1]))


def rules(item: Body) -> object:
    errors = FormErrors()
    validate_message(item[1].get("message", item[1]), errors)
    return errors


def spec(item: Body) -> object:
    (method, route, variant), body = item
    errors = FormErrors()
    schema.validate_body(method, route, body, errors, variant=variant)
    assert not errors, errors.to_dict()
    return errors


def spec_first_sight(item: Body) -> object:
    """Validation of a body none of whose embeds and rows were seen before."""
    schema.forget_valid_parts()
    return spec(item)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    folder = args.corpus if args.corpus.is_dir() else ROOT / "content" / "episodes"
    kinds = bodies(folder)
    start = time.perf_counter()
    for items in kinds.values():
        spec(items[0])
    cold = (time.perf_counter() - start) * 1e3
    print(f"Machine: {platform.platform()}, Python {platform.python_version()}, posts from {folder.name}")
    print()
    print(
        "| bodies | count | JSON parse (baseline) µs | hand-written rules µs "
        "| spec, parts new µs | spec, parts seen before µs | new / parse | seen / parse |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, items in kinds.items():
        base = per_body(parse, items, args.repeat)
        own = per_body(rules, items, args.repeat)
        first = per_body(spec_first_sight, items, args.repeat)
        seen = per_body(spec, items, args.repeat)
        print(
            f"| {kind} | {len(items)} | {base:.1f} | {own:.1f} | {first:.1f} | {seen:.1f} "
            f"| {first / base:.1f}× | {seen / base:.1f}× |"
        )
    print()
    print(f"One-time cost: loading the spec and compiling the three validators: {cold:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
