"""The index's tables and triggers, the queue flush and the full rebuild (see :mod:`bot.store.search`)."""

from __future__ import annotations

import aiosqlite

from bot.store.search.docids import MAX_POSITION, POSITION_BITS, TIME_SHIFT, time_base
from bot.text import TOKENIZER_VERSION

#: Where the version of the tokenizer that built the index is kept (``kv`` table).
VERSION_KEY = "search.tokenizer"

_QUEUE = "INSERT INTO search_queue (doc, remove, title, body, site, actors, topic_site)"


def _queue_episode_doc(row: str, remove: int) -> str:
    """Queue the addition (or removal) of the episode document of episode row ``row``, if it is indexed."""
    return f"""
        {_QUEUE}
        SELECT s.docbase, {remove}, '', {row}.title || char(10) || {row}.description, '', {row}.actors, NULL
        FROM search_episodes s WHERE s.key = {row}.key;"""


def _queue_topic_docs(row: str, remove: int, max_position: int) -> str:
    """Queue the addition (or removal) of the documents of every topic of episode row ``row``."""
    return f"""
        {_QUEUE}
        SELECT s.docbase + 1 + t.position, {remove}, t.title, t.summary, t.site, {row}.actors, t.site
        FROM search_episodes s JOIN topics t ON t.episode_key = s.key
        WHERE s.key = {row}.key AND t.position BETWEEN 0 AND {max_position};"""


def _queue_one_topic(row: str, remove: int, max_position: int) -> str:
    """Queue the addition (or removal) of the document of topic row ``row``, if its episode is indexed."""
    return f"""
        {_QUEUE}
        SELECT s.docbase + 1 + {row}.position, {remove}, {row}.title, {row}.summary, {row}.site, e.actors,
            {row}.site
        FROM search_episodes s JOIN episodes e ON e.key = s.key
        WHERE s.key = {row}.episode_key AND {row}.position BETWEEN 0 AND {max_position};"""


def _map_episode(position_bits: int, time_shift: int) -> str:
    """Give the new episode the next free slot in the block of its second (docbases of a second go in order)."""
    return f"""
        INSERT INTO search_episodes (docbase, key)
        SELECT coalesce((SELECT max(docbase) FROM search_episodes
                         WHERE docbase >= b AND docbase < b + {1 << time_shift}) + {1 << position_bits}, b), new.key
        FROM (SELECT zb_search_base(new.published_ts) AS b) WHERE new.withdrawn_at IS NULL;"""


def _triggers(position_bits: int, time_shift: int, max_position: int) -> str:
    """The triggers that keep the docbase map current and queue every document to add or remove, for a rowid
    layout (see :mod:`.docids`)."""
    mapped = _map_episode(position_bits, time_shift)
    return f"""
CREATE TRIGGER search_episode_inserted AFTER INSERT ON episodes BEGIN
    {mapped}
    {_queue_episode_doc("new", 0)}
    {_queue_topic_docs("new", 0, max_position)}
END;
CREATE TRIGGER search_episode_updated
AFTER UPDATE OF key, title, description, actors, published_ts, withdrawn_at ON episodes
WHEN old.key IS NOT new.key OR old.title IS NOT new.title OR old.description IS NOT new.description
    OR old.actors IS NOT new.actors OR old.published_ts IS NOT new.published_ts
    OR old.withdrawn_at IS NOT new.withdrawn_at
BEGIN
    {_queue_episode_doc("old", 1)}
    {_queue_topic_docs("old", 1, max_position)}
    DELETE FROM search_episodes WHERE key = old.key;
    {mapped}
    {_queue_episode_doc("new", 0)}
    {_queue_topic_docs("new", 0, max_position)}
END;
CREATE TRIGGER search_episode_deleted BEFORE DELETE ON episodes BEGIN
    {_queue_episode_doc("old", 1)}
    {_queue_topic_docs("old", 1, max_position)}
    DELETE FROM search_episodes WHERE key = old.key;
END;
CREATE TRIGGER search_topic_inserted AFTER INSERT ON topics BEGIN
    {_queue_one_topic("new", 0, max_position)}
END;
CREATE TRIGGER search_topic_deleted AFTER DELETE ON topics BEGIN
    {_queue_one_topic("old", 1, max_position)}
END;
CREATE TRIGGER search_topic_updated AFTER UPDATE OF episode_key, position, title, summary, site ON topics BEGIN
    {_queue_one_topic("old", 1, max_position)}
    {_queue_one_topic("new", 0, max_position)}
END;
"""


_TABLES = """
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
"""

#: Shipped as schema version 5 (bot/store/migrations.py), with the rowid layout of then (12 position bits, 31
#: bits below the time): never change it; :data:`COMPACT_SCHEMA` replaces its index and triggers.
SCHEMA = (
    _TABLES
    + """CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body, site, meta,
    content = '', prefix = '1 3 4 5 6', tokenize = "ascii tokenchars '+#'"
);
"""
    + _triggers(12, 31, 4094)
)

#: The prefix indexes of the compact index (1 and 3 characters, see :mod:`bot.store.search`).
COMPACT_PREFIX = "1 3"

_OLD_TRIGGERS = (
    "search_episode_inserted",
    "search_episode_updated",
    "search_episode_deleted",
    "search_topic_inserted",
    "search_topic_deleted",
    "search_topic_updated",
)

#: The compact index (migration SEARCH_COMPACT_INDEX): the rowid layout of :mod:`.docids` (small gaps between
#: episodes, so every posting's rowid delta is 2 bytes shorter) and no 4-to-6-letter prefix indexes (a Latin
#: prefix of 4 letters or more matches few words, found as fast by scanning them). It replaces version 5's
#: index and triggers; :func:`rebuild` fills it again.
COMPACT_SCHEMA = (
    "".join(f"DROP TRIGGER {name};\n" for name in _OLD_TRIGGERS)
    + f"""DROP TABLE search_fts;
DELETE FROM search_queue;
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body, site, meta,
    content = '', prefix = '{COMPACT_PREFIX}', tokenize = "ascii tokenchars '+#'"
);
"""
    + _triggers(POSITION_BITS, TIME_SHIFT, MAX_POSITION)
)

_DOCUMENT_VALUES = (
    "zb_search_title(q.title), zb_search_body(q.body), zb_search_tokens(q.site), zb_search_meta(q.actors, q.topic_site)"
)

#: Apply the queue: a document's first queued operation, if a removal, removes what is indexed now (with
#: the values it was added with); its last, if an addition, adds it. Whatever happened in between cancels
#: out. Additions go in ascending rowid order, which FTS5 appends fastest. The flush then mines the names of the
#: additions (:mod:`.mining`) and empties the queue.
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
]

#: Names the archive writes in both scripts, by the key of each (both ways round): shipped as the migration
#: SEARCH_NAME_PAIRS (bot/store/migrations.py); change it only through a new migration.
PAIRS_SCHEMA = """
CREATE TABLE search_pairs (
    name_key  TEXT NOT NULL,
    other     TEXT NOT NULL,
    PRIMARY KEY (name_key, other)
) WITHOUT ROWID;
"""


#: The sound of every Latin word and katakana name of the archive (:mod:`bot.search.sounds`): shipped as the
#: migration SEARCH_SOUNDS (bot/store/migrations.py); change it only through a new migration.
SOUNDS_SCHEMA = """
CREATE TABLE search_sounds (
    sound  TEXT NOT NULL,
    name   TEXT NOT NULL,
    PRIMARY KEY (sound, name)
) WITHOUT ROWID;
"""


#: The reading of every kanji word of the archive (:mod:`bot.search.readings`): shipped as the migration
#: SEARCH_READINGS (bot/store/migrations.py); change it only through a new migration.
READINGS_SCHEMA = """
CREATE TABLE search_readings (
    reading  TEXT NOT NULL,
    word     TEXT NOT NULL,
    PRIMARY KEY (reading, word)
) WITHOUT ROWID;
"""


async def set_kv(conn: aiosqlite.Connection, key: str, value: str) -> None:
    """Set a ``kv`` row inside the caller's transaction (as :class:`bot.store.kv.KeyValueStore` does in its own;
    importing it here would close an import circle through the migrations)."""
    await conn.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


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
        SELECT doc, zb_search_title(title), zb_search_body(body), zb_search_tokens(site),
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
    await set_kv(conn, VERSION_KEY, str(TOKENIZER_VERSION))
