"""The search store: full-text search, autocomplete and the other lookups, over the index kept current."""

from __future__ import annotations

from bot.clock import Clock
from bot.store.db import Database
from bot.store.search.browse import Browsing
from bot.store.search.suggest import Suggestions


class SearchStore(Suggestions, Browsing):
    """Search (:mod:`.queries`), autocomplete (:mod:`.suggest`), browsing (:mod:`.browse`) and index upkeep
    (:mod:`.index`), over one database."""

    def __init__(self, db: Database, now: Clock) -> None:
        super().__init__(db, now)  # the index's (Browsing's sets the same two attributes)
