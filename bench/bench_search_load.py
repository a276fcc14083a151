"""/search under load, through the real bot (its own process, as ``zundabot run``) against the Discord emulator.

    .venv/bin/python -m bench.bench_search_load [--corpus DIR] [--burst 200] [--searches 10000] [--parallel 8]

The bot reads the real corpus as its posts folder. Then, for each phase: p50/p99 of the time to the whole
answer, how many were deferred, how many missed Discord's 3 s deadline for the first response (the emulator
refuses those with 10062), the worst event-loop stall inside the bot process (a 10 ms ticker,
:mod:`bench.search_bot`), its worst garbage-collector pause, and the CPU time the bot's process and the bench's
(the emulator, its gateway and the simulated clients) used in the phase:

* the baseline: a burst of ``--burst`` listeners' ``/help`` at once (no search: the emulator, the gateway and
  discord.py's own cost), then the same burst of ``/search``;
* ``--searches`` more at ``--parallel`` at a time, every query turned to its second page (the pager searches
  again), with the bot's memory after each tenth.

Memory is read from ``/proc/PID/smaps_rollup``: the resident set, and its anonymous part (the heap: what grows
with work), apart from file-backed pages such as the analyser's memory-mapped dictionary, which the kernel
shares between processes and can drop and re-read. Queries: the half-remembered kinds of
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


def memory_mb(pid: int) -> tuple[float, float]:
    """The process's resident set and its anonymous part, in MB."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            fields[name] = int(value.split()[0]) / 1024
    return fields.get("Rss", float("nan")), fields.get("Anonymous", float("nan"))


def worst_stall(path: Path, start: float, end: float) -> float:
    """The worst event-loop lateness (ms) the bot's ticker logged between two wall times."""
    worst = 0.0
    if path.exists():
        for line in path.read_text().splitlines():
            when, late = (float(part) for part in line.split()[:2])
            if start <= when <= end:
                worst = max(worst, late)
    return worst


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Phase = tuple[str, list[tuple[float, bool, bool]], float, float, float, tuple[float, float], tuple[float, float]]


def print_row(row: Phase) -> None:
    """One phase's line of the table, printed as soon as the phase ends (a cut-off run keeps what it measured)."""
    name, rows, seconds, stall, collection, (rss, anonymous), (bot_cpu, emulator_cpu) = row
    times = [elapsed for elapsed, _, _ in rows]
    print(
        f"| {name} | {len(rows)} | {seconds:.1f} | {percentile(times, 50) * 1000:.0f} | "
        f"{percentile(times, 99) * 1000:.0f} | {max(times) * 1000:.0f} | {sum(d for _, d, _ in rows)} | "
        f"{sum(late for _, _, late in rows)} | {stall:.0f} | {collection:.0f} | {bot_cpu:.2f} | {emulator_cpu:.2f} | "
        f"{rss:.0f} | {anonymous:.0f} |",
        flush=True,
    )


async def main(argv: list[str] | None = None) -> None:
    from discord_emulator import DiscordEmulator, EmulatorConfig, RateLimitConfig

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--searches", type=int, default=10000)
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
    stalls = folder / "stalls.txt"
    phases: list[Phase] = []
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
            "BENCH_STALLS": str(stalls),
        }
        with (folder / "bot.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.search_bot", env=env, cwd=ROOT, stdout=log, stderr=log
            )
            try:
                await emu.wait_until(lambda: emu.commands.list() and emu.gateway.has_session_for(guild.id), 120, "bot")
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:  # the first poll ingests the corpus, the flush indexes it
                    probe = await emu.slash(owner, channel, "search", query="推論")
                    if probe.embeds:
                        break
                    await asyncio.sleep(1)
                start_memory = memory_mb(process.pid)
                print(
                    f"\nbot memory once the corpus was indexed: RSS {start_memory[0]:.0f} MB, "
                    f"anonymous {start_memory[1]:.0f} MB"
                )
                print(
                    "\n| run | commands | seconds | p50 (ms) | p99 (ms) | max (ms) | deferred "
                    "| missed the 3 s deadline | worst loop stall (ms) | worst GC pause (ms) "
                    "| bot CPU (s) | emulator CPU (s) | bot RSS after (MB) | anonymous (MB) |"
                )
                print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|", flush=True)

                async def one(
                    user: Any, query: str, *, turn: bool, command: str = "search"
                ) -> tuple[float, bool, bool]:
                    start = time.perf_counter()
                    options = {"query": query} if command == "search" else {}
                    result = await emu.slash(user, channel, command, **options)
                    elapsed = time.perf_counter() - start
                    if turn and result.message is not None:
                        buttons = [c for row in result.message.components for c in row.get("components", [])]
                        forward = [b for b in buttons if (b.get("emoji") or {}).get("name") == "▶️"]
                        if forward and not forward[0].get("disabled"):
                            await emu.click(user, result.message, forward[0]["custom_id"])
                    return elapsed, bool(result.deferred), 10062 in result.rejected

                async def phase(name: str, calls: Any) -> None:
                    started = time.time()
                    clock = time.perf_counter()
                    cpu = (cpu_seconds(process.pid), cpu_seconds(os.getpid()))
                    rows = await calls
                    seconds = time.perf_counter() - clock
                    used = (cpu_seconds(process.pid) - cpu[0], cpu_seconds(os.getpid()) - cpu[1])
                    await asyncio.sleep(0.2)  # the ticker's last lines
                    ended = time.time()
                    gc_pause = worst_stall(stalls.with_name(stalls.name + ".gc"), started, ended)
                    stall = worst_stall(stalls, started, ended)
                    phases.append((name, rows, seconds, stall, gc_pause, memory_mb(process.pid), used))
                    print_row(phases[-1])

                await phase(
                    f"{args.burst} /help at once (baseline)",
                    asyncio.gather(*(one(user, "", turn=False, command="help") for user in listeners)),
                )
                await phase(
                    f"{args.burst} /search at once",
                    asyncio.gather(
                        *(one(user, queries[i % len(queries)], turn=False) for i, user in enumerate(listeners))
                    ),
                )
                gate = asyncio.Semaphore(args.parallel)

                async def gated(i: int) -> tuple[float, bool, bool]:
                    async with gate:
                        return await one(listeners[i % len(listeners)], queries[i % len(queries)], turn=True)

                tenth = max(1, args.searches // 10)
                for part in range(0, args.searches, tenth):
                    count = min(tenth, args.searches - part)
                    await phase(
                        f"/search {part + 1}–{part + count} at {args.parallel} at a time, each turned to page 2",
                        asyncio.gather(*(gated(part + i) for i in range(count))),
                    )
            finally:
                process.terminate()
                await process.wait()
    baseline, burst = phases[0][1], phases[1][1]
    ratio = percentile([t for t, _, _ in burst], 99) / percentile([t for t, _, _ in baseline], 99)
    print(f"\np99 of the /search burst against the /help burst (same run): {ratio:.2f}×")


if __name__ == "__main__":
    asyncio.run(main())
