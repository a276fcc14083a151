"""An in-memory Discord for the announcer's unit tests: channels, threads, forum posts, nonces, faults.

It implements :class:`bot.announce.port.Port` with Discord's documented behaviour for what the
announcer relies on (nonce deduplication per author, "already has a thread", "already
crossposted", forum posts whose id is their first message's), and lets tests inject failures.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.announce.port import (
    ChannelGone,
    ChannelInfo,
    ChannelKind,
    DeliveryError,
    Message,
    MessageGone,
    MissingAccess,
    Payload,
    TemporaryFailure,
    snowflake_at,
)

BOT_ID = 900


@dataclass
class FakeChannel:
    id: int
    guild_id: int
    kind: ChannelKind
    tags: dict[str, int] = field(default_factory=dict)
    parent_id: int | None = None
    name: str = ""
    owner_id: int | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    can_send: bool = True
    requires_tag: bool = False


class FakeDiscord:
    """The port under test talks to this; tests inspect and perturb it."""

    def __init__(self, *, latency: float = 0.0) -> None:
        self._ids = itertools.count(snowflake_at(datetime.now(UTC)))
        self.channels: dict[int, FakeChannel] = {}
        #: Discord deduplicates an enforced nonce per (channel, author), as the emulator does
        #: (tests/test_announce_fake_contract.py holds the two to the same answers).
        self.nonces: dict[tuple[int, int, str], dict[str, Any]] = {}
        self.nonce_memory = True
        self.calls: Counter[str] = Counter()
        self.log: list[tuple[str, int, Payload | None]] = []
        self.latency = latency
        self.temporary_failures = 0

    @property
    def bot_user_id(self) -> int:
        return BOT_ID

    # ---- building state ---------------------------------------------------------------------

    def add_channel(
        self, kind: ChannelKind = ChannelKind.TEXT, *, guild_id: int = 1, tags: dict[str, int] | None = None
    ) -> FakeChannel:
        channel = FakeChannel(next(self._ids), guild_id, kind, tags or {})
        self.channels[channel.id] = channel
        return channel

    def post_as(self, channel_id: int, author_id: int, content: str, embeds: list[Payload] | None = None) -> None:
        """Someone (or another feature of the bot) posts in a channel."""
        self._store(self.channels[channel_id], {"content": content, "embeds": embeds or []}, author_id)

    def forget_nonces(self) -> None:
        """Discord remembers nonces for a few minutes only: simulate a restart after that."""
        self.nonces.clear()

    # ---- observation ------------------------------------------------------------------------

    def bot_messages(self, channel_id: int) -> list[dict[str, Any]]:
        return [m for m in self.channels[channel_id].messages if m["author"]["id"] == str(BOT_ID)]

    def threads_of(self, channel_id: int) -> list[FakeChannel]:
        return [c for c in self.channels.values() if c.parent_id == channel_id]

    # ---- the Port ---------------------------------------------------------------------------

    async def channel(self, channel_id: int) -> ChannelInfo:
        channel = await self._get(channel_id, "channel")
        return ChannelInfo(channel.id, channel.guild_id, channel.kind, dict(channel.tags), channel.requires_tag)

    async def create_message(self, channel_id: int, body: Payload) -> Message:
        channel = await self._writable(channel_id, "create_message", body)
        nonce = body.get("nonce")
        key = (channel_id, BOT_ID, str(nonce))
        if nonce is not None and body.get("enforce_nonce") and self.nonce_memory and key in self.nonces:
            return self.nonces[key]
        message = self._store(channel, body, BOT_ID)
        if nonce is not None and body.get("enforce_nonce"):
            self.nonces[key] = message
        return message

    async def edit_message(self, channel_id: int, message_id: int, body: Payload) -> Message:
        channel = await self._writable(channel_id, "edit_message", body)
        message = self._message(channel, message_id)
        message.update({key: value for key, value in body.items() if key != "allowed_mentions"})
        message["edited"] = message.get("edited", 0) + 1
        return message

    async def delete_message(self, channel_id: int, message_id: int) -> None:
        channel = await self._writable(channel_id, "delete_message", None)
        try:
            channel.messages.remove(self._message(channel, message_id))
        except MessageGone:
            return

    async def crosspost(self, channel_id: int, message_id: int) -> None:
        channel = await self._writable(channel_id, "crosspost", None)
        message = self._message(channel, message_id)
        if message.get("crossposted"):
            self.calls["crosspost_already"] += 1
            return
        message["crossposted"] = True

    async def start_thread(self, channel_id: int, message_id: int, body: Payload) -> int:
        channel = await self._writable(channel_id, "start_thread", body)
        self._message(channel, message_id)
        if message_id in self.channels:
            self.calls["thread_already"] += 1
            return message_id
        thread = FakeChannel(message_id, channel.guild_id, ChannelKind.TEXT, parent_id=channel.id, name=body["name"])
        thread.owner_id = BOT_ID
        self.channels[message_id] = thread
        return message_id

    async def create_forum_post(self, channel_id: int, body: Payload) -> int:
        channel = await self._writable(channel_id, "create_forum_post", body)
        assert channel.kind is ChannelKind.FORUM
        assert "nonce" not in body["message"]
        thread_id = next(self._ids)
        thread = FakeChannel(thread_id, channel.guild_id, ChannelKind.TEXT, parent_id=channel.id, name=body["name"])
        thread.owner_id = BOT_ID
        thread.tags = {str(tag): 1 for tag in body.get("applied_tags", [])}
        self.channels[thread_id] = thread
        self._store(thread, body["message"], BOT_ID, message_id=thread_id)
        return thread_id

    async def edit_channel(self, channel_id: int, body: Payload) -> None:
        channel = await self._writable(channel_id, "edit_channel", body)
        channel.name = body.get("name", channel.name)
        if "applied_tags" in body:
            channel.tags = {str(tag): 1 for tag in body["applied_tags"]}

    async def messages_after(self, channel_id: int, after: int, limit: int = 100) -> list[Message]:
        channel = await self._get(channel_id, "messages_after")
        newer = sorted((m for m in channel.messages if int(m["id"]) > after), key=lambda m: int(m["id"]))
        return list(reversed(newer[:limit]))

    async def forum_threads(self, channel_id: int, guild_id: int | None) -> list[Message]:
        await self._get(channel_id, "forum_threads")
        return [
            {"id": str(t.id), "parent_id": str(channel_id), "owner_id": str(t.owner_id), "name": t.name}
            for t in self.threads_of(channel_id)
        ]

    # ---- internals --------------------------------------------------------------------------

    async def _get(self, channel_id: int, call: str) -> FakeChannel:
        self.calls[call] += 1
        if self.latency:
            await asyncio.sleep(random.uniform(0, self.latency))
        channel = self.channels.get(channel_id)
        if channel is None:
            raise ChannelGone("404 Not Found (error code: 10003): Unknown Channel", channel_id=channel_id, status=404)
        return channel

    async def _writable(self, channel_id: int, call: str, body: Payload | None) -> FakeChannel:
        channel = await self._get(channel_id, call)
        if self.temporary_failures > 0:
            self.temporary_failures -= 1
            raise TemporaryFailure("503 Service Unavailable", channel_id=channel_id, status=503)
        parent = self.channels.get(channel.parent_id) if channel.parent_id else channel
        if parent is None or not parent.can_send:
            raise MissingAccess(
                "403 Forbidden (error code: 50013): Missing Permissions", channel_id=channel_id, status=403
            )
        self.log.append((call, channel_id, body))
        return channel

    def _message(self, channel: FakeChannel, message_id: int) -> dict[str, Any]:
        for message in channel.messages:
            if int(message["id"]) == message_id:
                return message
        raise MessageGone("404 Not Found (error code: 10008): Unknown Message", channel_id=channel.id, status=404)

    def _store(self, channel: FakeChannel, body: Payload, author: int, message_id: int | None = None) -> dict[str, Any]:
        message = {
            "id": str(message_id or next(self._ids)),
            "channel_id": str(channel.id),
            "author": {"id": str(author)},
            "type": 0,
            "content": body.get("content", ""),
            "embeds": body.get("embeds", []),
            "components": body.get("components", []),
        }
        channel.messages.append(message)
        return message


__all__ = ["BOT_ID", "DeliveryError", "FakeDiscord"]
