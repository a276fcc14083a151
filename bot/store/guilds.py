"""Per-server settings: where announcements and letters go, who the hosts are, the language of public messages
and the announcement headline."""

from __future__ import annotations

from dataclasses import dataclass, fields

from bot.announce.wording import Wording
from bot.store.db import Database
from bot.store.episodes import utcnow


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    announce_channel_id: int | None = None
    announce_role_id: int | None = None
    letters_channel_id: int | None = None
    host_role_id: int | None = None
    #: Language of the server's public messages (``ja`` or ``en``); None means Japanese.
    language: str | None = None
    #: Announcement headline template (see :mod:`bot.announce.headline`); None means the show's default.
    headline: str | None = None
    updated_by: int | None = None
    updated_at: str | None = None

    @property
    def wording(self) -> Wording:
        """How this server's announcements are worded."""
        return Wording(self.language or "ja", self.headline)


_EDITABLE = ("announce_channel_id", "announce_role_id", "letters_channel_id", "host_role_id", "language", "headline")


class GuildSettingsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, guild_id: int) -> GuildSettings | None:
        row = await self.db.fetchone("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return GuildSettings(**dict(row)) if row else None

    async def wording(self, guild_id: int | None) -> Wording:
        """How announcements are worded in ``guild_id`` (the defaults for a channel of no known server)."""
        settings = await self.get(guild_id) if guild_id is not None else None
        return settings.wording if settings else Wording()

    async def all(self) -> list[GuildSettings]:
        return [GuildSettings(**dict(row)) for row in await self.db.fetchall("SELECT * FROM guild_settings")]

    async def update(self, guild_id: int, *, by: int, **values: int | str | None) -> GuildSettings:
        """Set some of the editable fields (``None`` clears one); the others keep their value."""
        unknown = set(values) - set(_EDITABLE)
        if unknown:
            raise ValueError(f"not guild settings: {', '.join(sorted(unknown))}")
        current = await self.get(guild_id) or GuildSettings(guild_id)
        merged = {f.name: getattr(current, f.name) for f in fields(GuildSettings)}
        merged.update(values, updated_by=by, updated_at=utcnow())
        async with self.db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO guild_settings (guild_id, announce_channel_id, announce_role_id, letters_channel_id,
                    host_role_id, language, headline, updated_by, updated_at)
                VALUES (:guild_id, :announce_channel_id, :announce_role_id, :letters_channel_id,
                    :host_role_id, :language, :headline, :updated_by, :updated_at)
                ON CONFLICT (guild_id) DO UPDATE SET
                    announce_channel_id = excluded.announce_channel_id,
                    announce_role_id = excluded.announce_role_id,
                    letters_channel_id = excluded.letters_channel_id,
                    host_role_id = excluded.host_role_id,
                    language = excluded.language, headline = excluded.headline,
                    updated_by = excluded.updated_by, updated_at = excluded.updated_at
                """,
                merged,
            )
        return GuildSettings(**merged)
