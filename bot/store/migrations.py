"""Schema migrations: ``MIGRATIONS[n]`` takes a database from ``user_version`` n to n + 1.

Append only; never edit a migration that has shipped. Each runs inside one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable

import aiosqlite

from bot.store.search.functions import register as register_search_functions
from bot.store.search.mining import rebuild_mined
from bot.store.search.schema import COMPACT_SCHEMA, PAIRS_SCHEMA, READINGS_SCHEMA, SOUNDS_SCHEMA
from bot.store.search.schema import SCHEMA as SEARCH_SCHEMA
from bot.store.search.schema import rebuild as rebuild_search

Migration = Callable[[aiosqlite.Connection], Awaitable[None]]


def statements(script: str) -> list[str]:
    """Split a SQL script into complete statements (trigger bodies included)."""
    result: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            result.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement: {pending.strip()[:80]}")
    return result


def sql(script: str) -> Migration:
    """A migration that runs a plain SQL script (without ``executescript``'s implicit COMMIT)."""
    parts = statements(script)

    async def run(conn: aiosqlite.Connection) -> None:
        for statement in parts:
            await conn.execute(statement)

    return run


EPISODES_V1 = sql(
    """
    CREATE TABLE episodes (
        key           TEXT PRIMARY KEY,
        number        TEXT NOT NULL,
        title         TEXT NOT NULL,
        published     TEXT NOT NULL,
        published_ts  INTEGER NOT NULL,
        page_url      TEXT NOT NULL,
        actors        TEXT NOT NULL DEFAULT '[]',
        description   TEXT NOT NULL DEFAULT '',
        information   TEXT NOT NULL DEFAULT '',
        audio_url     TEXT,
        youtube_url   TEXT,
        image_url     TEXT,
        source        TEXT NOT NULL DEFAULT '',
        source_rank   INTEGER NOT NULL DEFAULT 0,
        fingerprint   TEXT NOT NULL,
        revision      INTEGER NOT NULL DEFAULT 1,
        first_seen    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        withdrawn_at  TEXT
    );
    CREATE INDEX episodes_by_number ON episodes (number);
    CREATE INDEX episodes_by_published ON episodes (published_ts);

    CREATE TABLE topics (
        id           INTEGER PRIMARY KEY,
        episode_key  TEXT NOT NULL REFERENCES episodes (key) ON DELETE CASCADE,
        position     INTEGER NOT NULL,
        title        TEXT NOT NULL,
        url          TEXT NOT NULL,
        summary      TEXT NOT NULL DEFAULT '',
        site         TEXT NOT NULL DEFAULT '',
        UNIQUE (episode_key, position)
    );
    CREATE INDEX topics_by_site ON topics (site);

    CREATE TABLE source_state (
        source         TEXT PRIMARY KEY,
        etag           TEXT,
        last_modified  TEXT,
        content_hash   TEXT,
        last_attempt   TEXT,
        last_success   TEXT,
        last_error     TEXT,
        failures       INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE kv (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    );
    """
)

GUILD_SETTINGS_V2 = sql(
    """
    CREATE TABLE guild_settings (
        guild_id              INTEGER PRIMARY KEY,
        announce_channel_id   INTEGER,
        announce_role_id      INTEGER,
        letters_channel_id    INTEGER,
        host_role_id          INTEGER,
        updated_by            INTEGER,
        updated_at            TEXT NOT NULL
    );
    """
)

DELIVERIES_V3 = sql(
    """
    CREATE TABLE announce_targets (
        channel_id     INTEGER PRIMARY KEY,
        guild_id       INTEGER,
        origin         TEXT NOT NULL,
        since          TEXT NOT NULL,
        since_seq      INTEGER NOT NULL DEFAULT 0,
        active         INTEGER NOT NULL DEFAULT 1,
        failures       INTEGER NOT NULL DEFAULT 0,
        retry_at       TEXT,
        last_error     TEXT,
        last_error_at  TEXT,
        last_success   TEXT,
        created_at     TEXT NOT NULL
    );

    CREATE TABLE deliveries (
        episode_key    TEXT NOT NULL,
        channel_id     INTEGER NOT NULL,
        guild_id       INTEGER,
        reason         TEXT NOT NULL,
        kind           TEXT,
        revision       INTEGER NOT NULL DEFAULT 0,
        done           INTEGER NOT NULL DEFAULT 0,
        thread_id      INTEGER,
        thread_state   TEXT NOT NULL DEFAULT 'none',
        thread_name    TEXT,
        crossposted    INTEGER NOT NULL DEFAULT 0,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL,
        delivered_at   TEXT,
        PRIMARY KEY (episode_key, channel_id)
    );
    CREATE INDEX deliveries_open ON deliveries (channel_id) WHERE done = 0;
    CREATE INDEX deliveries_by_guild ON deliveries (episode_key, guild_id);

    CREATE TABLE delivery_parts (
        episode_key    TEXT NOT NULL,
        channel_id     INTEGER NOT NULL,
        part           INTEGER NOT NULL,
        state          TEXT NOT NULL,
        message_id     INTEGER,
        digest         TEXT NOT NULL,
        marker         TEXT NOT NULL,
        started_at     TEXT NOT NULL,
        PRIMARY KEY (episode_key, channel_id, part),
        FOREIGN KEY (episode_key, channel_id) REFERENCES deliveries (episode_key, channel_id) ON DELETE CASCADE
    );
    """
)

LETTERS_TABLES = sql(
    """
    CREATE TABLE letters (
        id                    INTEGER PRIMARY KEY,
        guild_id              INTEGER NOT NULL,
        number                INTEGER NOT NULL,
        author_id             INTEGER,
        radio_name            TEXT NOT NULL DEFAULT '',
        body                  TEXT NOT NULL DEFAULT '',
        episode_key           TEXT,
        episode_number        TEXT,
        notify                INTEGER NOT NULL DEFAULT 0,
        status                TEXT NOT NULL DEFAULT 'new',
        created_at            TEXT NOT NULL,
        updated_at            TEXT NOT NULL,
        aired_episode_key     TEXT,
        aired_episode_number  TEXT,
        aired_at              TEXT,
        notified_at           TEXT,
        notify_result         TEXT,
        deleted_at            TEXT,
        host_channel_id       INTEGER,
        host_message_id       INTEGER,
        UNIQUE (guild_id, number)
    );
    CREATE INDEX letters_by_author ON letters (guild_id, author_id, number);
    CREATE INDEX letters_by_status ON letters (guild_id, status, number);
    CREATE INDEX letters_by_episode ON letters (guild_id, episode_key, number);

    CREATE TABLE letter_events (
        id           INTEGER PRIMARY KEY,
        letter_id    INTEGER NOT NULL REFERENCES letters (id) ON DELETE CASCADE,
        at           TEXT NOT NULL,
        actor_id     INTEGER,
        action       TEXT NOT NULL,
        from_status  TEXT,
        to_status    TEXT,
        detail       TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX letter_events_by_letter ON letter_events (letter_id, id);

    CREATE TABLE letter_blocks (
        guild_id    INTEGER NOT NULL,
        user_id     INTEGER NOT NULL,
        blocked_by  INTEGER,
        blocked_at  TEXT NOT NULL,
        letter_id   INTEGER REFERENCES letters (id) ON DELETE SET NULL,
        PRIMARY KEY (guild_id, user_id)
    );

    CREATE TABLE letter_submissions (
        guild_id  INTEGER NOT NULL,
        user_id   INTEGER NOT NULL,
        at_ts     REAL NOT NULL
    );
    CREATE INDEX letter_submissions_by_user ON letter_submissions (guild_id, user_id, at_ts);

    CREATE TABLE letter_outbox (
        id               INTEGER PRIMARY KEY,
        letter_id        INTEGER NOT NULL REFERENCES letters (id) ON DELETE CASCADE,
        guild_id         INTEGER NOT NULL,
        kind             TEXT NOT NULL,
        created_at       TEXT NOT NULL,
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_ts  REAL NOT NULL DEFAULT 0,
        last_error       TEXT,
        last_channel_id  INTEGER,
        UNIQUE (letter_id, kind)
    );
    CREATE INDEX letter_outbox_due ON letter_outbox (next_attempt_ts, id);
    CREATE INDEX letter_outbox_by_guild ON letter_outbox (guild_id, id);
    """
)


async def SEARCH_V5(conn: aiosqlite.Connection) -> None:
    """The full-text search index and its triggers; indexes the episodes already stored."""
    await register_search_functions(conn)
    for statement in statements(SEARCH_SCHEMA):
        await conn.execute(statement)
    await rebuild_search(conn)


#: A delivery Discord refused as invalid (400) is set aside for that revision of its episode, so that it does
#: not hold up the channel's later episodes; an edit of the post or a host's ``/announce`` tries it again.
DELIVERY_REJECTIONS_V6 = sql(
    """
    ALTER TABLE deliveries ADD COLUMN rejected_revision INTEGER;
    ALTER TABLE deliveries ADD COLUMN rejected_error TEXT;
    """
)


async def SEARCH_NAME_PAIRS(conn: aiosqlite.Connection) -> None:
    """Names the archive writes in both scripts (「NVIDIA（エヌビディア）」), mined from the topics stored."""
    for statement in statements(PAIRS_SCHEMA):
        await conn.execute(statement)
    await rebuild_mined(conn, ("search_pairs",))


#: A server's language for its public messages (announcements) and its announcement headline template.
GUILD_LANGUAGE_AND_HEADLINE = sql(
    """
    ALTER TABLE guild_settings ADD COLUMN language TEXT;
    ALTER TABLE guild_settings ADD COLUMN headline TEXT;
    """
)


#: Listeners' followed words, what was matched per announcement, and the outbox of DMs to followers
#: (``bot.store.follows``). ``guild_id`` 0: followed outside any server the bot is in.
FOLLOWS = sql(
    """
    CREATE TABLE follows (
        user_id     INTEGER NOT NULL,
        guild_id    INTEGER NOT NULL,
        word        TEXT NOT NULL,
        normalized  TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        PRIMARY KEY (user_id, guild_id, normalized)
    );
    CREATE INDEX follows_by_guild ON follows (guild_id, created_at);

    CREATE TABLE follow_prefs (
        user_id         INTEGER PRIMARY KEY,
        locale          TEXT NOT NULL DEFAULT 'ja',
        dm_channel_id   INTEGER,
        dm_closed_at    TEXT,
        thread_mention  INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE follow_scans (
        episode_key  TEXT NOT NULL,
        guild_id     INTEGER NOT NULL,
        revision     INTEGER NOT NULL,
        scanned_at   TEXT NOT NULL,
        notices      INTEGER NOT NULL,
        PRIMARY KEY (episode_key, guild_id, revision)
    );

    CREATE TABLE follow_notified (
        user_id      INTEGER NOT NULL,
        episode_key  TEXT NOT NULL,
        topic        TEXT NOT NULL,
        PRIMARY KEY (user_id, episode_key, topic)
    );

    CREATE TABLE follow_notices (
        id               INTEGER PRIMARY KEY,
        user_id          INTEGER NOT NULL,
        episode_key      TEXT NOT NULL,
        number           TEXT NOT NULL,
        title            TEXT NOT NULL,
        page_url         TEXT NOT NULL,
        guild_id         INTEGER NOT NULL,
        channel_id       INTEGER NOT NULL,
        message_id       INTEGER,
        thread_id        INTEGER,
        linked           INTEGER NOT NULL,
        topics           TEXT NOT NULL,
        state            TEXT NOT NULL DEFAULT 'pending',
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_ts  REAL NOT NULL DEFAULT 0,
        started_at       TEXT,
        outcome          TEXT,
        dm_message_id    INTEGER,
        last_error       TEXT,
        created_at       TEXT NOT NULL,
        finished_at      TEXT
    );
    CREATE INDEX follow_notices_due ON follow_notices (state, next_attempt_ts, id);
    CREATE INDEX follow_notices_by_user ON follow_notices (user_id, id);
    """
)


#: A followed word's other forms (its katakana reading, its normal spelling), found once when it is followed.
FOLLOW_FORMS = sql("ALTER TABLE follows ADD COLUMN forms TEXT NOT NULL DEFAULT '';")


LETTER_OUTBOX_SENDING = sql(
    """
    -- When a post to the hosts' channel was last attempted and where: a post may have reached Discord
    -- even if the bot never heard back, so before posting again the channel is searched from then on.
    ALTER TABLE letter_outbox ADD COLUMN sending_at TEXT;
    ALTER TABLE letter_outbox ADD COLUMN sending_channel_id INTEGER;
    """
)


ANNOUNCE_CARD_STYLE = sql(
    """
    -- A channel's choice of announcement layout (/settings card): 'embed' or 'v2'; a channel not listed: embed.
    CREATE TABLE channel_cards (
        channel_id  INTEGER PRIMARY KEY,
        guild_id    INTEGER NOT NULL,
        card        TEXT NOT NULL CHECK (card IN ('embed', 'v2')),
        updated_by  INTEGER,
        updated_at  TEXT NOT NULL
    );
    -- The layout a delivery was first sent in: its edits keep it (a new choice applies to the next episode).
    ALTER TABLE deliveries ADD COLUMN card TEXT;
    UPDATE deliveries SET card = 'embed' WHERE kind IS NOT NULL;
    """
)


#: Scheduled premieres: the per-server switch and the Discord event of each (server, episode).
PREMIERES = sql(
    """
    CREATE TABLE premiere_settings (
        guild_id    INTEGER PRIMARY KEY,
        enabled     INTEGER NOT NULL DEFAULT 0,
        updated_by  INTEGER,
        updated_at  TEXT
    );

    CREATE TABLE premiere_events (
        guild_id         INTEGER NOT NULL,
        episode_key      TEXT NOT NULL,
        page_url         TEXT NOT NULL,
        state            TEXT NOT NULL,
        event_id         INTEGER,
        fingerprint      TEXT NOT NULL,
        start_ts         REAL NOT NULL,
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_ts  REAL NOT NULL DEFAULT 0,
        last_error       TEXT,
        updated_at       TEXT NOT NULL,
        PRIMARY KEY (guild_id, episode_key)
    );
    """
)


#: What the posts folder source saw of each post file (bot/store/post_files.py), so that a restart parses only
#: what changed while the bot was stopped.
POST_FILES = sql(
    """
    CREATE TABLE post_files (
        source        TEXT NOT NULL,
        path          TEXT NOT NULL,
        mtime_ns      INTEGER NOT NULL,
        size          INTEGER NOT NULL,
        content_hash  TEXT,
        outcome       TEXT NOT NULL,
        episode_key   TEXT,
        reason        TEXT NOT NULL DEFAULT '',
        reader        TEXT NOT NULL,
        PRIMARY KEY (source, path)
    ) WITHOUT ROWID;
    """
)


async def SEARCH_COMPACT_INDEX(conn: aiosqlite.Connection) -> None:
    """The search index a fifth smaller: rowids closer together and fewer prefix indexes (see
    ``COMPACT_SCHEMA``); indexes the stored episodes again (in the database's thread, off the event loop)."""
    await register_search_functions(conn)
    for statement in statements(COMPACT_SCHEMA):
        await conn.execute(statement)
    await rebuild_search(conn)


async def SEARCH_SOUNDS(conn: aiosqlite.Connection) -> None:
    """The sound of every Latin word and katakana name of the archive, so that a name typed in the other script
    finds it (オブシディアン → Obsidian, :mod:`bot.search.sounds`), mined from the topics stored."""
    for statement in statements(SOUNDS_SCHEMA):
        await conn.execute(statement)
    await rebuild_mined(conn, ("search_sounds",))


#: The searches whose answers can be paged (bot/store/search/requests.py): their buttons carry only an id.
SEARCH_REQUESTS = sql(
    """
    CREATE TABLE search_requests (
        id          INTEGER PRIMARY KEY,
        owner_id    INTEGER NOT NULL,
        query       TEXT NOT NULL,
        mc          TEXT,
        site        TEXT,
        since       TEXT,
        until       TEXT,
        shared      INTEGER NOT NULL DEFAULT 0,
        created_ts  INTEGER NOT NULL
    );
    CREATE INDEX search_requests_by_age ON search_requests (created_ts);
    """
)


async def SEARCH_READINGS(conn: aiosqlite.Connection) -> None:
    """The reading of every kanji word of the archive, so that a word typed in kana and never converted finds
    it (すいろん → 推論, :mod:`bot.search.readings`), mined from the topics stored."""
    for statement in statements(READINGS_SCHEMA):
        await conn.execute(statement)
    await rebuild_mined(conn, ("search_readings",))


async def SEARCH_SOUNDS_V2(conn: aiosqlite.Connection) -> None:
    """The sounds of the archive's names mined again with the spelling rules as katakana hears them now
    (:mod:`bot.search.sounds`: er at a word's end as アー, wh as w, a w after a consonant with its vowel...): a
    name stored under its old sound would not be found by the new one."""
    await rebuild_mined(conn, ("search_sounds",))


MIGRATIONS: list[Migration] = [
    EPISODES_V1,
    GUILD_SETTINGS_V2,
    DELIVERIES_V3,
    LETTERS_TABLES,
    SEARCH_V5,
    DELIVERY_REJECTIONS_V6,
    SEARCH_NAME_PAIRS,
    GUILD_LANGUAGE_AND_HEADLINE,
    FOLLOWS,
    FOLLOW_FORMS,
    LETTER_OUTBOX_SENDING,
    ANNOUNCE_CARD_STYLE,
    PREMIERES,
    POST_FILES,
    SEARCH_COMPACT_INDEX,
    SEARCH_SOUNDS,
    SEARCH_REQUESTS,
    SEARCH_READINGS,
    SEARCH_SOUNDS_V2,
]
