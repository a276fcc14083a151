"""Follow notices through Discord: membership checks, DMs, the opt-in thread mention.

Implements :class:`bot.follow.outbox.Transport` with discord.py's HTTP client (its rate-limit buckets
and retries), paced by the bot's shared :class:`~bot.announce.pacing.Pacer`. Every DM is sent with
mentions disabled; the thread mention allows exactly its listener.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord.http import Route

from bot.announce.port import snowflake_at
from bot.follow.outbox import DmClosed, Refused, TemporaryFailure

if TYPE_CHECKING:
    from bot.app import ZundaBot

CANNOT_DM = 50007
UNKNOWN_CHANNEL = 10003
UNKNOWN_USER = 10013
UNKNOWN_MEMBER = 10007
UNKNOWN_GUILD = 10004


class DiscordTransport:
    def __init__(self, bot: ZundaBot) -> None:
        self.bot = bot

    async def _request(self, route: Route, **kwargs: Any) -> Any:
        await self.bot.pacer.wait()
        try:
            return await self.bot.http.request(route, **kwargs)
        except discord.RateLimited as exc:
            raise TemporaryFailure(f"rate limited for {exc.retry_after:.0f} s") from exc
        except discord.HTTPException as exc:
            if isinstance(exc, discord.DiscordServerError) or exc.status == 429:
                raise TemporaryFailure(f"{exc.status} {exc.text}") from exc
            raise
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        """Asked over REST (the bot has no member intent, so it is not told when someone leaves)."""
        route = Route("GET", "/guilds/{guild_id}/members/{user_id}", guild_id=guild_id, user_id=user_id)
        try:
            await self._request(route)
        except (discord.NotFound, discord.Forbidden) as exc:
            if exc.code in (UNKNOWN_MEMBER, UNKNOWN_GUILD, UNKNOWN_USER) or isinstance(exc, discord.Forbidden):
                return False
            raise Refused(str(exc)) from exc
        return True

    async def _dm_channel(self, user_id: int) -> int:
        prefs = await self.bot.store.follows.prefs(user_id)
        if prefs.dm_channel_id is not None:
            return prefs.dm_channel_id
        route = Route("POST", "/users/@me/channels")
        try:
            data = await self._request(route, json={"recipient_id": str(user_id)})
        except discord.HTTPException as exc:
            if exc.code == UNKNOWN_USER or exc.status in (403, 404):
                raise DmClosed(str(exc)) from exc
            raise Refused(str(exc)) from exc
        channel_id = int(data["id"])
        await self.bot.store.follows.set_dm_channel(user_id, channel_id)
        return channel_id

    async def find_dm(self, user_id: int, content: str, after: datetime) -> int | None:
        channel_id = await self._dm_channel(user_id)
        route = Route("GET", "/channels/{channel_id}/messages", channel_id=channel_id)
        try:
            messages = await self._request(route, params={"after": snowflake_at(after), "limit": 100})
        except discord.HTTPException:
            return None
        me = self.bot.user.id if self.bot.user else 0
        found = [
            int(m["id"])
            for m in messages
            if int(m.get("author", {}).get("id", 0)) == me and m.get("content") == content
        ]
        return min(found) if found else None

    async def send_dm(self, user_id: int, body: dict[str, object], nonce: str) -> int:
        channel_id = await self._dm_channel(user_id)
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        try:
            data = await self._request(route, json={**body, "nonce": nonce, "enforce_nonce": True})
        except discord.HTTPException as exc:
            if exc.code == UNKNOWN_CHANNEL:
                await self.bot.store.follows.set_dm_channel(user_id, None)
                raise TemporaryFailure(f"DM channel {channel_id} is gone") from exc
            if exc.code in (CANNOT_DM, UNKNOWN_USER) or exc.status == 403:
                raise DmClosed(f"{exc.status} {exc.code}: {exc.text}") from exc
            raise Refused(f"{exc.status} {exc.code}: {exc.text}") from exc
        return int(data["id"])

    async def thread_mention(self, thread_id: int, user_id: int, content: str, nonce: str) -> int:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=thread_id)
        body = {
            "content": content,
            "allowed_mentions": {"parse": [], "users": [str(user_id)]},
            "nonce": nonce,
            "enforce_nonce": True,
        }
        try:
            data = await self._request(route, json=body)
        except discord.HTTPException as exc:
            raise Refused(f"{exc.status} {exc.code}: {exc.text}") from exc
        return int(data["id"])
