"""The bot for the search load benchmark, in its own process: ``zundabot run`` plus a 10 ms ticker on its event
loop that appends every lateness over 5 ms to the file named by ``BENCH_STALLS`` (``wall-time ms`` per line), and
every garbage collection over 5 ms to ``BENCH_STALLS`` + ``.gc`` (``wall-time ms generation`` per line).

python -m bench.search_bot      # settings from the environment, as zundabot run
"""

from __future__ import annotations

import asyncio
import gc
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


def watch_collections(path: str) -> None:
    """Log each collection of the garbage collector that takes over 5 ms (they pause every thread, the loop's too)."""
    out = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - open for the process's life
    started: list[float] = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        elif (took := time.perf_counter() - started[0]) > 0.005:
            out.write(f"{time.time():.3f} {took * 1000:.1f} {info['generation']}\n")

    gc.callbacks.append(callback)


async def main() -> int:
    watch_collections(os.environ["BENCH_STALLS"] + ".gc")
    stalls = asyncio.create_task(ticker(os.environ["BENCH_STALLS"]))
    try:
        return await run_bot(load_settings())
    finally:
        stalls.cancel()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
