"""Following a topic at scale: matching 10,000 followers' words, and delivering their DMs.

    .venv/bin/python -m bench.bench_follow [--followers 10000] [--words 5] [--dm-followers 300]

Matching: 10,000 followers with 5 words each against a new episode of 8 topics (a real corpus episode
when ``../shared/corpus/zundamon-episodes`` is there, else a synthetic one), two vocabularies:
*realistic* (words drawn from 2,000 terms of the show's topic titles, so many followers share words) and
*all distinct* (50,000 different words: the worst case). Baseline in the same run: the naive loop,
folding every word and every topic for every pair and searching. Also timed: reading the
50,000 follows from SQLite, and the event loop's worst stall while matching runs in its worker thread.

Delivery: the real bot against the emulator (global limit 50/s): ``--dm-followers`` members follow a
word of the episode; the time from the poll to the last DM is compared with the floor (every request
made, answers other than 429, divided by 50 per second). Baseline: the same without the shared pace.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.episodes.model import Topic  # noqa: E402
from bot.episodes.posts import read_post  # noqa: E402
from bot.episodes.site import Site  # noqa: E402
from bot.follow.matching import Matcher, group, normalize_word, topic_text  # noqa: E402
from bot.follow.model import Follow  # noqa: E402
from bot.follow.words import clean_word  # noqa: E402
from bot.store.store import Store  # noqa: E402
from discord_emulator import DiscordEmulator  # noqa: E402
from tests.conftest import CORPUS_DIR  # noqa: E402
from tests.harness import BotRunner  # noqa: E402
from tests.test_announce_e2e import TOPICS, poll_now, settled, write_post  # noqa: E402

GLOBAL_LIMIT = 50
_TERM = re.compile(r"[A-Za-z][A-Za-z0-9.+-]{2,}|[ァ-ヴー]{3,}|[一-龥]{2,4}")


def corpus_topics() -> tuple[list[Topic], list[str]]:
    """An 8-topic episode and the vocabulary of topic-title terms (synthetic when the corpus is absent)."""
    files = sorted(CORPUS_DIR.glob("*.md")) if CORPUS_DIR.is_dir() else []
    episodes = [read_post(path, site=Site()) for path in files]
    terms = sorted({term for e in episodes for t in e.topics for term in _TERM.findall(t.title)})
    latest = [t for e in episodes[-4:] for t in e.topics][-8:]  # the show has 3–4 topics an episode
    if len(latest) == 8 and len(terms) >= 2000:
        return latest, terms
    topics = [Topic(f"話題{i} 画像生成とLLM", f"https://e.com/{i}", "要約の本文なのだ。" * 30) for i in range(8)]
    return topics, [f"語彙{i}" for i in range(5000)]


def follows_of(followers: int, words: int, vocabulary: list[str]) -> list[Follow]:
    rng = random.Random(13)
    result = []
    for user in range(followers):
        for word in rng.sample(vocabulary, words):
            shown, normalized = clean_word(word)
            result.append(Follow(user, 1, shown, normalized))
    return result


def timed(func: object, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def naive(topics: list[Topic], follows: list[Follow]) -> int:
    """Fold every word and every topic for every pair, and search (what a loop over followers would do)."""
    return sum(1 for f in follows for t in topics if normalize_word(f.word) in topic_text(t))


async def stall_while(func: object) -> float:
    """The event loop's worst stall (ms) seen by a 5 ms ticker while ``func`` runs in a worker thread."""
    worst = 0.0
    done = False

    async def tick() -> None:
        nonlocal worst
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            worst = max(worst, (now - last) * 1000 - 5)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.to_thread(func)  # type: ignore[arg-type]
    done = True
    await ticker
    return worst


async def pipeline_time(follows: list[Follow], topics: list[Topic]) -> tuple[float, int]:
    """What the bot does per announcement, from a database holding ``follows``: read the distinct words,
    match them in a worker thread, read the follows of the words that hit, group them per listener."""
    with tempfile.TemporaryDirectory() as workdir:
        async with await Store.open(Path(workdir) / "bench.sqlite3") as store:
            async with store.db.transaction() as conn:
                await conn.executemany(
                    "INSERT OR IGNORE INTO follows (user_id, guild_id, word, normalized, created_at) "
                    "VALUES (?, ?, ?, ?, '2026-01-01T00:00:00+00:00')",
                    [(f.user_id, f.guild_id, f.word, f.normalized) for f in follows],
                )
            times = []
            matched = 0
            for _ in range(5):
                start = time.perf_counter()
                now = datetime.now(UTC)
                words = await store.follows.words(1, now)
                hits = await asyncio.to_thread(lambda w=words: Matcher(topics).hits(w))
                matched = len(group(await store.follows.following(1, now, list(hits)), hits))
                times.append(time.perf_counter() - start)
            return statistics.median(times) * 1000, matched


def matching(followers: int, words: int) -> None:
    topics, terms = corpus_topics()
    shared = random.Random(1).sample(terms, min(2000, len(terms)))
    print(f"### Matching: {followers:,} followers × {words} words, an episode of {len(topics)} topics")
    print()
    print(
        "| vocabulary | match (ms) | naive loop, baseline (ms) | ratio | per announcement with SQLite (ms) | "
        "worst loop stall (ms) | listeners matched |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in ("realistic (2,000 shared terms)", "all distinct"):
        if name == "all distinct":
            rng = random.Random(5)
            follows = [
                Follow(user, 1, *clean_word(f"{rng.choice(terms)}{user}x{i}"))
                for user in range(followers)
                for i in range(words)
            ]
        else:
            follows = follows_of(followers, words, shared)
        ours = timed(lambda f=follows: Matcher(topics).match(f))
        sample = follows[: len(follows) // 20]
        base = timed(lambda f=sample: naive(topics, f), repeat=1) * len(follows) / len(sample)
        stall = asyncio.run(stall_while(lambda f=follows: Matcher(topics).match(f)))
        whole, matched = asyncio.run(pipeline_time(follows, topics))
        print(
            f"| {name} | {ours:.1f} | {base:.0f} | {base / ours:.0f}× faster | {whole:.1f} | {stall:.1f} | "
            f"{matched:,} |"
        )
    print()
    print("The naive baseline is timed on a twentieth of the follows and scaled up.")
    print()


async def deliver(count: int, *, paced: bool) -> dict[str, float]:
    async with DiscordEmulator(heartbeat_interval_ms=5_000) as emu:
        emu.config.ratelimits.global_limit = GLOBAL_LIMIT
        owner = emu.create_user("owner")
        guild = emu.create_guild("リスナー会", owner=owner)
        channel = guild.create_channel("news")
        users = [emu.create_user(f"listener{i}") for i in range(count)]
        for user in users:
            guild.add_member(user)
        with tempfile.TemporaryDirectory() as workdir:
            runner = BotRunner(emu, Path(workdir))
            try:
                bot = await runner.start(announce_channel_ids=[channel.id], log_level="WARNING", timeout=60)
                await settled(emu, bot)
                if not paced:
                    bot.pacer.interval = 0.0
                for user in users:
                    await bot.store.follows.add(user.id, guild.id, "言語モデル", clean_word("言語モデル")[1], "ja")
                write_post(runner.posts, 1, datetime.now(UTC) - timedelta(minutes=1), topics=TOPICS)
                first = len(emu.requests)
                start = time.perf_counter()
                await poll_now(emu, bot, wait=600)
                await emu.wait_until(lambda: all(emu.dms(u) for u in users), 900, "every DM")
                elapsed = time.perf_counter() - start
                window = emu.requests[first:]
                requests = sum(1 for r in window if r.status != 429)
                duplicated = sum(max(len(emu.dms(u)) - 1, 0) for u in users)
                return {
                    "requests": requests,
                    "seconds": elapsed,
                    "floor": requests / GLOBAL_LIMIT,
                    "429": emu.count_429(),
                    "duplicated": duplicated,
                }
            finally:
                await runner.stop()


def delivery(count: int) -> None:
    print(f"### Delivery: {count} followers DMed about one episode (one announcement channel), global limit 50/s")
    print()
    print("| run | requests | floor (s) | time (s) | time / floor | duplicated DMs | 429s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, paced in (("zundabot (shared pace)", True), ("baseline: unpaced", False)):
        r = asyncio.run(deliver(count, paced=paced))
        print(
            f"| {name} | {r['requests']:.0f} | {r['floor']:.1f} | {r['seconds']:.1f} | "
            f"{r['seconds'] / r['floor']:.2f}× | {r['duplicated']:.0f} | {r['429']:.0f} |",
            flush=True,
        )
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=5)
    parser.add_argument("--dm-followers", type=int, default=300)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with contextlib.suppress(AttributeError):
        logging.getLogger("discord").setLevel(logging.ERROR)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print()
    matching(args.followers, args.words)
    if args.dm_followers:
        delivery(args.dm_followers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
