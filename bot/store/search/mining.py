"""Names mined from the text the index holds: the pairs, sounds and readings tables (see :mod:`bot.store.search`).

The texts are read in batches, a large batch mined by a helper process, and a batch's rows are deduplicated
before they are written, because a kanji word's reading or a name's sound recurs in hundreds of documents (the
2,246 documents of the show's 484 posts give 164,000 readings, 14,000 of them distinct). Stale rows (of text
since changed) are harmless: a name no document holds matches nothing; a rebuild drops them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import aiosqlite

from bot.search import names, readings, sounds
from bot.search.variants import key
from bot.store.search.schema import set_kv
from bot.two_cores import helps, share

#: Texts read and mined per batch.
BATCH = 10_000
#: Texts mined per job, and the fewest texts shared with a helper process (it takes about 0.15 s to start, the
#: time of mining 450 texts).
GROUP = 25
MIN_SHARED = 1000

Row = tuple[str, str]


def _pairs(text: str) -> Iterable[Row]:
    """The names ``text`` writes in both scripts, as (key, other name), both ways round."""
    return ((key(a), b) for latin, kana in names.mine_pairs(text) for a, b in ((latin, kana), (kana, latin)))


@dataclass(frozen=True, slots=True)
class Mined:
    """A table of mined names: its key and name columns, what mines a text's rows, and the version of the rules
    that do (a table mined by other rules is mined again at the start, :meth:`.index.SearchIndex.ensure_current`;
    the version it was mined by is kept in ``kv``, :func:`mined_key`)."""

    table: str
    key: str
    name: str
    rows: Callable[[str], Iterable[Row]]
    version: int


_MINED = {
    mined.table: mined
    for mined in (
        Mined("search_pairs", "name_key", "other", _pairs, names.RULES_VERSION),
        Mined("search_sounds", "sound", "name", sounds.names_in, sounds.RULES_VERSION),
        Mined("search_readings", "reading", "word", readings.readings_in, readings.RULES_VERSION),
    )
}

#: The tables of names mined from the archive's text.
MINED_TABLES = tuple(_MINED)

#: The version of the rules that mine each table.
MINED_VERSIONS = {table: mined.version for table, mined in _MINED.items()}


def mined_key(table: str) -> str:
    """Where the version of the rules that mined ``table`` is kept (``kv`` table)."""
    return f"search.mined.{table}"


def mined_rows(texts: list[str], tables: tuple[str, ...]) -> list[str]:
    """For each of ``tables``, the distinct rows mined from ``texts``, in key order, as a JSON list of pairs: one
    string, so that a large flush leaves no rows as Python objects for the garbage collector to walk (its full
    collections would stall the event loop)."""
    return [
        json.dumps(sorted({row for text in texts for row in _MINED[table].rows(text)}), ensure_ascii=False)
        for table in tables
    ]


def _by_helper(texts: str, tables: tuple[str, ...]) -> list[str]:
    """:func:`mined_rows` of the JSON list ``texts`` by a helper process, group by group (:mod:`bot.two_cores`);
    for each table, the groups' rows as one JSON list (distinct within each group)."""
    listed: list[str] = json.loads(texts)
    groups = [listed[start : start + GROUP] for start in range(0, len(listed), GROUP)]
    found = share(groups, mined_rows, tables, min_jobs=1, what="mining names", here=False)
    return [_joined([rows[n] for rows in found]) for n in range(len(tables))]


def _joined(lists: list[str]) -> str:
    """JSON lists (as text) joined into one, without parsing them."""
    return "[" + ",".join(listed[1:-1] for listed in lists if listed != "[]") + "]"


async def mine(conn: aiosqlite.Connection, selects: tuple[str, ...], tables: tuple[str, ...] = MINED_TABLES) -> None:
    """Insert into ``tables`` what is mined from the texts ``selects`` give, in batches of :data:`BATCH` texts,
    inside the caller's transaction. A batch of :data:`MIN_SHARED` texts or more is mined by a helper process
    (the caller may index meanwhile); a smaller one in the database's thread (``zb_search_mined``), whose
    analyser is already there: another thread's would be one more copy of its buffers, kept for good.

    Each select gives ``id`` and ``text`` columns, ordered by id, from the id after its first parameter, at most
    its second.
    """
    pages: list[str] = []  # JSON lists of texts
    count = 0
    for select in selects:
        after, more = -1, True
        while more:  # a short page is the last: no trip to ask (the flush's texts are mined while it indexes)
            [(last, found, page)] = await conn.execute_fetchall(
                f"SELECT max(id), count(*), json_group_array(text) FROM ({select})", (after, BATCH)
            )
            if found:
                pages.append(page)
                count += found
                after = last
            more = found == BATCH
            if count >= BATCH:
                await _write(conn, pages, count, tables)
                pages, count = [], 0
    if count:
        await _write(conn, pages, count, tables)


async def _write(conn: aiosqlite.Connection, pages: list[str], count: int, tables: tuple[str, ...]) -> None:
    texts = _joined(pages)
    found = await asyncio.to_thread(_by_helper, texts, tables) if helps(count, MIN_SHARED) else [None] * len(tables)
    for table, rows in zip(tables, found, strict=True):
        mined = _MINED[table]
        source = "json_each(?)" if rows is not None else "json_each(zb_search_mined(?, ?))"
        await conn.execute(
            f"INSERT OR IGNORE INTO {table} ({mined.key}, {mined.name}) SELECT value ->> 0, value ->> 1 "
            f"FROM {source} ORDER BY 1, 2",
            (rows,) if rows is not None else (texts, table),
        )


#: The texts of the additions the flush applies (:data:`.schema.FLUSH`).
QUEUED = (
    "SELECT id, title || char(10) || body AS text FROM search_queue WHERE NOT remove AND id > ? ORDER BY id LIMIT ?",
)

#: The texts of every document the index holds, as the flush mines them (an episode's title and description, a
#: topic's title and summary): the episodes not withdrawn and their topics, read from ``episodes`` because a
#: rebuild maps the index's episodes again meanwhile.
LIVE = (
    """SELECT rowid AS id, title || char(10) || description AS text FROM episodes
    WHERE withdrawn_at IS NULL AND rowid > ? ORDER BY rowid LIMIT ?""",
    """SELECT t.id AS id, t.title || char(10) || t.summary AS text
    FROM topics t JOIN episodes e ON e.key = t.episode_key
    WHERE e.withdrawn_at IS NULL AND t.id > ? ORDER BY t.id LIMIT ?""",
)


async def rebuild_mined(conn: aiosqlite.Connection, tables: tuple[str, ...] = MINED_TABLES) -> None:
    """Mine ``tables`` from every live document again, with the rules of now, in one reading of the documents
    (inside the caller's transaction)."""
    for table in tables:
        await conn.execute(f"DELETE FROM {table}")
    await mine(conn, LIVE, tables)
    for table in tables:
        await set_kv(conn, mined_key(table), str(MINED_VERSIONS[table]))
