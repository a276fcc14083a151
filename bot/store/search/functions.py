"""What the index stores for a document: the Python functions SQLite calls (tokens, filter tokens, docbase, and
the names mined from a small batch of texts, :mod:`.mining`).

Registered on every connection by :func:`register` (:meth:`bot.store.db.Database.open` calls it), and
deterministic: a contentless index removes a document by recomputing its tokens from the old values.
"""

from __future__ import annotations

import json

import aiosqlite

from bot.search.variants import body_tokens, title_tokens
from bot.store.search.docids import time_base
from bot.store.search.mining import mined_rows
from bot.text import fold_kana, index_text, normalize


def mc_token(name: str) -> str:
    """The ``meta`` token of an MC: ``mc`` + hex of the normalised name (exact match, any script)."""
    return "mc" + normalize(name).strip().encode().hex()


def site_token(site: str) -> str:
    return "st" + normalize(site).strip().encode().hex()


def _sql_tokens(text: object) -> str:
    return index_text(text) if isinstance(text, str) else ""


def title_text(text: str) -> str:
    """What the index stores for a title: its bigram tokens and the variant tokens of the title analysed whole."""
    return " ".join((index_text(fold_kana(text)), *title_tokens(text)))


def body_text(text: str) -> str:
    """What the index stores for a summary: its bigram tokens and the variant tokens of its katakana and Latin
    words."""
    return " ".join((index_text(fold_kana(text)), *body_tokens(text)))


def _sql_title(text: object) -> str:
    return title_text(text) if isinstance(text, str) else ""


def _sql_body(text: object) -> str:
    return body_text(text) if isinstance(text, str) else ""


def _sql_mined(texts: object, table: object) -> str:
    """The rows of ``table`` mined from a JSON list of texts (:func:`bot.store.search.mining.mined_rows`)."""
    if not (isinstance(texts, str) and isinstance(table, str)):
        return "[]"
    listed = json.loads(texts)
    return mined_rows([text for text in listed if isinstance(text, str)], (table,))[0]


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


def _sql_base(published_ts: object) -> int:
    return time_base(published_ts if isinstance(published_ts, int) else 0)


async def register(conn: aiosqlite.Connection) -> None:
    """Make the functions callable from SQL on ``conn``."""
    for name, nargs, func in (
        ("zb_search_tokens", 1, _sql_tokens),
        ("zb_search_title", 1, _sql_title),
        ("zb_search_body", 1, _sql_body),
        ("zb_search_mined", 2, _sql_mined),
        ("zb_search_meta", 2, _sql_meta),
        ("zb_search_base", 1, _sql_base),
    ):
        await conn.create_function(name, nargs, func, deterministic=True)
