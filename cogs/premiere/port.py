"""The premiere sync's Discord side: guild scheduled events through discord.py's HTTP client (rate limits kept)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.premiere.model import EventStatus
from bot.premiere.sync import ExistingEvent, Gone, Refused, TemporaryFailure

if TYPE_CHECKING:
    from bot.app import ZundaBot

#: Discord's error codes for an unknown guild scheduled event, and for one that is over (completed or canceled).
UNKNOWN_EVENT = 10070
FINISHED_EVENT = 180000


def _failure(exc: discord.HTTPException) -> Exception:
    """What an HTTP error means to the sync: gone (deleted, or ended by a person), temporary, or refused for good."""
    if exc.code in (UNKNOWN_EVENT, FINISHED_EVENT):
        return Gone(str(exc))
    if isinstance(exc, discord.DiscordServerError) or exc.status == 429:
        return TemporaryFailure(f"{exc.status} (error code: {exc.code})")
    return Refused(f"{exc.status} (error code: {exc.code}): {exc.text}"[:300])


class DiscordPremierePort:
    """:class:`bot.premiere.sync.Port` over ``bot.http`` (429s are waited out by discord.py itself)."""

    def __init__(self, bot: ZundaBot) -> None:
        self.bot = bot

    async def _call(self, request: Callable[[], Awaitable[Any]]) -> Any:
        await self.bot.pacer.wait()  # the pace every sender of the bot shares, under Discord's global limit
        try:
            return await request()
        except discord.HTTPException as exc:
            raise _failure(exc) from exc
        except discord.RateLimited as exc:  # longer than the bot waits inside a request: back off instead
            raise TemporaryFailure(f"rate limited for {exc.retry_after:.0f} s", retry_after=exc.retry_after) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc

    async def list_events(self, guild_id: int) -> list[ExistingEvent]:
        data = await self._call(lambda: self.bot.http.get_scheduled_events(guild_id, False))
        return [
            ExistingEvent(
                id=int(item["id"]),
                status=EventStatus(int(item["status"])),
                description=item.get("description"),
                creator_id=int(item["creator_id"]) if item.get("creator_id") else None,
            )
            for item in data
        ]

    async def create_event(self, guild_id: int, body: dict[str, Any]) -> int:
        data = await self._call(lambda: self.bot.http.create_guild_scheduled_event(guild_id, **body))
        return int(data["id"])

    async def edit_event(self, guild_id: int, event_id: int, body: dict[str, Any]) -> EventStatus:
        data = await self._call(lambda: self.bot.http.edit_scheduled_event(guild_id, event_id, **body))
        return EventStatus(int(data["status"]))
