"""Render every corpus episode: all within Discord's limits, and the time per episode.

    .venv/bin/python -m bench.bench_render [--corpus DIR] [--repeat N]

Baseline, measured in the same run: a naive renderer that builds the same messages but cuts
summaries every 4096 code points, without looking at markdown. The table shows what the
markdown-aware splitter costs, and (in the stress rows, where summaries are made longer than an
embed allows) how many cuts the naive way would make inside a word, link, bold or code span.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.episodes.model import Episode, Topic
from bot.episodes.posts import read_post
from bot.episodes.site import Site
from bot.markdown_split import protected_spans
from bot.render import LIMITS, message_problems, pack_embeds, render_announcement, thread_messages

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path(os.environ.get("ZUNDABOT_CORPUS", ROOT.parent / "shared" / "corpus" / "zundamon-episodes"))


def naive_thread(episode: Episode) -> list[dict[str, object]]:
    """The baseline: summaries cut every 4096 code points, packed the same way."""
    embeds = []
    for index, topic in enumerate(episode.topics, start=1):
        text = topic.summary
        for start in range(0, max(len(text), 1), LIMITS["description"]):
            embeds.append({"title": f"{index}. {topic.title}"[:256], "description": text[start : start + 4096]})
    return [{"embeds": group, "allowed_mentions": {"parse": []}} for group in pack_embeds(embeds)]


def bad_cuts(text: str, size: int) -> int:
    """How many of the naive cuts of ``text`` fall inside a word or a protected span."""
    spans = protected_spans(text)
    count = 0
    for cut in range(size, len(text), size):
        inside_span = any(span.start < cut < span.end for span in spans)
        inside_word = text[cut - 1].isalnum() and text[cut].isalnum() and text[cut].isascii()
        count += inside_span or inside_word
    return count


def timed(func: Callable[[Episode], object], episodes: list[Episode], repeat: int) -> list[float]:
    """Seconds per episode (best of ``repeat`` runs of each)."""
    result = []
    for episode in episodes:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            func(episode)
            best = min(best, time.perf_counter() - start)
        result.append(best)
    return result


def stretched(episode: Episode, factor: int) -> Episode:
    """The episode with every summary repeated ``factor`` times (paragraphs kept)."""
    topics = tuple(Topic(t.title, t.url, "\n\n".join([t.summary] * factor)) for t in episode.topics)
    return dataclasses.replace(episode, topics=topics)


#: One-line summaries (about 15,000 characters) of markup that never closes: each opener scans ahead.
UNMATCHED = {
    "unmatched *": "※注意 *重要 " * 1800,
    "unmatched **": "**" + "長い一行の要約。" * 1900,
    "unmatched [": "[資料 " * 3700 + "[リンク](https://example.com)",
}


def unmatched_episodes(template: Episode) -> list[tuple[str, Episode, Episode]]:
    """(name, hostile episode, the same length of plain text) for each kind of unmatched markup."""
    cases = []
    for name, summary in UNMATCHED.items():
        plain = "あ" * len(summary)
        cases.append(
            (
                name,
                dataclasses.replace(template, topics=(Topic("話題", "https://example.com", summary),)),
                dataclasses.replace(template, topics=(Topic("話題", "https://example.com", plain),)),
            )
        )
    return cases


def row(name: str, values: list[float]) -> str:
    micro = [v * 1e6 for v in values]
    q = statistics.quantiles(micro, n=20) if len(micro) > 1 else micro * 19
    return (
        f"| {name} | {statistics.mean(micro):.0f} | {statistics.median(micro):.0f} | {q[18]:.0f} | {max(micro):.0f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = sorted(args.corpus.glob("*.md"))
    if not files:
        print(f"no corpus at {args.corpus} (set ZUNDABOT_CORPUS)", file=sys.stderr)
        return 2
    site = Site()
    episodes = [read_post(path, site=site) for path in files]

    payloads = [render_announcement(episode, role_id=123456789012345678) for episode in episodes]
    problems = [
        (e.number, p) for e, msgs in zip(episodes, payloads, strict=True) for m in msgs for p in message_problems(m)
    ]
    messages = [len(msgs) for msgs in payloads]
    embeds = sum(len(m.get("embeds", [])) for msgs in payloads for m in msgs)

    ours = timed(lambda e: render_announcement(e, role_id=1), episodes, args.repeat)
    naive = timed(lambda e: naive_thread(e), episodes, args.repeat)
    long_episodes = [stretched(e, 8) for e in episodes if e.topics]
    ours_long = timed(lambda e: thread_messages(e), long_episodes, max(1, args.repeat // 2))
    naive_long = timed(lambda e: naive_thread(e), long_episodes, max(1, args.repeat // 2))
    long_problems = sum(len(message_problems(m)) for e in long_episodes for m in thread_messages(e))
    naive_bad = sum(bad_cuts(t.summary, LIMITS["description"]) for e in long_episodes for t in e.topics)

    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"corpus: {len(episodes)} episodes, {sum(len(e.topics) for e in episodes)} topics")
    print()
    print(f"messages per episode: min {min(messages)}, mean {statistics.mean(messages):.2f}, max {max(messages)}")
    print(f"embeds in total: {embeds}; messages over a Discord limit: {len(problems)}")
    for number, problem in problems[:10]:
        print(f"  episode {number}: {problem}")
    print()
    print("| render (µs per episode) | mean | median | p95 | max |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(row("zundabot, corpus", ours))
    print(row("naive cut, corpus (baseline)", naive))
    print(row("zundabot, summaries ×8", ours_long))
    print(row("naive cut, summaries ×8 (baseline)", naive_long))
    print()
    print(
        f"ratio zundabot / naive: corpus {statistics.mean(ours) / statistics.mean(naive):.2f}×, "
        f"summaries ×8 {statistics.mean(ours_long) / statistics.mean(naive_long):.2f}×"
    )
    print()
    print("| one-line summary of ~15,000 characters | markup (µs) | plain text, same length (µs) | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for name, hostile, plain in unmatched_episodes(episodes[0]):
        [markup_time] = timed(lambda e: thread_messages(e), [hostile], args.repeat)
        [plain_time] = timed(lambda e: thread_messages(e), [plain], args.repeat)
        print(f"| {name} | {markup_time * 1e6:.0f} | {plain_time * 1e6:.0f} | {markup_time / plain_time:.1f}× |")
    print()
    print(
        f"summaries ×8: zundabot messages over a limit: {long_problems}; "
        f"naive cuts inside a word, link, bold or code span: {naive_bad}"
    )
    return 1 if problems or long_problems else 0


if __name__ == "__main__":
    sys.exit(main())
