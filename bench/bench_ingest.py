"""Ingestion benchmark: corpus folder and a 6 MB feed rendered from it.

    .venv/bin/python -m bench.bench_ingest [--corpus DIR] [--repeat N] [--sizes 484,2000,5000]

Measures, each against a baseline taken in the same run (these machines are noisy, so read the ratios):
cold ingest of the posts folder (parse + store, then with the search index flush) vs. just reading the
files; an unchanged rescan; a restart over the unchanged folder (the store remembers what was read); feed polls
(304, unchanged body, one new item) vs. a bare HTTP GET and a bare feedparser parse; the worst event-loop
stall seen by a 10 ms ticker during an ingest and a poll; peak memory. Prints a markdown table; then, for
synthetic archives (``bench/synthetic_posts.py``; ``--sizes``), the cold ingest and the index flush with
their worst loop stall and the most CPU one loop callback took (which machine load does not inflate).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any

import aiohttp
import feedparser
from aiohttp import web

from bench.synthetic_posts import write_posts
from bot.episodes import post_worker
from bot.episodes.feed import parse_feed
from bot.episodes.site import Site
from bot.episodes.sources import FeedSource, FolderSource, Validators
from bot.ingest.ingestor import Ingestor
from bot.store.store import Store
from tests.jekyll import render_post, rss_feed

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "zundamon-episodes"
SITE = Site()


class StallMeter:
    """A 10 ms ticker on the event loop; reports the worst lateness while it runs.

    Also the most CPU time one callback of the loop took on the loop's thread (``worst_cpu``): the
    lateness includes the time the process waited for a core on a loaded machine, this does not.
    """

    def __init__(self) -> None:
        self.worst = 0.0
        self.worst_cpu = 0.0
        self._task: asyncio.Task[None] | None = None
        self._run = asyncio.Handle._run

    def _timed_run(self, handle: asyncio.Handle) -> None:
        started = time.thread_time()
        try:
            self._run(handle)
        finally:
            self.worst_cpu = max(self.worst_cpu, time.thread_time() - started)

    async def _tick(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            self.worst = max(self.worst, time.perf_counter() - start - 0.01)

    async def __aenter__(self) -> StallMeter:
        meter = self
        asyncio.Handle._run = lambda handle: meter._timed_run(handle)  # type: ignore[method-assign]
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with suppress(asyncio.CancelledError):
            await self._task
        asyncio.Handle._run = self._run  # type: ignore[method-assign]


async def timed(func: Callable[[], Awaitable[Any]]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds of this process, worst loop stall (s) of one call."""
    async with StallMeter() as meter:
        wall, cpu = time.perf_counter(), time.process_time()
        await func()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, meter.worst


@asynccontextmanager
async def feed_server(body: dict[str, bytes]) -> AsyncIterator[str]:
    """Serves ``body["feed"]`` with an ETag derived from its content; answers 304 when it matches."""

    async def handler(request: web.Request) -> web.Response:
        etag = f'"{hash(body["feed"]) & 0xFFFFFFFF:x}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body["feed"], content_type="application/rss+xml", headers={"ETag": etag})

    app = web.Application()
    app.router.add_get("/feed.xml", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/feed.xml"
    finally:
        await runner.cleanup()


@contextmanager
def in_one_process() -> Iterator[None]:
    """Parse every post in the scan thread, without the helper process of large scans."""
    saved = post_worker.MIN_POSTS
    post_worker.MIN_POSTS = sys.maxsize
    try:
        yield
    finally:
        post_worker.MIN_POSTS = saved


def median(values: list[float]) -> float:
    return statistics.median(values)


async def bench(corpus: Path, repeat: int) -> list[tuple[str, float, str, float, str]]:
    rows: list[tuple[str, float, str, float, str]] = []
    files = sorted(corpus.glob("*.md"))
    work = Path(tempfile.mkdtemp(prefix="zundabot-bench-"))
    try:
        # --- folder: cold ingest vs. reading the bytes --------------------------------------------
        read_times, cold, flushed, restarts, cold_stall = [], [], [], [], 0.0
        for run in range(repeat):
            start = time.perf_counter()
            for path in files:
                path.read_bytes()
            read_times.append(time.perf_counter() - start)
            db = work / f"cold{run}.sqlite3"
            async with await Store.open(db) as store:
                ingestor = Ingestor(store, [FolderSource(corpus, SITE)])
                wall, _, stall = await timed(ingestor.ingest_all)
                flush_wall, _, _ = await timed(store.search.flush)
                cold.append(wall)
                flushed.append(wall + flush_wall)
                cold_stall = max(cold_stall, stall)
                rescans = []
                for _ in range(repeat):
                    rescan_wall, _, _ = await timed(ingestor.ingest_all)
                    rescans.append(rescan_wall)
                # a restart: a new source object over the same store and the unchanged folder
                restart_wall, _, _ = await timed(Ingestor(store, [FolderSource(corpus, SITE)]).ingest_all)
                restarts.append(restart_wall)
        base = median(read_times)
        rows.append((f"cold ingest of {len(files)} posts (parse + store)", median(cold), "< 1 s", base, "read files"))
        rows.append(("cold ingest + search index flush", median(flushed), "< 2 s", base, "read files"))
        rows.append(("rescan, nothing changed", median(rescans), "< 30 ms", base, "read files"))
        rows.append(("restart over the unchanged folder", median(restarts), "nothing parsed", base, "read files"))
        rows.append(("worst loop stall during cold ingest", cold_stall, "< 50 ms", 0.01, "ticker period"))

        # --- feed: a 6 MB RSS rendered from the corpus ----------------------------------------------
        rendered = [render_post(path) for path in files]
        _newest, older = rendered[-1], rendered[:-1]
        body = {"feed": rss_feed(older)}
        size = len(body["feed"])
        async with feed_server(body) as url, aiohttp.ClientSession() as session:
            source = FeedSource(url, SITE, session=session)
            get_cpu = []
            for _ in range(repeat):
                start = time.process_time()
                async with session.get(url) as response:
                    await response.read()
                get_cpu.append(time.process_time() - start)
            parse_times = []
            for _ in range(repeat):
                start = time.perf_counter()
                feedparser.parse(body["feed"])
                parse_times.append(time.perf_counter() - start)

            first = await source.poll(Validators())
            assert first.validators is not None
            known = first.validators
            not_modified_cpu, same_body_cpu, not_modified_wall = [], [], []
            hash_only = Validators(content_hash=known.content_hash)
            for _ in range(repeat):
                wall, cpu, _ = await timed(lambda: source.poll(known))
                not_modified_wall.append(wall)
                not_modified_cpu.append(cpu)
                _, cpu, _ = await timed(lambda: source.poll(hash_only))  # full download, no parse
                same_body_cpu.append(cpu)
            body["feed"] = rss_feed(rendered)  # one new item
            new_wall, _, new_stall = await timed(lambda: source.poll(known))
        rows.append((f"feed poll, 304 Not Modified ({size / 1e6:.1f} MB feed), CPU", median(not_modified_cpu),
                     "< 5 ms CPU", median(get_cpu), "bare GET of the body, CPU"))  # fmt: skip
        rows.append(("feed poll, same body (hash match, no parse), CPU", median(same_body_cpu), "< 5 ms CPU",
                     median(get_cpu), "bare GET of the body, CPU"))  # fmt: skip
        rows.append(("feed poll, one new item (download + parse)", new_wall, "off the loop",
                     median(parse_times), "feedparser.parse alone"))  # fmt: skip
        rows.append(("worst loop stall during that poll", new_stall, "< 50 ms", 0.01, "ticker period"))

        # --- memory ---------------------------------------------------------------------------------
        tracemalloc.start()
        async with await Store.open(work / "mem.sqlite3") as store:
            await Ingestor(store, [FolderSource(corpus, SITE)]).ingest_all()
        _, ingest_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        tracemalloc.start()
        parse_feed(body["feed"], url="bench", site=SITE)
        _, feed_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append(("peak Python memory, cold ingest (MB)", ingest_peak / 1e6, "", 0, ""))
        rows.append(("peak Python memory, parsing the feed (MB)", feed_peak / 1e6, "", 0, ""))
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(("process max RSS (MB)", maxrss, "", 0, ""))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


async def stalls(sizes: list[int]) -> list[tuple[int, float, float, float, float, float, float, float]]:
    """Cold ingest of ``sizes`` synthetic posts, then the index flush: per size the wall time, the worst
    lateness of the 10 ms ticker and the most CPU one loop callback took, for each of the two steps; and
    the cold ingest again into a fresh store with every post parsed in the scan thread (no helper)."""
    out = []
    for size in sizes:
        work = Path(tempfile.mkdtemp(prefix="zundabot-stalls-"))
        try:
            write_posts(work / "posts", size)
            async with await Store.open(work / "db.sqlite3") as store:
                ingestor = Ingestor(store, [FolderSource(work / "posts", SITE)])
                async with StallMeter() as ingest:
                    start = time.perf_counter()
                    await ingestor.ingest_all()
                    ingest_wall = time.perf_counter() - start
                async with StallMeter() as flush:
                    start = time.perf_counter()
                    await store.search.flush()
                    flush_wall = time.perf_counter() - start
            with in_one_process():
                async with await Store.open(work / "single.sqlite3") as store:
                    start = time.perf_counter()
                    await Ingestor(store, [FolderSource(work / "posts", SITE)]).ingest_all()
                    single_wall = time.perf_counter() - start
            out.append(
                (size, ingest_wall, single_wall, ingest.worst, ingest.worst_cpu, flush_wall, flush.worst,
                 flush.worst_cpu)
            )  # fmt: skip
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("ZUNDABOT_CORPUS", DEFAULT_CORPUS)))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--sizes", default="484,2000,5000", help="synthetic archive sizes for the loop-stall table ('' for none)"
    )
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    rows = asyncio.run(bench(args.corpus, args.repeat))
    print("| measurement | value | target | baseline (same run) | ratio |")
    print("| --- | ---: | --- | --- | ---: |")
    for name, value, target, baseline, baseline_name in rows:
        if name.endswith("(MB)"):
            print(f"| {name} | {value:.1f} | {target} | | |")
            continue
        print(
            f"| {name} | {value * 1000:.1f} ms | {target} | {baseline_name}: {baseline * 1000:.1f} ms "
            f"| {value / baseline:.2f}× |"
        )
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    if sizes:
        print()
        print("| synthetic posts | cold ingest (s) | in one process (s) | worst stall (ms) | worst loop callback CPU "
              "(ms) | index flush (s) | worst stall (ms) | worst loop callback CPU (ms) |")  # fmt: skip
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for size, wall, single, stall, cpu, flush, flush_stall, flush_cpu in asyncio.run(stalls(sizes)):
            print(
                f"| {size:,} | {wall:.2f} | {single:.2f} | {stall * 1000:.0f} | {cpu * 1000:.1f} "
                f"| {flush:.2f} | {flush_stall * 1000:.0f} | {flush_cpu * 1000:.1f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
