"""Letters under a burst: 1,000 letters from 200 listeners at once.

    .venv/bin/python -m bench.bench_letters [--letters 1000] [--users 200] [--skip-emulator]

1. Store: the same burst straight into the store, one transaction per letter (the baseline) against
   grouped commits (what the bot uses), both at the store's durability (WAL, synchronous=FULL), on
   the disk under bench/out/. Reports letters/s, commits/s and latency percentiles.
2. Emulator: the real bot (built as ``zundabot run`` builds it) against the local Discord emulator;
   200 listeners each open forms with ``/otayori write`` and all 1,000 forms are submitted at once.
   Reports time to confirmation (p50/p99), how many needed a deferred answer, and checks that every
   letter was stored exactly once with numbers 1..N.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.letters.model import Submission
from bot.letters.ratelimit import RateLimits
from bot.store.letters import MAX_BATCH
from bot.store.store import Store

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
LOOSE = RateLimits(short=1000, short_window=600, daily=1000)


@dataclass
class Row:
    name: str
    letters: int
    seconds: float
    commits: int
    latencies: list[float]
    extra: str = ""

    def cells(self) -> list[str]:
        p50, p99 = percentile(self.latencies, 50), percentile(self.latencies, 99)
        return [
            self.name,
            str(self.letters),
            f"{self.seconds:.2f}",
            f"{self.letters / self.seconds:.0f}",
            str(self.commits) if self.commits else "—",
            f"{self.commits / self.seconds:.0f}" if self.commits else "—",
            f"{p50 * 1000:.0f}",
            f"{p99 * 1000:.0f}",
            self.extra,
        ]


HEADER = ["run", "letters", "seconds", "letters/s", "commits", "commits/s", "p50 ms", "p99 ms", "notes"]


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def table(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = await call()
    return time.perf_counter() - start, result


async def store_burst(name: str, letters: int, users: int, max_batch: int) -> Row:
    folder = OUT / f"store-{max_batch}"
    shutil.rmtree(folder, ignore_errors=True)
    async with await Store.open(folder / "bench.sqlite3") as store:
        store.letters.max_batch = max_batch

        def one(i: int) -> Callable[[], Awaitable[Any]]:
            sub = Submission(1, 1000 + i % users, f"リスナー{i % users}", f"ベンチマークのお便り {i} 番目なのだ")
            return lambda: store.letters.submit(sub, LOOSE)

        start = time.perf_counter()
        results = await asyncio.gather(*(timed(one(i)) for i in range(letters)))
        seconds = time.perf_counter() - start
        numbers = sorted(letter.number for _, letter in results)
        assert numbers == list(range(1, letters + 1)), "numbers are not 1..N exactly once"
        assert await store.letters.count(1) == letters
        return Row(name, letters, seconds, store.letters.commits, [lat for lat, _ in results])


async def emulator_burst(letters: int, users: int, max_batch: int) -> Row:
    """The real bot in its own process (``bench.letters_bot``, i.e. ``zundabot run``) against the emulator."""
    from discord_emulator import DiscordEmulator, EmulatorConfig, RateLimitConfig

    folder = OUT / f"emulator-{max_batch}"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "content").mkdir(parents=True)
    config = EmulatorConfig(heartbeat_interval_ms=5_000, defer_wait=30.0, ratelimits=RateLimitConfig(enabled=False))
    async with DiscordEmulator(config) as emu:
        owner = emu.create_user("owner")
        guild = emu.create_guild(owner=owner)
        channel = guild.create_channel("general")
        listeners = [emu.create_user(f"listener{i}") for i in range(users)]
        for user in listeners:
            guild.add_member(user)
        env = os.environ | {
            "DISCORD_TOKEN": emu.token,
            "DISCORD_API_BASE": emu.api_base,
            "DISCORD_GATEWAY_URL": emu.gateway_url,
            "DATABASE_PATH": str(folder / "bot.sqlite3"),
            "CONTENT_DIR": str(folder / "content"),
            "LETTER_RATE_SHORT": str(letters),
            "LETTER_RATE_DAILY": str(letters),
            "LOG_LEVEL": "WARNING",
        }
        with (folder / "bot.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.letters_bot",
                "--max-batch",
                str(max_batch),
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
            try:
                await emu.wait_until(lambda: emu.commands.list() and emu.gateway.has_session_for(guild.id), 60, "bot")
                per_user = [letters // users + (1 if i < letters % users else 0) for i in range(users)]
                wanted = [user for user, count in zip(listeners, per_user, strict=True) for _ in range(count)]
                opening = asyncio.Semaphore(16)

                async def open_form(user: Any) -> Any:
                    async with opening:
                        opened = await emu.slash(user, channel, "otayori write")
                    assert opened.modal is not None, "the form did not open"
                    return opened.modal

                modals = await asyncio.gather(*(open_form(user) for user in wanted))

                async def submit(index: int) -> tuple[float, Any]:
                    values = {"body": f"ベンチマークのお便り {index} 番目なのだ", "notify": index % 2 == 0}
                    return await timed(lambda: emu.submit_modal(wanted[index], channel, modals[index], values))

                start = time.perf_counter()
                results = await asyncio.gather(*(submit(i) for i in range(len(wanted))))
                seconds = time.perf_counter() - start
            finally:
                process.terminate()
                await process.wait()
        answered = [r for _, r in results if r.messages]
        confirmed = [r for r in answered if "#" in r.messages[-1].content]
        deferred = sum(1 for _, r in results if r.deferred)
        async with await Store.open(folder / "bot.sqlite3") as store:
            stored = await store.letters.find(guild.id, limit=letters * 2)
        numbers = sorted(letter.number for letter in stored)
        assert numbers == list(range(1, len(wanted) + 1)), f"{len(numbers)} stored, not 1..{len(wanted)} once"
        assert len({letter.body for letter in stored}) == len(wanted), "a letter was stored twice"
        kind = "one commit per letter" if max_batch == 1 else f"grouped commits (≤{max_batch})"
        return Row(
            f"bot (own process) via emulator, {kind}: submit → confirmation",
            len(wanted),
            seconds,
            0,
            [lat for lat, _ in results],
            f"{len(confirmed)} confirmed, {deferred} deferred, {len(wanted) - len(answered)} unanswered",
        )


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--skip-emulator", action="store_true")
    args = parser.parse_args(argv)
    print(f"# letters benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.platform()} ({' '.join(platform.uname()[:3])}), {os.cpu_count()} CPUs")
    print(f"python {sys.version.split()[0]}, sqlite WAL synchronous=FULL, database on {OUT}\n")
    rows = [
        await store_burst("store: one commit per letter (baseline)", args.letters, args.users, 1),
        await store_burst(f"store: grouped commits (≤{MAX_BATCH})", args.letters, args.users, MAX_BATCH),
    ]
    if not args.skip_emulator:
        rows.append(await emulator_burst(args.letters, args.users, 1))
        rows.append(await emulator_burst(args.letters, args.users, MAX_BATCH))
    print(table(rows))
    print()
    for base, grouped in zip(rows[0::2], rows[1::2], strict=True):
        speed = grouped.letters / grouped.seconds / (base.letters / base.seconds)
        p99 = percentile(base.latencies, 99) / percentile(grouped.latencies, 99)
        print(f"{grouped.name} vs {base.name}: {speed:.1f}× letters/s, p99 {p99:.1f}× lower")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
