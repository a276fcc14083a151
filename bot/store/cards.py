"""Per-channel announcement layout: the embed (default) or a Components V2 card, as ``/settings card`` chose."""

from __future__ import annotations

from bot.card import CardStyle
from bot.clock import utcnow
from bot.store.db import Database


class ChannelCardStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, channel_id: int) -> CardStyle:
        """The channel's choice; embed for a channel that never chose."""
        row = await self.db.fetchone("SELECT card FROM channel_cards WHERE channel_id = ?", (channel_id,))
        return CardStyle(row["card"]) if row else CardStyle.EMBED

    async def of_guild(self, guild_id: int) -> dict[int, CardStyle]:
        """The choices made in a server, by channel."""
        rows = await self.db.fetchall("SELECT channel_id, card FROM channel_cards WHERE guild_id = ?", (guild_id,))
        return {row["channel_id"]: CardStyle(row["card"]) for row in rows}

    async def set(self, channel_id: int, guild_id: int, style: CardStyle, *, by: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO channel_cards (channel_id, guild_id, card, updated_by, updated_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (channel_id) DO UPDATE SET
                    guild_id = excluded.guild_id, card = excluded.card,
                    updated_by = excluded.updated_by, updated_at = excluded.updated_at
                """,
                (channel_id, guild_id, style.value, by, utcnow()),
            )
