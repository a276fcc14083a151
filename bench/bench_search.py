"""Search benchmark: latency of search and autocomplete, index build time and size, against LIKE scans; the
forgiving search per query kind against exact search, with recall@5.

    .venv/bin/python -m bench.bench_search [--episodes 100000] [--workdir DIR] [--keep]

Datasets: the real corpus (484 posts), and a synthetic archive of ``--episodes`` episodes generated from
corpus text (topic titles from the corpus, summaries of 3–8 corpus sentences), built through the real
ingestion path (``EpisodeStore.upsert_many``, the index kept by its triggers). The query set comes from
tests/search_queries.py (distinctive title words, two kanji, product names, full-width, half-width kana,
two words) plus hard cases (very common words, single characters, a 500-character paste).

The forgiving search (issue 16) is timed per query kind — the exact kinds above and the half-remembered ones of
tests/forgiving_queries.py (hiragana, variant, other script, particle, filler, and names typed as they sound) —
side by side with exact search
(:meth:`bot.search.query.Query.exact`, every term literally, on the same index) in the same run, with
recall@5 of both on the corpus.

Every timing is compared with a plain ``LIKE '%…%'`` scan over the same rows in the same run (topics for
search and title autocomplete, episode numbers and titles for episode autocomplete), and the
bigram design with the alternative it was chosen over: an FTS5 ``trigram`` index over normalised text
with an ``instr`` scan for 1–2-character terms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.episodes.model import Episode, Topic, episode_key
from bot.episodes.posts import read_post
from bot.episodes.site import Site
from bot.search import variants
from bot.search.query import parse_query
from bot.store.search import functions
from bot.store.search.docids import MAX_POSITION, MAX_TS
from bot.store.search.functions import body_text, title_text
from bot.store.search.schema import COMPACT_PREFIX
from bot.store.store import Store
from bot.text import fold_kana, index_text, normalize
from tests.conftest import CORPUS_DIR
from tests.forgiving_queries import READ, SOUNDED, build_forgiving_cases
from tests.search_queries import Case, build_cases

JST = timezone(timedelta(hours=9))
HARD_QUERIES = [
    "AI",
    "モデル",
    "エージェント",
    "推論",
    "画像",
    "LLM",
    "Claude Code",
    "GPT-4o",
    "ＧＰＴ",
    "猫",
    "の",
    "新",
    "-AI 推論",
    '"オープンソース"',
    'NEAR(a b) OR * ( : ^ "',
    "🎉",
]
#: Exclusions with common positive words (each episode document is checked against its topics).
EXCLUSION_QUERIES = [
    "AI -OpenAI",
    "推論 -モデル",
    "LLM -GPT",
    "エージェント -Claude",
    "画像 -生成",
    "モデル -AI",
    "Claude -Code",
    "-AI 推論",
]
BATCH = 500


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summary(values: Sequence[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{percentile(ms, 0.5):8.2f} {percentile(ms, 0.99):8.2f} {max(ms):8.2f}"


async def timed(calls: Sequence[Callable[[], Awaitable[object]]]) -> list[float]:
    """Run every call once to warm up, then time each once more."""
    for call in calls:
        await call()
    times = []
    for call in calls:
        start = time.perf_counter()
        await call()
        times.append(time.perf_counter() - start)
    return times


def read_corpus() -> list[Episode]:
    site = Site()
    return [read_post(path, site=site) for path in sorted(CORPUS_DIR.glob("*.md"))]


def synthesize(corpus: Sequence[Episode], count: int, seed: int = 11) -> Iterator[list[Episode]]:
    """``count`` episodes built from corpus text, two hours apart from 2005 on, in batches."""
    rng = random.Random(seed)
    topics = [topic for episode in corpus for topic in episode.topics]
    sentences = [s for topic in topics for s in re.split(r"(?<=[。．.!?！？])\s*", topic.summary) if s.strip()]
    casts = [episode.actors for episode in corpus if episode.actors]
    start = datetime(2005, 1, 1, 5, 0, tzinfo=JST)
    batch: list[Episode] = []
    for n in range(1, count + 1):
        picked = [rng.choice(topics) for _ in range(rng.choice((3, 4, 4, 5)))]
        made = tuple(
            Topic(
                topic.title,
                f"{topic.url}#s{n}-{i}",
                "".join(rng.choice(sentences) for _ in range(rng.randint(3, 8))),
            )
            for i, topic in enumerate(picked)
        )
        page = f"https://zund-arm-on.com/episode/s{n}"
        batch.append(
            Episode(
                key=episode_key(page),
                number=f"s{n}",
                title=f"株式会社ずんだもん技術室AI放送局 podcast synthetic {n}",
                published=start + timedelta(hours=2 * n),
                page_url=page,
                actors=rng.choice(casts),
                description="、".join(topic.title for topic in made),
                topics=made,
                source=f"synthetic-{n}.md",
            )
        )
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def sizes(path: Path) -> tuple[float, float]:
    """(database MB, search index MB) from dbstat."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    finally:
        conn.close()
    total = sum(size for _, size in rows)
    index = sum(size for name, size in rows if name.startswith("search_"))
    return total / 1e6, index / 1e6


def like_terms(text: str) -> list[str]:
    """The words of a query for the LIKE baseline (as typed, quotes and leading minus removed)."""
    return [w.strip('"-') for w in text.split() if w.strip('"-')][:16] or [text]


def like_search_sql(terms: Sequence[str]) -> str:
    clause = " AND ".join(
        "(t.title LIKE ? ESCAPE '\\' OR t.summary LIKE ? ESCAPE '\\' OR t.site LIKE ? ESCAPE '\\')" for _ in terms
    )
    return (
        "SELECT t.id FROM topics t JOIN episodes e ON e.key = t.episode_key "
        f"WHERE e.withdrawn_at IS NULL AND {clause} LIMIT 100"
    )


def like_pattern(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def build(path: Path, batches: Iterator[list[Episode]]) -> tuple[float, float]:
    """Ingest every batch into a new database at ``path``, indexing what each queued as the bot's background
    flush would: (ingest seconds, index seconds)."""
    ingest = index = 0.0
    async with await Store.open(path) as store:
        for batch in batches:
            start = time.perf_counter()
            await store.episodes.upsert_many(batch)
            middle = time.perf_counter()
            await store.search.flush()
            ingest += middle - start
            index += time.perf_counter() - middle
    return ingest, index


def _found(hits: Sequence[object], case: Case) -> bool:
    return any(
        (hit.episode_key, hit.position if hit.is_topic else -1) == (case.episode_key, case.position)  # type: ignore[attr-defined]
        or (hit.is_topic and normalize(hit.title) == normalize(case.title))  # type: ignore[attr-defined]
        for hit in hits
    )


async def measure_kinds(store: Store, cases: Sequence[Case]) -> dict[str, dict[str, object]]:
    """Per query kind: forgiving and exact search latency (100 hits), and recall@5 of both."""
    kinds: dict[str, dict[str, object]] = {}
    for kind in dict.fromkeys(case.category for case in cases):
        chosen = [case for case in cases if case.category == kind]
        parsed = [parse_query(case.query) for case in chosen]
        forgiving = await timed([lambda q=q: store.search.search(q, limit=100) for q in parsed])  # type: ignore[misc]
        exact = await timed([lambda q=q: store.search.search(q.exact(), limit=100) for q in parsed])  # type: ignore[misc]
        found = exact_found = 0
        for case, query in zip(chosen, parsed, strict=True):
            found += _found((await store.search.search(query, limit=5)).hits, case)
            exact_found += _found((await store.search.search(query.exact(), limit=5)).hits, case)
        kinds[kind] = {
            "forgiving": forgiving,
            "exact": exact,
            "recall": found / len(chosen),
            "exact_recall": exact_found / len(chosen),
        }
    return kinds


async def measure(
    name: str, path: Path, queries: Sequence[str], prefixes: Sequence[str], *, like: int, cases: Sequence[Case] = ()
) -> dict[str, object]:
    """Search and autocomplete latency on the database at ``path`` (LIKE on the first ``like`` queries)."""
    results: dict[str, object] = {"name": name}
    async with await Store.open(path) as store:
        db = store.db
        start = time.perf_counter()
        await store.search.rebuild()
        results["rebuild"] = time.perf_counter() - start
        results["episodes"] = await store.episodes.count()
        results["topics"] = await db.scalar("SELECT count(*) FROM topics")
        results["search"] = await timed([lambda q=q: store.search.search(q, limit=100) for q in queries])  # type: ignore[misc]
        empty = 0
        for query in queries:
            empty += not (await store.search.search(query, limit=1)).hits
        results["search_empty"] = empty
        results["titles"] = await timed([lambda p=p: store.search.suggest_titles(p) for p in prefixes])  # type: ignore[misc]
        zone = Site().zone
        results["episodes_ac"] = await timed(
            [lambda p=p: store.search.suggest_episodes(p, zone) for p in prefixes]  # type: ignore[misc]
        )
        like_calls = []
        like_empty = 0
        for query in queries[:like]:
            terms = like_terms(query)
            params = tuple(like_pattern(term) for term in terms for _ in range(3))
            sql = like_search_sql(terms)
            like_calls.append(lambda sql=sql, params=params: db.fetchall(sql, params))
            like_empty += not await db.fetchall(sql, params)
        results["like_search"] = await timed(like_calls)
        results["like_empty"] = like_empty
        results["like_queries"] = len(like_calls)
        results["like_titles"] = await timed(
            [
                lambda p=p: db.fetchall(  # type: ignore[misc]
                    "SELECT title FROM topics WHERE title LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT 25",
                    (like_pattern(p),),
                )
                for p in prefixes[:like]
            ]
        )
        results["like_episodes"] = await timed(
            [
                lambda p=p: db.fetchall(  # type: ignore[misc]
                    "SELECT key, number, published, title FROM episodes WHERE withdrawn_at IS NULL "
                    "AND (number LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\') ORDER BY published_ts DESC LIMIT 25",
                    (like_pattern(p), like_pattern(p)),
                )
                for p in prefixes[:like]
            ]
        )
        results["kinds"] = await measure_kinds(store, cases)
        results["db_mb"], results["index_mb"] = sizes(path)
        newest = (await store.episodes.latest(1))[0]
        fresh = replace(
            newest,
            key=newest.key + "-bench",
            number=newest.number + "-bench",
            published=newest.published + timedelta(days=1),
        )
        start = time.perf_counter()
        await store.episodes.upsert(fresh)
        middle = time.perf_counter()
        await store.search.flush()
        results["daily"] = (middle - start, time.perf_counter() - middle)
    return results


def tokenising_cost(corpus: Sequence[Episode]) -> list[tuple[str, float, float]]:
    """Seconds to tokenise the corpus's titles and summaries: bigrams only (the exact layer) against bigrams plus
    variant tokens (what the index stores), cold (empty word cache) then warm."""
    variants._cache.clear()
    topics = [topic for episode in corpus for topic in episode.topics]
    rows = []
    for label in ("cold", "warm"):
        start = time.perf_counter()
        for topic in topics:
            index_text(fold_kana(topic.title))
            index_text(fold_kana(topic.summary))
        bigrams = time.perf_counter() - start
        start = time.perf_counter()
        for topic in topics:
            title_text(topic.title)
            body_text(topic.summary)
        rows.append((label, bigrams, time.perf_counter() - start))
    return rows


#: Schema version 5's index, the baseline of :func:`layout_cost`: its prefix indexes and rowid layout (12 position
#: bits and 19 slot bits below the inverted second).
V5_PREFIX = "1 3 4 5 6"
V5_POSITION_BITS, V5_TIME_SHIFT = 12, 31


def _fts_megabytes(path: Path, prefix: str, documents: Sequence[tuple[int, str, str, str, str]]) -> tuple[float, float]:
    """Index ``documents`` (rowid and the four columns' tokens) in a new contentless table at ``path`` with these
    prefix indexes, in rowid order as the flush does: (seconds, index MB from dbstat)."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.execute(
            "CREATE VIRTUAL TABLE f USING fts5(title, body, site, meta, content = '', "
            f"prefix = '{prefix}', tokenize = \"ascii tokenchars '+#'\")"
        )
        start = time.perf_counter()
        conn.executemany("INSERT INTO f (rowid, title, body, site, meta) VALUES (?, ?, ?, ?, ?)", sorted(documents))
        conn.commit()
        seconds = time.perf_counter() - start
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'f_%' GROUP BY name").fetchall()
    finally:
        conn.close()
        path.unlink(missing_ok=True)
    return seconds, sum(size for _, size in rows) / 1e6


def layout_cost(source: Path, target: Path) -> list[tuple[str, float, float]]:
    """The same documents (those of the database at ``source``, tokenised once) indexed as schema version 5 did
    and as the compact index does: (layout, seconds, index MB) for each."""
    conn = sqlite3.connect(source)
    try:
        rows = conn.execute(
            f"""
            SELECT e.published_ts, s.docbase, 0, '', e.title || char(10) || e.description, '', e.actors, NULL
            FROM search_episodes s JOIN episodes e ON e.key = s.key
            UNION ALL
            SELECT e.published_ts, s.docbase, 1 + t.position, t.title, t.summary, t.site, e.actors, t.site
            FROM search_episodes s JOIN episodes e ON e.key = s.key JOIN topics t ON t.episode_key = s.key
            WHERE t.position <= {MAX_POSITION}
            """
        ).fetchall()
    finally:
        conn.close()
    columns = [
        (title_text(title), body_text(body), index_text(site), functions._sql_meta(actors, topic_site))
        for _, _, _, title, body, site, actors, topic_site in rows
    ]
    slots: dict[int, dict[int, int]] = {}
    v5 = []
    for (published_ts, docbase, offset, *_), tokens in zip(rows, columns, strict=True):
        episode_slots = slots.setdefault(published_ts, {})
        slot = episode_slots.setdefault(docbase, len(episode_slots))
        base = ((MAX_TS - published_ts) << V5_TIME_SHIFT) + (slot << V5_POSITION_BITS)
        v5.append((base + offset, *tokens))
    compact = [(docbase + offset, *tokens) for (_, docbase, offset, *_), tokens in zip(rows, columns, strict=True)]
    return [
        ("schema version 5", *_fts_megabytes(target, V5_PREFIX, v5)),
        ("compact (this code)", *_fts_megabytes(target, COMPACT_PREFIX, compact)),
    ]


def trigram_build(source: Path, target: Path) -> tuple[float, float]:
    """The alternative design: normalised text + trigram FTS5; returns (build seconds, index MB)."""
    start = time.perf_counter()
    conn = sqlite3.connect(target)
    conn.create_function("norm", 1, lambda text: normalize(text or ""), deterministic=True)
    conn.execute(f"ATTACH DATABASE '{source}' AS src")
    conn.executescript(
        """
        CREATE TABLE norm (id INTEGER PRIMARY KEY, title TEXT, body TEXT);
        CREATE VIRTUAL TABLE tri USING fts5(title, body, content='norm', content_rowid='id', tokenize='trigram');
        """
    )
    conn.execute(
        "INSERT INTO norm (id, title, body) SELECT t.id, norm(t.title), norm(t.summary || ' ' || t.site) "
        "FROM src.topics t JOIN src.episodes e ON e.key = t.episode_key WHERE e.withdrawn_at IS NULL"
    )
    conn.execute("INSERT INTO tri (tri) VALUES ('rebuild')")
    conn.commit()
    conn.execute("DETACH DATABASE src")
    elapsed = time.perf_counter() - start
    rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    conn.close()
    return elapsed, sum(size for name, size in rows if name.startswith("tri")) / 1e6


def trigram_query(conn: sqlite3.Connection, text: str) -> list[tuple[int]]:
    """AND of the query's words: trigram MATCH for words of 3+ characters, instr() for shorter ones."""
    words = [w for w in normalize(text).split() if w.strip('"-')]
    long = [w.strip('"-') for w in words if len(w.strip('"-')) >= 3]
    short = [w.strip('"-') for w in words if len(w.strip('"-')) < 3]
    filters = " AND ".join("(instr(n.title, ?) OR instr(n.body, ?))" for _ in short)
    params: list[object] = [p for w in short for p in (w, w)]
    if long:
        match = " AND ".join('"' + w.replace('"', '""') + '"' for w in long)
        sql = (
            "SELECT n.id FROM tri JOIN norm n ON n.id = tri.rowid WHERE tri MATCH ?"
            + (f" AND {filters}" if filters else "")
            + " ORDER BY bm25(tri, 20.0, 1.0) LIMIT 100"
        )
        return conn.execute(sql, [match, *params]).fetchall()
    if not short:
        return []
    return conn.execute(f"SELECT n.id FROM norm n WHERE {filters} LIMIT 100", params).fetchall()


def trigram_measure(path: Path, queries: Sequence[str]) -> tuple[list[float], list[float], list[float]]:
    """Latency of the trigram design: all queries, queries with a 1–2-character word, the others."""
    conn = sqlite3.connect(path)
    everything, short, long = [], [], []
    for query in queries:
        trigram_query(conn, query)
    for query in queries:
        start = time.perf_counter()
        trigram_query(conn, query)
        elapsed = time.perf_counter() - start
        everything.append(elapsed)
        has_short = any(len(w.strip('"-')) < 3 for w in normalize(query).split() if w.strip('"-'))
        (short if has_short else long).append(elapsed)
    conn.close()
    return everything, short, long


def report(
    rows: Sequence[dict[str, object]],
    trigram: Sequence[tuple[str, float, float, list[float], list[float], list[float]]],
) -> None:
    print("\n## Build and size\n")
    print(
        "| dataset | episodes | topics | ingest, rows + queue (s) | index the queue (s) | full rebuild (s) "
        "| database (MB) | index (MB) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['name']} | {row['episodes']:,} | {row['topics']:,} | {row['ingest']:.2f} | "
            f"{row['flush']:.2f} | {row['rebuild']:.2f} | {row['db_mb']:.0f} | {row['index_mb']:.0f} |"
        )
    print("\nA new episode on top of each archive (the daily case), ingested then indexed:")
    for row in rows:
        ingest, index = row["daily"]  # type: ignore[misc]
        print(f"- {row['name']}: {ingest * 1000:.1f} ms ingest + {index * 1000:.1f} ms index")
    print("\n## Latency (ms): p50 / p99 / max, each side by side with a LIKE '%…%' scan over the same rows\n")
    print("| dataset | operation | queries | FTS5 bigram p50 | p99 | max | LIKE p50 | p99 | max | p99 ratio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        for label, ours, theirs in (
            ("search (100 hits)", "search", "like_search"),
            ("autocomplete: titles", "titles", "like_titles"),
            ("autocomplete: episodes", "episodes_ac", "like_episodes"),
        ):
            mine = row[ours]
            base = row[theirs]
            assert isinstance(mine, list)
            assert isinstance(base, list)
            ratio = percentile(base, 0.99) / max(percentile(mine, 0.99), 1e-9)
            shown = f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.1f}×"  # below 1: LIKE was faster
            print(
                f"| {row['name']} | {label} | {len(mine)} / {len(base)} | "
                + " | ".join(summary(mine).split())
                + " | "
                + " | ".join(summary(base).split())
                + f" | {shown} |"
            )
    print("\n## Forgiving search per query kind (ms, 100 hits): p50 / p99, against exact search in the same run\n")
    print(
        "| dataset | kind | queries | forgiving p50 | p99 | exact p50 | p99 | p99 ratio | recall@5 exact → forgiving |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        kinds = row["kinds"]
        assert isinstance(kinds, dict)
        for kind, values in kinds.items():
            mine, base = values["forgiving"], values["exact"]
            ratio = percentile(mine, 0.99) / max(percentile(base, 0.99), 1e-9)
            measured = row["name"] == "corpus" and kind not in UNTARGETED
            recall = f"{values['exact_recall']:.3f} → {values['recall']:.3f}" if measured else "–"
            print(
                f"| {row['name']} | {kind} | {len(mine)} | {percentile(mine, 0.5) * 1000:.2f} | "
                f"{percentile(mine, 0.99) * 1000:.2f} | {percentile(base, 0.5) * 1000:.2f} | "
                f"{percentile(base, 0.99) * 1000:.2f} | {ratio:.2f}× | {recall} |"
            )
    print("\n## Queries with no hits\n")
    for row in rows:
        print(
            f"- {row['name']}: FTS5 {row['search_empty']} of {len(row['search'])}; "  # type: ignore[arg-type]
            f"LIKE {row['like_empty']} of {row['like_queries']}"
        )
    if trigram:
        print("\n## The alternative: trigram FTS5 + instr() scan for 1–2-character words (ms)\n")
        print(
            "| dataset | trigram build (s) | trigram index (MB) | all p50 / p99 "
            "| with a short word p50 / p99 | others p50 / p99 |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for name, seconds, megabytes, everything, short, long in trigram:

            def pair(values: list[float]) -> str:
                return (
                    f"{percentile(values, 0.5) * 1000:.2f} / {percentile(values, 0.99) * 1000:.2f}" if values else "–"
                )

            print(f"| {name} | {seconds:.1f} | {megabytes:.0f} | {pair(everything)} | {pair(short)} | {pair(long)} |")


#: Query kinds timed without a topic to find (their recall is measured by the test suite, if at all).
UNTARGETED = ("hard", "exclusion", "by sound", "by reading")


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--episodes", type=int, nargs="*", default=[10_000, 100_000], help="synthetic archive sizes (none: corpus only)"
    )
    parser.add_argument("--trigram-max", type=int, default=10_000, help="build the trigram alternative up to this size")
    parser.add_argument("--like-queries", type=int, default=60, help="LIKE baseline queries on the synthetic archive")
    parser.add_argument("--workdir", type=Path, help="where the databases go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the databases in --workdir")
    args = parser.parse_args(argv)

    print(
        f"machine: {platform.uname().system} {platform.uname().release} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    corpus = read_corpus()
    if not corpus:
        parser.error(f"no posts in the corpus folder {CORPUS_DIR} (set ZUNDABOT_CORPUS)")
    cases = build_cases(corpus, per_category=40)
    kind_cases = [*cases, *build_forgiving_cases(corpus)]
    kind_cases += [Case("hard", query, "", -2, "") for query in HARD_QUERIES]
    kind_cases += [Case("exclusion", query, "", -2, "") for query in EXCLUSION_QUERIES]
    kind_cases += [Case("by sound", query, "", -2, "") for query, _ in SOUNDED]
    kind_cases += [Case("by reading", query, "", -2, "") for query, _ in READ]
    queries = [case.query for case in cases] + HARD_QUERIES + ["推論モデルの" * 84]
    sample = queries[:: max(1, len(queries) // 120)]
    prefixes = ["", *sorted({q[:n] for q in sample for n in (1, 2, 4) if q[:n].strip()})]
    print(f"{len(queries)} queries, {len(prefixes)} autocomplete inputs")
    print("\n## Tokenising the corpus (s): bigrams only against bigrams + variant tokens\n")
    print("| word cache | bigrams | bigrams + variants | ratio |")
    print("|---|---:|---:|---:|")
    for label, bigrams, both in tokenising_cost(corpus):
        print(f"| {label} | {bigrams:.2f} | {both:.2f} | {both / bigrams:.2f}× |")

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="zb-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    trigram = []
    layouts: list[tuple[str, list[tuple[str, float, float]]]] = []
    datasets: list[tuple[str, Path, Callable[[], Iterator[list[Episode]]]]] = [
        ("corpus", workdir / "corpus.sqlite3", lambda: iter([corpus])),
    ]
    for size in args.episodes:
        datasets.append(
            (f"synthetic {size:,}", workdir / f"synthetic-{size}.sqlite3", lambda size=size: synthesize(corpus, size))
        )
    try:
        for name, path, batches in datasets:
            if path.exists() and args.keep:
                ingest, flush = float("nan"), float("nan")
            else:
                for leftover in path.parent.glob(path.name + "*"):
                    leftover.unlink()
                ingest, flush = await build(path, batches())
            print(f"{name}: ingested in {ingest:.1f}s, indexed in {flush:.1f}s", flush=True)
            like = len(queries) if name == "corpus" else args.like_queries
            row = await measure(name, path, queries, prefixes, like=like, cases=kind_cases)
            row["ingest"] = ingest
            row["flush"] = flush
            rows.append(row)
            if int(row["episodes"]) <= args.trigram_max:  # type: ignore[call-overload]
                layouts.append((name, layout_cost(path, workdir / "layout.sqlite3")))
                tri_path = workdir / f"trigram-{path.name}"
                tri_path.unlink(missing_ok=True)
                seconds, megabytes = trigram_build(path, tri_path)
                trigram.append((name, seconds, megabytes, *trigram_measure(tri_path, queries)))
                tri_path.unlink()
            print(f"{name}: measured", flush=True)
        report(rows, trigram)
        print("\n## Index layouts: the same documents, schema version 5's index against the compact one\n")
        print("| dataset | layout | index MB | ratio | insert s | ratio |")
        print("|---|---|---:|---:|---:|---:|")
        for name, costs in layouts:
            (_, base_seconds, base_mb) = costs[0]
            for label, seconds, megabytes in costs:
                print(
                    f"| {name} | {label} | {megabytes:.2f} | {megabytes / base_mb:.2f}× | {seconds:.2f} | "
                    f"{seconds / base_seconds:.2f}× |"
                )
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
