"""The bot for the letters benchmark, in its own process: ``zundabot run`` with a chosen commit batch size.

python -m bench.letters_bot --max-batch 1     # settings from the environment, as zundabot run
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys

import bot.store.store
from bot.app import run_bot
from bot.config import load_settings
from bot.store.letters import MAX_BATCH, LetterStore


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-batch", type=int, default=MAX_BATCH)
    args = parser.parse_args(argv)
    bot.store.store.LetterStore = functools.partial(LetterStore, max_batch=args.max_batch)  # type: ignore[misc]
    return asyncio.run(run_bot(load_settings()))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
