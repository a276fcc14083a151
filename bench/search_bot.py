"""The bot for the search load benchmark, in its own process: ``zundabot run`` plus a 10 ms ticker on its event
loop that appends every lateness over 5 ms to the file named by ``BENCH_STALLS`` (``wall-time ms`` per line).

python -m bench.search_bot      # settings from the environment, as zundabot run
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from bot.app import run_bot
from bot.config import load_settings

PERIOD = 0.01


async def ticker(path: str) -> None:
    with open(path, "a", buffering=1, encoding="utf-8") as out:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(PERIOD)
            now = time.perf_counter()
            late = now - last - PERIOD
            if late > 0.005:
                out.write(f"{time.time():.3f} {late * 1000:.1f}\n")
            last = now


async def main() -> int:
    stalls = asyncio.create_task(ticker(os.environ["BENCH_STALLS"]))
    try:
        return await run_bot(load_settings())
    finally:
        stalls.cancel()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
