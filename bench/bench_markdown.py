"""Read every corpus post body into the block tree: what the project's layer costs over markdown-it-py.

    .venv/bin/python -m bench.bench_markdown [--corpus DIR] [--repeat N]

Baselines, measured in the same run: reading the files, and markdown-it-py parsing the bodies with the
site's options (block and inline tokens, the library alone). The project's reader parses the block
tokens (with only the block rules a body's marks allow, against every rule in the same run), runs the
inline parser only on text holding markup, and builds the tree; topic extraction and the canonical text
follow. Prints a markdown table (median of N runs, CPU time of this process).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from bot.episodes import mdparse
from bot.episodes.blocks import render
from bot.episodes.mdparse import parse_blocks
from bot.episodes.topics import extract_topics

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path(os.environ.get("ZUNDABOT_CORPUS", ROOT.parent / "shared" / "corpus" / "zundamon-episodes"))
SITE_RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
BLOCKS = mdparse._block_reader()


def cpu_median(action: Callable[[], object], repeat: int) -> float:
    """Median CPU seconds of ``action`` over ``repeat`` runs (after one warm-up)."""
    action()
    times = []
    for _ in range(repeat):
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    paths = sorted(args.corpus.glob("*.md"))
    if not paths:
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 1
    bodies = [path.read_text(encoding="utf-8").split("---\n", 2)[2] for path in paths]
    size = sum(len(body.encode()) for body in bodies)
    rows = [
        ("read the files", cpu_median(lambda: [path.read_bytes() for path in paths], args.repeat)),
        (
            "markdown-it-py parse, block + inline (baseline)",
            cpu_median(lambda: [SITE_RENDERER.parse(b) for b in bodies], args.repeat),
        ),
        (
            "block tokens, every rule of the site's reader",
            cpu_median(lambda: [BLOCKS.parse(body, {}) for body in bodies], args.repeat),
        ),
        (
            "block tokens, the rules each body may need",
            cpu_median(lambda: [mdparse._reader_for(body).parse(body, {}) for body in bodies], args.repeat),
        ),
        ("parse_blocks (block tree)", cpu_median(lambda: [parse_blocks(body) for body in bodies], args.repeat)),
        (
            "parse_blocks + extract_topics",
            cpu_median(lambda: [extract_topics(parse_blocks(b)) for b in bodies], args.repeat),
        ),
        (
            "parse_blocks + canonical text",
            cpu_median(lambda: [render(parse_blocks(body)) for body in bodies], args.repeat),
        ),
    ]
    baseline = rows[1][1]
    print(
        f"{len(paths)} post bodies, {size / 1e6:.1f} MB; {platform.python_implementation()} {platform.python_version()}"
    )
    print()
    print("| step (all bodies) | CPU ms | ratio to markdown-it-py alone |")
    print("| --- | ---: | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1000:.1f} | {seconds / baseline:.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
