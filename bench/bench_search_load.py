"""/search under load, through the real bot (its own process, as ``zundabot run``) against the Discord emulator.

    .venv/bin/python -m bench.bench_search_load [--corpus DIR] [--burst 200] [--searches 2000] [--parallel 8]

The bot reads the real corpus as its posts folder. Then: a burst of ``--burst`` listeners' ``/search`` at once
(time to the first answer, p50/p99, how many were deferred), and ``--searches`` more at ``--parallel`` at a time,
with every query turned to its second page (the pager searches again), reporting the bot's resident memory
(VmRSS) before, after the burst and after the run. Queries: the half-remembered kinds of
tests/forgiving_queries.py and the exact kinds of tests/search_queries.py, in turn.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.episodes.posts import read_post
from bot.episodes.site import Site
from tests.forgiving_queries import build_forgiving_cases
from tests.search_queries import build_cases

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "zundamon-episodes"


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def main(argv: list[str] | None = None) -> None:
    from discord_emulator import DiscordEmulator, EmulatorConfig, RateLimitConfig

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--searches", type=int, default=2000)
    parser.add_argument("--parallel", type=int, default=8)
    args = parser.parse_args(argv)
    print(
        f"machine: {platform.uname().system} {platform.uname().release} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    corpus = [read_post(path, site=Site()) for path in sorted(args.corpus.glob("*.md"))]
    queries = [case.query for case in (*build_forgiving_cases(corpus), *build_cases(corpus))]
    folder = OUT / "search-load"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    config = EmulatorConfig(heartbeat_interval_ms=5_000, defer_wait=30.0, ratelimits=RateLimitConfig(enabled=False))
    async with DiscordEmulator(config) as emu:
        owner = emu.create_user("owner")
        guild = emu.create_guild(owner=owner)
        channel = guild.create_channel("general")
        listeners = [emu.create_user(f"listener{i}") for i in range(args.burst)]
        for user in listeners:
            guild.add_member(user)
        env = os.environ | {
            "DISCORD_TOKEN": emu.token,
            "DISCORD_API_BASE": emu.api_base,
            "DISCORD_GATEWAY_URL": emu.gateway_url,
            "DATABASE_PATH": str(folder / "bot.sqlite3"),
            "CONTENT_DIR": str(args.corpus),
            "LOG_LEVEL": "WARNING",
        }
        with (folder / "bot.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.letters_bot", env=env, cwd=ROOT, stdout=log, stderr=log
            )
            try:
                await emu.wait_until(lambda: emu.commands.list() and emu.gateway.has_session_for(guild.id), 120, "bot")
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:  # the first poll ingests the corpus, the flush indexes it
                    probe = await emu.slash(owner, channel, "search", query="推論")
                    if probe.embeds:
                        break
                    await asyncio.sleep(1)
                start_rss = rss_mb(process.pid)

                async def one(user: Any, query: str, *, turn: bool) -> tuple[float, bool]:
                    start = time.perf_counter()
                    result = await emu.slash(user, channel, "search", query=query)
                    elapsed = time.perf_counter() - start
                    if turn and result.message is not None:
                        buttons = [c for row in result.message.components for c in row.get("components", [])]
                        forward = [b for b in buttons if (b.get("emoji") or {}).get("name") == "▶️"]
                        if forward and not forward[0].get("disabled"):
                            await emu.click(user, result.message, forward[0]["custom_id"])
                    return elapsed, bool(result.deferred)

                burst = await asyncio.gather(
                    *(one(user, queries[i % len(queries)], turn=False) for i, user in enumerate(listeners))
                )
                burst_rss = rss_mb(process.pid)
                gate = asyncio.Semaphore(args.parallel)

                async def gated(i: int) -> tuple[float, bool]:
                    async with gate:
                        return await one(listeners[i % len(listeners)], queries[i % len(queries)], turn=True)

                start = time.perf_counter()
                steady = await asyncio.gather(*(gated(i) for i in range(args.searches)))
                seconds = time.perf_counter() - start
                end_rss = rss_mb(process.pid)
            finally:
                process.terminate()
                await process.wait()
    print("\n| run | searches | p50 (ms) | p99 (ms) | max (ms) | deferred | over 3 s | bot RSS after (MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, rows, rss in (
        (f"{args.burst} at once", burst, burst_rss),
        (f"{args.searches} at {args.parallel} at a time, each turned to page 2 ({seconds:.0f} s)", steady, end_rss),
    ):
        times = [elapsed for elapsed, _ in rows]
        print(
            f"| {name} | {len(rows)} | {percentile(times, 50) * 1000:.0f} | {percentile(times, 99) * 1000:.0f} | "
            f"{max(times) * 1000:.0f} | {sum(deferred for _, deferred in rows)} | {sum(t > 3 for t in times)} | "
            f"{rss:.0f} |"
        )
    print(f"\nbot RSS once the corpus was indexed: {start_rss:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
