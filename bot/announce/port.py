"""What the announcer needs from Discord, as a protocol over plain JSON payloads.

``cogs.announce`` implements it with discord.py's HTTP client; tests implement it in memory.
Failures are reported with the exceptions below, so the domain never sees discord.py's types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

Payload = dict[str, Any]
Message = Mapping[str, Any]

#: Discord's epoch (2015-01-01T00:00:00Z) in milliseconds.
DISCORD_EPOCH_MS = 1_420_070_400_000


class ChannelKind(StrEnum):
    TEXT = "text"
    NEWS = "news"
    FORUM = "forum"


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """An announcement channel: its server, its kind and (for forums) its tags by name, in the
    forum's order, and whether every post needs one."""

    id: int
    guild_id: int | None
    kind: ChannelKind
    tags: Mapping[str, int] = field(default_factory=dict)
    requires_tag: bool = False

    def tags_for(self, wanted: list[int]) -> list[int]:
        """``wanted`` tags, or the forum's first tag when it requires one and none was wanted."""
        if not wanted and self.requires_tag and self.tags:
            return [next(iter(self.tags.values()))]
        return wanted


class DeliveryError(Exception):
    """A Discord request failed. ``channel_id`` is the channel (or thread) it addressed."""

    def __init__(self, message: str, *, channel_id: int | None = None, status: int = 0, code: int = 0) -> None:
        super().__init__(message)
        self.channel_id = channel_id
        self.status = status
        self.code = code


class ChannelGone(DeliveryError):
    """The channel or thread does not exist (any more): 404 Unknown Channel."""


class MissingAccess(DeliveryError):
    """The bot cannot see the channel or lacks a permission there: 403."""


class MessageGone(DeliveryError):
    """The message was deleted (by a moderator): 404 Unknown Message."""


class TemporaryFailure(DeliveryError):
    """Discord answered 5xx or 429 even after retrying, or the connection failed."""


class PayloadRejected(DeliveryError):
    """Discord refused the request as invalid (400): a bug to be fixed, not retried soon."""


class Port(Protocol):
    @property
    def bot_user_id(self) -> int: ...

    async def channel(self, channel_id: int) -> ChannelInfo:
        """The channel's kind and server; :class:`ChannelGone` or :class:`MissingAccess` otherwise."""
        ...

    async def create_message(self, channel_id: int, body: Payload) -> Message: ...

    async def edit_message(self, channel_id: int, message_id: int, body: Payload) -> Message: ...

    async def delete_message(self, channel_id: int, message_id: int) -> None:
        """Delete a message; one already gone counts as deleted."""
        ...

    async def crosspost(self, channel_id: int, message_id: int) -> None:
        """Publish a message of an announcement channel; one already published counts as done."""
        ...

    async def start_thread(self, channel_id: int, message_id: int, body: Payload) -> int:
        """Start a thread from a message and return its id; if the message already has one, its id."""
        ...

    async def create_forum_post(self, channel_id: int, body: Payload) -> int:
        """Create a forum post (a thread with its first message) and return the thread's id."""
        ...

    async def edit_channel(self, channel_id: int, body: Payload) -> None: ...

    async def messages_after(self, channel_id: int, after: int, limit: int = 100) -> list[Message]:
        """Up to ``limit`` messages of a channel with ids greater than ``after``, in any order."""
        ...

    async def forum_threads(self, channel_id: int, guild_id: int | None) -> list[Message]:
        """The forum's posts (threads) that are active or were archived recently."""
        ...


def snowflake_at(moment: datetime) -> int:
    """The smallest snowflake of ``moment`` (for ``after=`` queries)."""
    return max(int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS, 0) << 22
