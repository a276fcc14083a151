"""The announcer's :class:`~bot.announce.port.Port` in discord.py's HTTP client: the exact JSON bodies of
:mod:`bot.render` sent as they are, Discord's errors turned into the domain's."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import discord
from discord.ext import commands
from discord.http import Route

from bot.announce.pacing import Pacer
from bot.announce.port import (
    ChannelGone,
    ChannelInfo,
    ChannelKind,
    DeliveryError,
    Message,
    MessageGone,
    MissingAccess,
    Payload,
    PayloadRejected,
    TemporaryFailure,
)

log = logging.getLogger(__name__)

CHANNEL_KINDS = {
    discord.ChannelType.text: ChannelKind.TEXT,
    discord.ChannelType.news: ChannelKind.NEWS,
    discord.ChannelType.forum: ChannelKind.FORUM,
}
ALREADY_CROSSPOSTED = 40033
THREAD_ALREADY_CREATED = 160004
UNKNOWN_MESSAGE = 10008
THREAD_ARCHIVED = 50083
REQUIRE_TAG = 1 << 4


def _http_error(exc: discord.HTTPException, channel_id: int) -> DeliveryError:
    """The domain error for a failed request about ``channel_id``."""
    message = str(exc)
    if isinstance(exc, discord.NotFound):
        cls: type[DeliveryError] = MessageGone if exc.code == UNKNOWN_MESSAGE else ChannelGone
    elif isinstance(exc, discord.Forbidden):
        cls = MissingAccess
    elif isinstance(exc, discord.DiscordServerError) or exc.status == 429:
        cls = TemporaryFailure
    else:
        cls = PayloadRejected
    return cls(message, channel_id=channel_id, status=exc.status, code=exc.code)


class DiscordPort:
    """:class:`bot.announce.port.Port` over discord.py's HTTP client (its retries and rate-limit buckets)."""

    def __init__(self, bot: commands.Bot, pacer: Pacer) -> None:
        self.bot = bot
        self.pacer = pacer

    @property
    def bot_user_id(self) -> int:
        assert self.bot.user is not None
        return self.bot.user.id

    async def _request(self, route: Route, channel_id: int, **kwargs: Any) -> Any:
        await self.pacer.wait()
        try:
            return await self.bot.http.request(route, **kwargs)
        except discord.HTTPException as exc:
            raise _http_error(exc, channel_id) from exc
        except discord.RateLimited as exc:
            raise TemporaryFailure(f"rate limited for {exc.retry_after:.0f} s", channel_id=channel_id) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}", channel_id=channel_id) from exc

    async def channel(self, channel_id: int) -> ChannelInfo:
        cached = self.bot.get_channel(channel_id)
        guild_id: int | None
        if isinstance(cached, discord.abc.GuildChannel):
            kind = CHANNEL_KINDS.get(cached.type)
            tags: dict[str, int] = {}
            requires_tag = False
            if isinstance(cached, discord.ForumChannel):
                tags = {tag.name: tag.id for tag in cached.available_tags}
                requires_tag = cached.flags.require_tag
            guild_id = cached.guild.id
            type_name = str(cached.type)
        else:
            data = await self._request(Route("GET", "/channels/{channel_id}", channel_id=channel_id), channel_id)
            kind = CHANNEL_KINDS.get(discord.ChannelType(int(data["type"])))
            tags = {tag["name"]: int(tag["id"]) for tag in data.get("available_tags", [])}
            requires_tag = bool(int(data.get("flags") or 0) & REQUIRE_TAG)
            guild_id = int(data["guild_id"]) if data.get("guild_id") else None
            type_name = str(data["type"])
        if kind is None:
            raise PayloadRejected(
                f"channel {channel_id} is a {type_name} channel, not a text, announcement or forum channel",
                channel_id=channel_id,
            )
        return ChannelInfo(channel_id, guild_id, kind, tags, requires_tag)

    async def _unarchived(self, route: Route, channel_id: int, **kwargs: Any) -> Any:
        """A request in a thread that, if the thread is archived, unarchives it and tries once more."""
        try:
            return await self._request(route, channel_id, **kwargs)
        except PayloadRejected as exc:
            if exc.code != THREAD_ARCHIVED:
                raise
        await self.edit_channel(channel_id, {"archived": False})
        return await self._request(route, channel_id, **kwargs)

    async def create_message(self, channel_id: int, body: Payload) -> Message:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        data: Message = await self._unarchived(route, channel_id, json=body)
        return data

    async def edit_message(self, channel_id: int, message_id: int, body: Payload) -> Message:
        route = Route(
            "PATCH", "/channels/{channel_id}/messages/{message_id}", channel_id=channel_id, message_id=message_id
        )
        data: Message = await self._unarchived(route, channel_id, json=body)
        return data

    async def delete_message(self, channel_id: int, message_id: int) -> None:
        route = Route(
            "DELETE", "/channels/{channel_id}/messages/{message_id}", channel_id=channel_id, message_id=message_id
        )
        try:
            await self._unarchived(route, channel_id)
        except MessageGone:
            return

    async def crosspost(self, channel_id: int, message_id: int) -> None:
        route = Route(
            "POST",
            "/channels/{channel_id}/messages/{message_id}/crosspost",
            channel_id=channel_id,
            message_id=message_id,
        )
        try:
            await self._request(route, channel_id)
        except PayloadRejected as exc:
            if exc.code != ALREADY_CROSSPOSTED:
                raise

    async def start_thread(self, channel_id: int, message_id: int, body: Payload) -> int:
        route = Route(
            "POST", "/channels/{channel_id}/messages/{message_id}/threads", channel_id=channel_id, message_id=message_id
        )
        try:
            data = await self._request(route, channel_id, json=body)
        except PayloadRejected as exc:
            if exc.code == THREAD_ALREADY_CREATED:
                return message_id  # a thread started from a message has the message's id
            raise
        return int(data["id"])

    async def create_forum_post(self, channel_id: int, body: Payload) -> int:
        route = Route("POST", "/channels/{channel_id}/threads", channel_id=channel_id)
        data = await self._request(route, channel_id, json=body)
        return int(data["id"])

    async def edit_channel(self, channel_id: int, body: Payload) -> None:
        await self._request(Route("PATCH", "/channels/{channel_id}", channel_id=channel_id), channel_id, json=body)

    async def messages_after(self, channel_id: int, after: int, limit: int = 100) -> list[Message]:
        route = Route("GET", "/channels/{channel_id}/messages", channel_id=channel_id)
        data: list[Message] = await self._request(route, channel_id, params={"after": after, "limit": limit})
        return data

    async def forum_threads(self, channel_id: int, guild_id: int | None) -> list[Message]:
        threads: list[Message] = []
        if guild_id is not None:
            route = Route("GET", "/guilds/{guild_id}/threads/active", guild_id=guild_id)
            threads += (await self._request(route, channel_id))["threads"]
        route = Route("GET", "/channels/{channel_id}/threads/archived/public", channel_id=channel_id)
        threads += (await self._request(route, channel_id, params={"limit": 100}))["threads"]
        return threads
