"""The store: one database and a repository object per table group."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Self

from bot.store.db import Database
from bot.store.deliveries import DeliveryStore
from bot.store.episodes import EpisodeStore
from bot.store.guilds import GuildSettingsStore
from bot.store.kv import KeyValueStore
from bot.store.letters import LetterStore
from bot.store.search.store import SearchStore
from bot.store.sources import SourceStateStore


class Store:
    """Everything zundabot keeps, behind one object: one attribute per table group."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.episodes = EpisodeStore(db)
        self.sources = SourceStateStore(db)
        self.kv = KeyValueStore(db)
        self.guilds = GuildSettingsStore(db)
        self.deliveries = DeliveryStore(db)
        self.letters = LetterStore(db)
        self.search = SearchStore(db)

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
