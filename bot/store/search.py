"""The full-text index over episodes and topics, kept current by SQL triggers, and the lookup queries.

Index
    ``search_fts`` is a contentless FTS5 table (the text lives in ``episodes``/``topics``; the index holds
    only the tokens of :func:`bot.text.index_text`) with columns ``title`` (a topic's title), ``body`` (its
    summary; for an episode document, the episode's title and description — the show's boilerplate title must
    not outrank topic titles), ``site`` and ``meta`` (exact-match filter tokens for MC and site, never ranked).
    Prefix indexes make single-character queries (``猫``) and Latin prefixes of 3 to 6 letters (``claud`` →
    ``claude``) as cheap as whole tokens; CJK tokens are at most 2 characters, so only Latin words pay for
    the longer ones (on the corpus they add 8 % to the index, the 1-character one 44 %).

Document ids
    Every live episode owns a block of rowids, ``docbase`` (see :func:`time_base`): its publication time,
    *inverted*, in the high bits, a slot for episodes published in the same second, and 12 bits for its
    documents — the episode itself at offset 0, topic ``n`` at ``n + 1``. Ascending rowid order is therefore
    newest first: date filters are rowid ranges, "newest first" is FTS5's natural ``ORDER BY rowid`` and
    recency breaks ties in ranking for free. The inversion matters: on SQLite 3.40.1 (fixed in 3.42) FTS5
    silently drops rows from ``ORDER BY rowid DESC`` scans of large multi-token phrase queries, so nothing
    here ever scans an FTS5 table backwards. ``search_episodes`` maps each docbase to its episode key.

Maintenance
    Triggers on ``episodes`` and ``topics`` keep the docbase map current and queue, in ``search_queue``,
    every document to add or remove with the raw values it is indexed from: inserts add, deletes remove (a
    contentless table needs the old tokens, recomputed at removal by the same deterministic functions from
    the queued old values), withdrawing an episode removes its documents and restoring it adds them back.
    :meth:`SearchStore.flush` applies the queue in two set-based statements; every lookup flushes first, so
    the index a query sees always equals the live rows, and the bot also flushes in the background right
    after ingesting. Queueing keeps ingestion fast: FTS5 flushes its in-memory buffer at every statement
    savepoint, so indexing row by row from the triggers themselves made a cold ingest of the corpus three
    times slower. The tokenising functions are Python, registered on every connection through
    :func:`bot.store.db.sql_function`. When :data:`bot.text.TOKENIZER_VERSION` changes,
    :meth:`SearchStore.ensure_current` rebuilds the index.

Ranking
    bm25 with titles weighted far above sites and summaries (:data:`WEIGHTS`, chosen on the corpus recall
    test: a long title holding both words of a two-word query must beat a short one holding one); ties go to
    the newer episode, then to its topics in their order. bm25 first scans every match of every phrase of
    the query to weigh it; for a word all of whose tokens match :data:`COMMON_MATCHES` documents or more,
    that scan costs more than the search (60 ms for エージェント on a 100,000-episode archive) and weighing
    such a word says little anyway, so those queries are ranked by recency instead: title matches first,
    newest first, then the other matches, newest first. Listeners see which (bench/RESULTS.md has the
    numbers).
"""

from __future__ import annotations

import json
import logging
import math
import random
import sqlite3
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock
from bot.episodes.catalogue import EpisodeChoice, date_range, episode_number, one_line
from bot.search.model import Filters, Hit, SearchResult, Stats, TopicRef, day_end, day_start
from bot.search.query import Query, parse_query
from bot.store.db import Database, sql_function
from bot.store.migrations import statements
from bot.store.visibility import visible
from bot.text import TOKENIZER_VERSION, index_text, normalize

log = logging.getLogger(__name__)

POSITION_BITS = 12
SLOT_BITS = 19
TIME_SHIFT = POSITION_BITS + SLOT_BITS
#: Topics at positions beyond this are not indexed (the 12-bit document block is full).
MAX_POSITION = (1 << POSITION_BITS) - 2
_MAX_TS = (1 << 32) - 1
#: The largest rowid SQLite allows.
MAX_ROWID = (1 << 63) - 1

#: A word all of whose tokens match this many documents or more is common: a query with one is ranked by
#: recency, title matches first.
COMMON_MATCHES = 10_000
#: Tokens of a word checked for commonness (a longer word is common when its first ones all are).
PROBED_TOKENS = 6
#: Scores of the recency ranking (lower is better, as with bm25).
TITLE_TIER = -1.0
OTHER_TIER = 0.0
#: Extra hits fetched so that dropping episode documents (see :meth:`SearchStore.search`) still fills a page.
DEDUPE_MARGIN = 10
#: bm25 column weights: title, body, site, meta.
WEIGHTS = (20.0, 1.0, 2.0, 0.0)
VERSION_KEY = "search.tokenizer"


def time_base(published_ts: int) -> int:
    """The first rowid of the block of a document published at ``published_ts`` (clamped to 1970–2106).

    Later times give smaller rowids (see the module docstring).
    """
    return (_MAX_TS - min(max(int(published_ts), 0), _MAX_TS)) << TIME_SHIFT


def mc_token(name: str) -> str:
    """The ``meta`` token of an MC: ``mc`` + hex of the normalised name (exact match, any script)."""
    return "mc" + normalize(name).strip().encode().hex()


def site_token(site: str) -> str:
    return "st" + normalize(site).strip().encode().hex()


@sql_function("zb_search_tokens", 1)
def _sql_tokens(text: object) -> str:
    return index_text(text) if isinstance(text, str) else ""


@sql_function("zb_search_meta", 2)
def _sql_meta(actors: object, site: object) -> str:
    names: list[object] = []
    if isinstance(actors, str):
        try:
            parsed = json.loads(actors)
        except ValueError:
            parsed = []
        names = parsed if isinstance(parsed, list) else []
    parts = [mc_token(name) for name in names if isinstance(name, str) and name.strip()]
    if isinstance(site, str) and site:
        parts.append(site_token(site))
    return " ".join(parts)


@sql_function("zb_search_base", 1)
def _sql_base(published_ts: object) -> int:
    return time_base(published_ts if isinstance(published_ts, int) else 0)


_QUEUE = "INSERT INTO search_queue (doc, remove, title, body, site, actors, topic_site)"


def _queue_episode_doc(row: str, remove: int) -> str:
    """Queue the addition (or removal) of the episode document of episode row ``row``, if it is indexed."""
    return f"""
        {_QUEUE}
        SELECT s.docbase, {remove}, '', {row}.title || char(10) || {row}.description, '', {row}.actors, NULL
        FROM search_episodes s WHERE s.key = {row}.key;"""


def _queue_topic_docs(row: str, remove: int) -> str:
    """Queue the addition (or removal) of the documents of every topic of episode row ``row``."""
    return f"""
        {_QUEUE}
        SELECT s.docbase + 1 + t.position, {remove}, t.title, t.summary, t.site, {row}.actors, t.site
        FROM search_episodes s JOIN topics t ON t.episode_key = s.key
        WHERE s.key = {row}.key AND t.position BETWEEN 0 AND {MAX_POSITION};"""


def _queue_one_topic(row: str, remove: int) -> str:
    """Queue the addition (or removal) of the document of topic row ``row``, if its episode is indexed."""
    return f"""
        {_QUEUE}
        SELECT s.docbase + 1 + {row}.position, {remove}, {row}.title, {row}.summary, {row}.site, e.actors,
            {row}.site
        FROM search_episodes s JOIN episodes e ON e.key = s.key
        WHERE s.key = {row}.episode_key AND {row}.position BETWEEN 0 AND {MAX_POSITION};"""


# The next free slot in the block of the episode's second (docbases of a second are taken in order).
_MAP_EPISODE = f"""
        INSERT INTO search_episodes (docbase, key)
        SELECT coalesce((SELECT max(docbase) FROM search_episodes
                         WHERE docbase >= b AND docbase < b + {1 << TIME_SHIFT}) + {1 << POSITION_BITS}, b), new.key
        FROM (SELECT zb_search_base(new.published_ts) AS b) WHERE new.withdrawn_at IS NULL;"""

#: Shipped as schema version 5 (bot/store/migrations.py): change it only through a new migration.
SCHEMA = f"""
CREATE TABLE search_episodes (
    docbase  INTEGER PRIMARY KEY,
    key      TEXT NOT NULL UNIQUE
);
CREATE TABLE search_queue (
    id          INTEGER PRIMARY KEY,
    doc         INTEGER NOT NULL,
    remove      INTEGER NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    site        TEXT NOT NULL,
    actors      TEXT NOT NULL,
    topic_site  TEXT
);
CREATE INDEX search_queue_by_doc ON search_queue (doc, id);
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body, site, meta,
    content = '', prefix = '1 3 4 5 6', tokenize = "ascii tokenchars '+#'"
);
CREATE TRIGGER search_episode_inserted AFTER INSERT ON episodes BEGIN
    {_MAP_EPISODE}
    {_queue_episode_doc("new", 0)}
    {_queue_topic_docs("new", 0)}
END;
CREATE TRIGGER search_episode_updated
AFTER UPDATE OF key, title, description, actors, published_ts, withdrawn_at ON episodes
WHEN old.key IS NOT new.key OR old.title IS NOT new.title OR old.description IS NOT new.description
    OR old.actors IS NOT new.actors OR old.published_ts IS NOT new.published_ts
    OR old.withdrawn_at IS NOT new.withdrawn_at
BEGIN
    {_queue_episode_doc("old", 1)}
    {_queue_topic_docs("old", 1)}
    DELETE FROM search_episodes WHERE key = old.key;
    {_MAP_EPISODE}
    {_queue_episode_doc("new", 0)}
    {_queue_topic_docs("new", 0)}
END;
CREATE TRIGGER search_episode_deleted BEFORE DELETE ON episodes BEGIN
    {_queue_episode_doc("old", 1)}
    {_queue_topic_docs("old", 1)}
    DELETE FROM search_episodes WHERE key = old.key;
END;
CREATE TRIGGER search_topic_inserted AFTER INSERT ON topics BEGIN
    {_queue_one_topic("new", 0)}
END;
CREATE TRIGGER search_topic_deleted AFTER DELETE ON topics BEGIN
    {_queue_one_topic("old", 1)}
END;
CREATE TRIGGER search_topic_updated AFTER UPDATE OF episode_key, position, title, summary, site ON topics BEGIN
    {_queue_one_topic("old", 1)}
    {_queue_one_topic("new", 0)}
END;
"""

_DOCUMENT_VALUES = (
    "zb_search_tokens(q.title), zb_search_tokens(q.body), zb_search_tokens(q.site), "
    "zb_search_meta(q.actors, q.topic_site)"
)

#: Apply the queue: a document's first queued operation, if a removal, removes what is indexed now (with
#: the values it was added with); its last, if an addition, adds it. Whatever happened in between cancels
#: out. Additions go in ascending rowid order, which FTS5 appends fastest.
FLUSH = [
    f"""
    INSERT INTO search_fts (search_fts, rowid, title, body, site, meta)
    SELECT 'delete', q.doc, {_DOCUMENT_VALUES} FROM search_queue q
    WHERE q.remove AND q.id = (SELECT min(p.id) FROM search_queue p WHERE p.doc = q.doc)
    """,
    f"""
    INSERT INTO search_fts (rowid, title, body, site, meta)
    SELECT q.doc, {_DOCUMENT_VALUES} FROM search_queue q
    WHERE NOT q.remove AND q.id = (SELECT max(p.id) FROM search_queue p WHERE p.doc = q.doc)
    ORDER BY q.doc
    """,
    "DELETE FROM search_queue",
]


async def _register(conn: aiosqlite.Connection) -> None:
    for name, nargs, func in (
        ("zb_search_tokens", 1, _sql_tokens),
        ("zb_search_meta", 2, _sql_meta),
        ("zb_search_base", 1, _sql_base),
    ):
        await conn.create_function(name, nargs, func, deterministic=True)


async def install(conn: aiosqlite.Connection) -> None:
    """Create the index tables and triggers and index the rows already present (the schema migration)."""
    await _register(conn)
    for statement in statements(SCHEMA):
        await conn.execute(statement)
    await rebuild(conn)


async def rebuild(conn: aiosqlite.Connection) -> None:
    """Re-create every document from the live rows (inside the caller's transaction)."""
    await conn.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
    await conn.execute("DELETE FROM search_queue")
    await conn.execute("DELETE FROM search_episodes")
    async with conn.execute(
        "SELECT key, published_ts FROM episodes WHERE withdrawn_at IS NULL ORDER BY published_ts, key"
    ) as cursor:
        rows = await cursor.fetchall()
    mapping: list[tuple[int, str]] = []
    last_base, slot = -1, 0
    for key, published_ts in rows:
        base = time_base(published_ts)
        slot = slot + 1 if base == last_base else 0
        last_base = base
        mapping.append((base + (slot << POSITION_BITS), key))
    await conn.executemany("INSERT INTO search_episodes (docbase, key) VALUES (?, ?)", mapping)
    await conn.execute(
        f"""
        INSERT INTO search_fts (rowid, title, body, site, meta)
        SELECT doc, zb_search_tokens(title), zb_search_tokens(body), zb_search_tokens(site),
            zb_search_meta(actors, topic_site)
        FROM (
            SELECT s.docbase AS doc, '' AS title, e.title || char(10) || e.description AS body, '' AS site,
                e.actors AS actors, NULL AS topic_site
            FROM search_episodes s JOIN episodes e ON e.key = s.key
            UNION ALL
            SELECT s.docbase + 1 + t.position, t.title, t.summary, t.site, e.actors, t.site
            FROM search_episodes s JOIN episodes e ON e.key = s.key JOIN topics t ON t.episode_key = s.key
            WHERE t.position BETWEEN 0 AND {MAX_POSITION}
        )
        ORDER BY doc
        """
    )
    await conn.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (VERSION_KEY, str(TOKENIZER_VERSION)),
    )


#: With a query's exclusions: an episode document (offset 0 in its block) is kept only when none of its topics
#: (the rest of its block) matches an excluded word. Its text (the description) lists the topic titles, so it
#: would otherwise bring back, as a "whole episode" hit, topics the exclusion removed.
_NO_EXCLUDED_TOPIC = f"""
    AND CASE WHEN rowid & {(1 << POSITION_BITS) - 1} THEN 1 ELSE NOT EXISTS (
        SELECT 1 FROM search_fts t WHERE t.search_fts MATCH ?
        AND t.rowid > search_fts.rowid AND t.rowid <= search_fts.rowid + {(1 << POSITION_BITS) - 1}
    ) END"""


def _column(expression: str, columns: str) -> str:
    return f"{{{columns}}} : ({expression})"


def _hits_sql(ranked: str, order: str) -> str:
    """The hits for the documents of query ``ranked`` (columns ``doc``, ``score``), ordered by ``order``."""
    mask = (1 << POSITION_BITS) - 1
    return f"""
        WITH ranked AS ({ranked})
        SELECT ranked.doc, ranked.score, e.key, e.number, e.published, e.page_url, e.title AS episode_title,
            e.description, t.position, t.title AS topic_title, t.url, t.summary, t.site
        FROM ranked
        JOIN search_episodes s ON s.docbase = ranked.doc - (ranked.doc & {mask})
        JOIN episodes e ON e.key = s.key
        LEFT JOIN topics t ON t.episode_key = s.key AND t.position = (ranked.doc & {mask}) - 1
        ORDER BY {order}
        """


class SearchStore:
    """Full-text search and the other lookups (random topic, statistics, choices for autocomplete)."""

    def __init__(self, db: Database, now: Clock) -> None:
        self.db = db
        self.now = now

    def _visible_low(self) -> int:
        """The smallest rowid of a document listeners may see now (published by now; rowids are inverted)."""
        return time_base(math.floor(self.now().timestamp()))

    async def ensure_current(self) -> bool:
        """Rebuild the index if it was built by another tokenizer version; return whether it did."""
        if await self.db.scalar("SELECT value FROM kv WHERE key = ?", (VERSION_KEY,)) == str(TOKENIZER_VERSION):
            return False
        log.info("rebuilding the search index (tokenizer version %d)", TOKENIZER_VERSION)
        async with self.db.transaction() as conn:
            await rebuild(conn)
        return True

    async def rebuild(self) -> None:
        async with self.db.transaction() as conn:
            await rebuild(conn)

    async def pending(self) -> bool:
        """Whether changes wait in the queue (a flush after a large ingest can take seconds)."""
        return await self.db.scalar("SELECT 1 FROM search_queue LIMIT 1") is not None

    async def flush(self) -> None:
        """Bring the index up to date with the changes the triggers queued (see the module docstring)."""
        if not await self.pending():
            return
        async with self.db.transaction() as conn:
            for statement in FLUSH:
                await conn.execute(statement)

    async def document_count(self) -> int:
        """Documents in the index (live episodes plus their topics)."""
        return int(await self.db.scalar("SELECT count(*) FROM search_episodes") or 0) + int(
            await self.db.scalar(
                f"SELECT count(*) FROM topics t JOIN search_episodes s ON s.key = t.episode_key "
                f"WHERE t.position BETWEEN 0 AND {MAX_POSITION}"
            )
            or 0
        )

    # -- search -------------------------------------------------------------------------------------------

    @staticmethod
    def _meta(filters: Filters) -> str | None:
        """The ``meta`` column filter for the MC and site options, or ``None``."""
        meta = []
        if filters.mc:
            meta.append(f'"{mc_token(filters.mc)}"')
        if filters.site:
            meta.append(f'"{site_token(filters.site)}"')
        return _column(" AND ".join(meta), "meta") if meta else None

    @staticmethod
    def _rowid_range(filters: Filters) -> tuple[int, int]:
        """Rowids ``[low, high]`` (inclusive) of documents published in ``[since, until)``; times are inverted.

        Any moment works: a bound outside the indexed span (1970 to 2106, see :func:`time_base`) leaves that
        side open or, past the far end, the range empty; the range never leaves SQLite's 64-bit integers.
        """
        block = 1 << TIME_SHIFT
        low, high = 0, MAX_ROWID
        if filters.until is not None:
            until = math.ceil(filters.until.timestamp())  # the first second excluded
            if until <= _MAX_TS:
                low = time_base(until) + block  # above MAX_ROWID (an empty range) when until <= 1970
        if filters.since is not None:
            since = math.ceil(filters.since.timestamp())  # the first second included
            if since > 0:
                high = time_base(since) + block - 1
        return low, high

    async def search(self, query: Query | str, filters: Filters | None = None, *, limit: int = 100) -> SearchResult:
        """The best ``limit`` hits for ``query`` (a string is parsed with :func:`parse_query`).

        Ranked by relevance (bm25) unless a word of the query is common, then by recency with title matches
        first (see the module docstring). An episode document is dropped when one of its topics is among the
        hits, so the same match is not listed twice, and with exclusions (``-word``) when one of its topics
        holds an excluded word. Never raises for any query text.
        """
        parsed = parse_query(query) if isinstance(query, str) else query
        filters = filters or Filters()
        expression = parsed.fts()
        low, high = self._rowid_range(filters)
        low = max(low, self._visible_low())
        if expression is None or limit <= 0 or low > high:
            return SearchResult()
        await self.flush()
        meta = self._meta(filters)
        full = f"({expression}) AND {meta}" if meta else expression
        excluded = parsed.excluded_fts()
        where = "search_fts MATCH ? AND rowid >= ? AND rowid <= ?" + (_NO_EXCLUDED_TOPIC if excluded else "")
        bounds = (low, high, excluded) if excluded else (low, high)
        wanted = limit + DEDUPE_MARGIN
        by_relevance = await self._words_are_rare(parsed)
        if by_relevance:
            weights = ", ".join(str(weight) for weight in WEIGHTS)
            ranked = (
                f"SELECT rowid AS doc, bm25(search_fts, {weights}) AS score FROM search_fts WHERE {where} "
                "ORDER BY score, doc LIMIT ?"
            )
            rows = await self.db.fetchall(_hits_sql(ranked, "ranked.score, ranked.doc"), (full, *bounds, wanted))
            complete = len(rows) < wanted
        else:
            positives = " AND ".join(f"({term.fts()})" for term in parsed.positive)
            in_titles = await self._newest(f"({_column(positives, 'title')}) AND ({full})", where, bounds, wanted)
            newest = await self._newest(full, where, bounds, wanted + len(in_titles))
            first = set(in_titles)
            order = [[doc, TITLE_TIER] for doc in in_titles]
            order += [[doc, OTHER_TIER] for doc in newest if doc not in first]
            ranked = (
                "SELECT json_extract(j.value, '$[0]') AS doc, json_extract(j.value, '$[1]') AS score, j.key AS ord "
                "FROM json_each(?) j"
            )
            rows = await self.db.fetchall(_hits_sql(ranked, "ranked.ord"), (json.dumps(order[:wanted]),))
            complete = len(newest) < wanted + len(in_titles)
        hits = [self._hit(row) for row in rows]
        with_topics = {hit.episode_key for hit in hits if hit.is_topic}
        kept = tuple(hit for hit in hits if hit.is_topic or hit.episode_key not in with_topics)
        more = not complete or len(kept) > limit
        return SearchResult(kept[:limit], more=more, by_relevance=by_relevance)

    async def _newest(self, expression: str, where: str, bounds: tuple[object, ...], limit: int) -> list[int]:
        """Rowids of the newest ``limit`` documents matching ``expression`` and ``where`` (its ``bounds``)."""
        rows = await self.db.fetchall(
            f"SELECT rowid FROM search_fts WHERE {where} ORDER BY rowid LIMIT ?", (expression, *bounds, limit)
        )
        return [row[0] for row in rows]

    async def _words_are_rare(self, query: Query) -> bool:
        """Whether every word has a token (among its first :data:`PROBED_TOKENS`) matching fewer than
        :data:`COMMON_MATCHES` documents.

        Then bm25 is cheap: it first scans every match of each phrase to weigh it, and a phrase is scanned
        by leaping over the matches of its rarest token. A word whose tokens are all common (エージェント:
        half of a 100,000-episode archive) would cost far more to weigh than to find. One query checks every
        token, each reading at most :data:`COMMON_MATCHES` entries of its list (prefixes through the prefix
        indexes).
        """
        terms = [[token.fts() for token in term.tokens[:PROBED_TOKENS]] for term in (*query.positive, *query.negative)]
        tokens = list(dict.fromkeys(token for term in terms for token in term))
        rows = await self.db.fetchall(
            "SELECT t.value FROM json_each(?) t WHERE (SELECT rowid FROM search_fts WHERE search_fts MATCH t.value "
            "ORDER BY rowid LIMIT 1 OFFSET ?) IS NOT NULL",
            (json.dumps(tokens), COMMON_MATCHES),
        )
        common = {row[0] for row in rows}
        return all(any(token not in common for token in term) for term in terms)

    @staticmethod
    def _hit(row: sqlite3.Row) -> Hit:
        topic = row["position"] is not None
        return Hit(
            episode_key=row["key"],
            number=row["number"],
            published=datetime.fromisoformat(row["published"]),
            page_url=row["page_url"],
            episode_title=row["episode_title"],
            position=row["position"] if topic else None,
            title=row["topic_title"] if topic else row["episode_title"],
            url=row["url"] if topic else row["page_url"],
            text=row["summary"] if topic else row["description"],
            site=row["site"] if topic else "",
            score=float(row["score"]),
        )

    # -- autocomplete ---------------------------------------------------------------------------------------

    async def suggest_titles(self, text: str, limit: int = 25, *, fresh: bool = True) -> list[str]:
        """Topic titles (≤ 100 characters) matching what was typed so far, newest first, no duplicates.

        ``fresh=False`` skips the flush: autocomplete answers at once from the index as it is.
        """
        parsed = parse_query(text)
        expression = parsed.fts() if not parsed.empty else None
        mask = (1 << POSITION_BITS) - 1
        if fresh:
            await self.flush()
        if expression is None:
            rows = await self.db.fetchall(
                "SELECT t.title FROM (SELECT docbase, key FROM search_episodes WHERE docbase >= ? "
                "ORDER BY docbase LIMIT ?) s JOIN topics t ON t.episode_key = s.key "
                "ORDER BY s.docbase, t.position LIMIT ?",
                (self._visible_low(), limit, limit * 2),
            )
        else:
            rows = await self.db.fetchall(
                f"""
                WITH found AS (
                    SELECT rowid AS doc FROM search_fts
                    WHERE search_fts MATCH ? AND rowid >= ? AND (rowid & {mask}) != 0 ORDER BY rowid LIMIT ?
                )
                SELECT t.title FROM found
                JOIN search_episodes s ON s.docbase = found.doc - (found.doc & {mask})
                JOIN topics t ON t.episode_key = s.key AND t.position = (found.doc & {mask}) - 1
                ORDER BY found.doc
                """,
                (_column(expression, "title"), self._visible_low(), limit * 2),
            )
        seen: set[str] = set()
        titles: list[str] = []
        for row in rows:
            label = one_line(row["title"])
            if label and normalize(label) not in seen:
                seen.add(normalize(label))
                titles.append(label)
        return titles[:limit]

    async def suggest_episodes(
        self, text: str, zone: ZoneInfo, limit: int = 25, *, fresh: bool = True
    ) -> list[EpisodeChoice]:
        """Episodes for what was typed: a number prefix, a date (``2025``, ``2025-06``, ``2025-06-30``) or
        words of a topic title; newest first. Labels are ``#389 2025-06-30 タイトル`` (≤ 100 characters).
        ``fresh=False`` skips the flush, as in :meth:`suggest_titles`."""
        value = text.strip()
        number = episode_number(value) if value else None
        dates = date_range(value, zone) if value else None
        rows: Sequence[sqlite3.Row]
        episodes = f"SELECT key, number, published, title, NULL AS topic FROM episodes WHERE {visible(self.now())}"
        if not value:
            rows = await self.db.fetchall(f"{episodes} ORDER BY published_ts DESC LIMIT ?", (limit,))
        elif dates is not None:
            rows = await self.db.fetchall(
                f"{episodes} AND published_ts >= ? AND published_ts < ? ORDER BY published_ts DESC LIMIT ?",
                (int(dates[0].timestamp()), int(dates[1].timestamp()), limit),
            )
        elif number is not None:
            rows = await self.db.fetchall(
                f"{episodes} AND number GLOB ? ORDER BY length(number), published_ts DESC LIMIT ?",
                (number + "*", limit),
            )
        else:
            rows = await self._episodes_by_words(value, limit, fresh=fresh)
        choices: list[EpisodeChoice] = []
        seen: set[str] = set()
        for row in rows:
            if row["key"] in seen:
                continue
            seen.add(row["key"])
            published = datetime.fromisoformat(row["published"])
            choices.append(EpisodeChoice(row["key"], row["number"], row["topic"] or row["title"], published))
        return choices[:limit]

    async def _episodes_by_words(self, text: str, limit: int, *, fresh: bool) -> Sequence[sqlite3.Row]:
        parsed = parse_query(text)
        expression = parsed.fts()
        if expression is None:
            return []
        if fresh:
            await self.flush()
        mask = (1 << POSITION_BITS) - 1
        return await self.db.fetchall(
            f"""
            WITH found AS (
                SELECT rowid AS doc FROM search_fts WHERE search_fts MATCH ? AND rowid >= ? ORDER BY rowid LIMIT ?
            )
            SELECT e.key, e.number, e.published, e.title, t.title AS topic FROM found
            JOIN search_episodes s ON s.docbase = found.doc - (found.doc & {mask})
            JOIN episodes e ON e.key = s.key
            LEFT JOIN topics t ON t.episode_key = s.key AND t.position = (found.doc & {mask}) - 1
            ORDER BY found.doc
            """,
            (_column(expression, "title body"), self._visible_low(), limit * 4),
        )

    async def find_episode_key(self, text: str, zone: ZoneInfo) -> str | None:
        """The episode a user means by ``text``: a number, a date, or the best search hit for the words."""
        value = text.strip()
        if not value:
            return None
        live = visible(self.now())
        number = episode_number(value)
        if number is not None:
            key = await self.db.scalar(
                f"SELECT key FROM episodes WHERE number = ? AND {live} ORDER BY published_ts DESC LIMIT 1", (number,)
            )
            if key is not None:
                return str(key)
        dates = date_range(value, zone)
        if dates is not None:
            key = await self.db.scalar(
                f"SELECT key FROM episodes WHERE {live} AND published_ts >= ? AND published_ts < ? "
                "ORDER BY published_ts DESC LIMIT 1",
                (int(dates[0].timestamp()), int(dates[1].timestamp())),
            )
            return None if key is None else str(key)
        result = await self.search(value, limit=1)
        return result.hits[0].episode_key if result.hits else None

    async def sites(self, text: str = "", limit: int = 25) -> list[tuple[str, int]]:
        """Source sites of live topics containing ``text``, most frequent first."""
        pattern = "%" + normalize(text).strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = await self.db.fetchall(
            "SELECT t.site, count(*) AS n FROM topics t JOIN search_episodes s ON s.key = t.episode_key "
            "WHERE s.docbase >= ? AND t.site != '' AND t.site LIKE ? ESCAPE '\\' "
            "GROUP BY t.site ORDER BY n DESC, t.site LIMIT ?",
            (self._visible_low(), pattern, limit),
        )
        return [(row["site"], row["n"]) for row in rows]

    async def mcs(self) -> list[tuple[str, int]]:
        """MCs of live episodes with their episode counts, most frequent first."""
        rows = await self.db.fetchall(
            "SELECT j.value AS name, count(*) AS n FROM episodes e, json_each(e.actors) j "
            f"WHERE {visible(self.now(), 'e')} AND j.type = 'text' "
            "GROUP BY j.value ORDER BY n DESC, j.value"
        )
        return [(row["name"], row["n"]) for row in rows]

    # -- other lookups --------------------------------------------------------------------------------------

    async def random_topic(self, rng: random.Random | None = None) -> TopicRef | None:
        """A random topic of a live episode (uniform over topic ids, up to gaps), or ``None`` if there is none."""
        highest = await self.db.scalar("SELECT max(id) FROM topics")
        if highest is None:
            return None
        pick = (rng or random.SystemRandom()).randint(1, int(highest))
        sql = (
            "SELECT t.*, e.number, e.published, e.page_url FROM topics t JOIN episodes e ON e.key = t.episode_key "
            f"WHERE {visible(self.now(), 'e')} AND t.id {{op}} ? ORDER BY t.id {{order}} LIMIT 1"
        )
        row = await self.db.fetchone(sql.format(op=">=", order="ASC"), (pick,))
        if row is None:
            row = await self.db.fetchone(sql.format(op="<", order="DESC"), (pick,))
        return None if row is None else self._topic_ref(row)

    async def topics_of(self, episode_key: str) -> list[TopicRef]:
        rows = await self.db.fetchall(
            "SELECT t.*, e.number, e.published, e.page_url FROM topics t JOIN episodes e ON e.key = t.episode_key "
            f"WHERE e.key = ? AND {visible(self.now(), 'e')} ORDER BY t.position",
            (episode_key,),
        )
        return [self._topic_ref(row) for row in rows]

    async def episodes_on(self, day: date, zone: ZoneInfo) -> list[str]:
        """Keys of the live episodes published on ``day`` (local), oldest first; any date works."""
        rows = await self.db.fetchall(
            f"SELECT key FROM episodes WHERE {visible(self.now())} AND published_ts >= ? AND published_ts < ? "
            "ORDER BY published_ts",
            (math.ceil(day_start(day, zone).timestamp()), math.ceil(day_end(day, zone).timestamp())),
        )
        return [row["key"] for row in rows]

    @staticmethod
    def _topic_ref(row: sqlite3.Row) -> TopicRef:
        return TopicRef(
            episode_key=row["episode_key"],
            number=row["number"],
            published=datetime.fromisoformat(row["published"]),
            page_url=row["page_url"],
            position=row["position"],
            title=row["title"],
            url=row["url"],
            summary=row["summary"],
            site=row["site"],
        )

    async def stats(self, zone: ZoneInfo, *, top: int = 5) -> Stats:
        """Counts, top source sites, episodes per MC and the busiest months (in ``zone``)."""
        live = f"FROM episodes WHERE {visible(self.now())}"
        row = await self.db.fetchone(f"SELECT count(*) AS n, min(published_ts) AS a, max(published_ts) AS b {live}")
        episodes = int(row["n"]) if row else 0
        if not episodes or row is None:
            return Stats()
        topics = int(
            await self.db.scalar(
                "SELECT count(*) FROM topics t JOIN episodes e ON e.key = t.episode_key "
                f"WHERE {visible(self.now(), 'e')}"
            )
        )
        sites = await self.db.fetchall(
            "SELECT t.site, count(*) AS n FROM topics t JOIN episodes e ON e.key = t.episode_key "
            f"WHERE {visible(self.now(), 'e')} AND t.site != '' GROUP BY t.site ORDER BY n DESC, t.site LIMIT ?",
            (top,),
        )
        offset = int((datetime.now(zone).utcoffset() or timedelta()).total_seconds())
        months = await self.db.fetchall(
            f"SELECT strftime('%Y-%m', published_ts + ?, 'unixepoch') AS month, count(*) AS n {live} "
            "GROUP BY month ORDER BY n DESC, month DESC LIMIT ?",
            (offset, top),
        )
        return Stats(
            episodes=episodes,
            topics=topics,
            first=datetime.fromtimestamp(row["a"], zone),
            last=datetime.fromtimestamp(row["b"], zone),
            top_sites=tuple((r["site"], r["n"]) for r in sites),
            per_mc=tuple(await self.mcs()),
            busiest_months=tuple((r["month"], r["n"]) for r in months),
        )
