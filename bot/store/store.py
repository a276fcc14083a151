"""The store: one database and a repository object per table group."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from bot.clock import Clock, system_clock
from bot.store.cards import ChannelCardStore
from bot.store.db import Database
from bot.store.deliveries import DeliveryStore
from bot.store.episodes import EpisodeStore
from bot.store.follows import FollowStore
from bot.store.guilds import GuildSettingsStore
from bot.store.kv import KeyValueStore
from bot.store.letters import LetterStore
from bot.store.post_files import PostFileStore
from bot.store.premieres import PremiereStore
from bot.store.search.requests import SearchRequestStore
from bot.store.search.store import SearchStore
from bot.store.sources import SourceStateStore


class Store:
    """Everything zundabot keeps, behind one object: one attribute per table group.

    ``clock`` is the time every listener-facing read takes as "now" (the "visible now" rule); tests replace it
    to move time, and the announcer reads the same clock.
    """

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock: Clock = clock or system_clock
        self.episodes = EpisodeStore(db, self.now)
        self.sources = SourceStateStore(db)
        self.post_files = PostFileStore(db)
        self.kv = KeyValueStore(db)
        self.guilds = GuildSettingsStore(db)
        self.cards = ChannelCardStore(db)
        self.deliveries = DeliveryStore(db)
        self.letters = LetterStore(db, self.now)
        self.search = SearchStore(db, self.now)
        self.search_requests = SearchRequestStore(db, self.now)
        self.follows = FollowStore(db)
        self.premieres = PremiereStore(db)

    def now(self) -> datetime:
        """The current time by :attr:`clock`."""
        return self.clock()

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        store = cls(await Database.open(path))
        try:
            await store.search.ensure_current()
        except BaseException:
            await store.close()
            raise
        return store

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
