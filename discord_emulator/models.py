"""Emulated Discord entities and their JSON payloads, exactly shaped like API v10 objects.

These are plain state: the :class:`~discord_emulator.world.World` creates and changes them and
emits the gateway events; nothing here knows about HTTP or websockets.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, IntFlag
from typing import TYPE_CHECKING, Any, Protocol

from .permissions import NO_PERMISSIONS, Overwrite, PermOverwrite
from .snowflake import iso, snowflake_time, utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

JsonDict = dict[str, Any]


class ChannelType(IntEnum):
    TEXT = 0
    DM = 1
    VOICE = 2
    GROUP_DM = 3
    CATEGORY = 4
    NEWS = 5
    NEWS_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    STAGE = 13
    DIRECTORY = 14
    FORUM = 15
    MEDIA = 16


THREAD_TYPES = frozenset({ChannelType.NEWS_THREAD, ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD})
MESSAGE_CHANNEL_TYPES = frozenset({ChannelType.TEXT, ChannelType.DM, ChannelType.NEWS, *THREAD_TYPES})
FORUM_TYPES = frozenset({ChannelType.FORUM, ChannelType.MEDIA})

CHANNEL_TYPE_NAMES = {
    "text": ChannelType.TEXT,
    "news": ChannelType.NEWS,
    "announcement": ChannelType.NEWS,
    "forum": ChannelType.FORUM,
    "media": ChannelType.MEDIA,
    "category": ChannelType.CATEGORY,
    "voice": ChannelType.VOICE,
}


class MessageFlag(IntFlag):
    CROSSPOSTED = 1 << 0
    IS_CROSSPOST = 1 << 1
    SUPPRESS_EMBEDS = 1 << 2
    SOURCE_MESSAGE_DELETED = 1 << 3
    URGENT = 1 << 4
    HAS_THREAD = 1 << 5
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    FAILED_TO_MENTION_SOME_ROLES_IN_THREAD = 1 << 8
    SUPPRESS_NOTIFICATIONS = 1 << 12
    IS_VOICE_MESSAGE = 1 << 13
    HAS_SNAPSHOT = 1 << 14
    IS_COMPONENTS_V2 = 1 << 15


class MessageType(IntEnum):
    DEFAULT = 0
    THREAD_CREATED = 18
    REPLY = 19
    CHAT_INPUT_COMMAND = 20
    THREAD_STARTER_MESSAGE = 21
    CONTEXT_MENU_COMMAND = 23


class ChannelFlag(IntFlag):
    PINNED = 1 << 1
    REQUIRE_TAG = 1 << 4


@dataclass(eq=False)
class User:
    """A Discord user (the bot, or a listener created by a test)."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    dms_open: bool = True
    locale: str = "ja"

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> JsonDict:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}{' bot' if self.bot else ''}>"


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> JsonDict:
        data: JsonDict = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data

    def __repr__(self) -> str:
        return f"<Role {self.id} {self.name!r}>"


@dataclass(eq=False)
class Member:
    user: User
    guild_id: int
    role_ids: list[int]
    joined_at: datetime
    nick: str | None = None

    def payload(self, *, with_user: bool = True) -> JsonDict:
        data: JsonDict = {
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(role_id) for role_id in self.role_ids],
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data

    def __repr__(self) -> str:
        return f"<Member {self.user.username!r} of {self.guild_id}>"


@dataclass(eq=False)
class ForumTag:
    id: int
    name: str
    moderated: bool = False
    emoji_name: str | None = None

    def payload(self) -> JsonDict:
        return {
            "id": str(self.id),
            "name": self.name,
            "moderated": self.moderated,
            "emoji_id": None,
            "emoji_name": self.emoji_name,
        }


@dataclass(eq=False)
class Attachment:
    """A file the bot uploaded; ``data`` holds its bytes so tests can read it."""

    id: int
    filename: str
    data: bytes
    url: str
    content_type: str | None = None
    description: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")

    def payload(self) -> JsonDict:
        data: JsonDict = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type is not None:
            data["content_type"] = self.content_type
        if self.description is not None:
            data["description"] = self.description
        return data


@dataclass(frozen=True)
class MessageVersion:
    """What a message looked like before an edit."""

    content: str
    embeds: list[JsonDict]
    components: list[JsonDict]
    attachment_ids: tuple[int, ...]
    flags: int
    edited_at: datetime | None


@dataclass(frozen=True)
class Pings:
    """Who a message actually notifies, given its content, ``allowed_mentions`` and permissions."""

    user_ids: frozenset[int] = frozenset()
    role_ids: frozenset[int] = frozenset()
    everyone: bool = False

    @property
    def nobody(self) -> bool:
        return not (self.user_ids or self.role_ids or self.everyone)


@dataclass(eq=False)
class Message:
    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[JsonDict] = field(default_factory=list)
    components: list[JsonDict] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    type: int = MessageType.DEFAULT
    tts: bool = False
    nonce: str | None = None
    allowed_mentions: JsonDict | None = None
    pings: Pings = field(default_factory=Pings)
    mention_users: list[User] = field(default_factory=list)
    message_reference: JsonDict | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: JsonDict | None = None
    interaction: JsonDict | None = None
    edited_at: datetime | None = None
    pinned: bool = False
    thread_id: int | None = None
    position: int | None = None
    edits: list[MessageVersion] = field(default_factory=list)
    deleted: bool = False
    _world: WorldRef | None = field(default=None, repr=False)

    @property
    def timestamp(self) -> datetime:
        return snowflake_time(self.id)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MessageFlag.EPHEMERAL)

    @property
    def crossposted(self) -> bool:
        return bool(self.flags & MessageFlag.CROSSPOSTED)

    @property
    def thread(self) -> Channel | None:
        if self.thread_id is None or self._world is None:
            return None
        return self._world.channels.get(self.thread_id)

    @property
    def channel(self) -> Channel | None:
        return None if self._world is None else self._world.channels.get(self.channel_id)

    @property
    def shown_embeds(self) -> list[JsonDict]:
        """The embeds a user sees: only the first of those that share a ``url`` (see ``hidden_embed_indexes``)."""
        hidden = set(hidden_embed_indexes(self.embeds))
        return [embed for index, embed in enumerate(self.embeds) if index not in hidden]

    @property
    def hidden_embeds(self) -> list[JsonDict]:
        """Embeds sent but not shown (a later embed with the url of an earlier one)."""
        return [self.embeds[index] for index in hidden_embed_indexes(self.embeds)]

    @property
    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in iter_components(self.components) if "custom_id" in c]

    def button(self, label: str) -> JsonDict:
        """The button with this label (KeyError if there is none)."""
        for component in iter_components(self.components):
            if component.get("type") == 2 and component.get("label") == label:
                return component
        raise KeyError(f"no button labelled {label!r} in message {self.id}")

    @property
    def buttons(self) -> list[JsonDict]:
        return [c for c in iter_components(self.components) if c.get("type") == 2]

    def snapshot(self) -> MessageVersion:
        return MessageVersion(
            content=self.content,
            embeds=copy.deepcopy(self.embeds),
            components=copy.deepcopy(self.components),
            attachment_ids=tuple(a.id for a in self.attachments),
            flags=self.flags,
            edited_at=self.edited_at,
        )

    def payload(self) -> JsonDict:
        data: JsonDict = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": iso(self.timestamp),
            "edited_timestamp": iso(self.edited_at) if self.edited_at else None,
            "tts": self.tts,
            "mention_everyone": self.pings.everyone,
            "mentions": [user.payload() for user in self.mention_users],
            "mention_roles": [str(role_id) for role_id in sorted(self.pings.role_ids)],
            "attachments": [a.payload() for a in self.attachments],
            "embeds": copy.deepcopy(self.embeds),
            "pinned": self.pinned,
            "type": int(self.type),
            "flags": self.flags,
            "components": copy.deepcopy(self.components),
        }
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = copy.deepcopy(self.interaction_metadata)
        if self.interaction is not None:
            data["interaction"] = copy.deepcopy(self.interaction)
        if self.message_reference is not None:
            data["message_reference"] = dict(self.message_reference)
        if self.position is not None:
            data["position"] = self.position
        thread = self.thread
        if thread is not None and self._world is not None:
            data["thread"] = self._world.channel_payload(thread)
        return data

    def __repr__(self) -> str:
        return f"<Message {self.id} in {self.channel_id} by {self.author.username!r}: {self.content[:40]!r}>"


@dataclass(eq=False)
class Channel:
    """A guild channel, a thread or a DM channel, with the messages it holds."""

    id: int
    type: ChannelType
    guild_id: int | None
    name: str | None = None
    position: int = 0
    topic: str | None = None
    nsfw: bool = False
    parent_id: int | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    rate_limit_per_user: int = 0
    flags: int = 0
    available_tags: list[ForumTag] = field(default_factory=list)
    default_auto_archive_duration: int = 1440
    # threads
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    archive_timestamp: datetime | None = None
    applied_tags: list[int] = field(default_factory=list)
    member_ids: dict[int, datetime] = field(default_factory=dict)
    total_message_sent: int = 0
    # DMs
    recipients: list[User] = field(default_factory=list)
    # contents
    message_ids: list[int] = field(default_factory=list)
    deleted: bool = False
    _world: WorldRef | None = field(default=None, repr=False)

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def _require_world(self) -> WorldRef:
        if self._world is None:
            raise RuntimeError("channel is not part of an emulator world")
        return self._world

    @property
    def all_messages(self) -> list[Message]:
        """Every message ever sent here, deleted ones included, oldest first."""
        world = self._require_world()
        return [world.messages[message_id] for message_id in self.message_ids]

    @property
    def messages(self) -> list[Message]:
        """The messages a user sees now, oldest first."""
        return [message for message in self.all_messages if not message.deleted]

    @property
    def last_message_id(self) -> int | None:
        return self.message_ids[-1] if self.message_ids else None

    @property
    def threads(self) -> list[Channel]:
        """Threads (or forum posts) whose parent is this channel, oldest first."""
        world = self._require_world()
        return [c for c in world.channels.values() if c.parent_id == self.id and c.is_thread and not c.deleted]

    posts = threads

    @property
    def parent(self) -> Channel | None:
        return None if self.parent_id is None else self._require_world().channels.get(self.parent_id)

    def tag(self, name: str) -> ForumTag:
        for tag in self.available_tags:
            if tag.name == name:
                return tag
        raise KeyError(f"channel {self.name!r} has no tag {name!r}")

    @property
    def applied_tag_names(self) -> list[str]:
        parent = self.parent
        names = {tag.id: tag.name for tag in parent.available_tags} if parent else {}
        return [names.get(tag_id, str(tag_id)) for tag_id in self.applied_tags]

    def set_overwrite(self, target: Target, *, allow: int = NO_PERMISSIONS, deny: int = NO_PERMISSIONS) -> None:
        """Set a permission overwrite for a role or member (CHANNEL_UPDATE)."""
        self._require_world().set_overwrite(self, target, allow=allow, deny=deny)

    def remove_overwrite(self, target: Target) -> None:
        self._require_world().remove_overwrite(self, target)

    def delete(self) -> None:
        """Delete the channel (CHANNEL_DELETE, or THREAD_DELETE for a thread)."""
        self._require_world().delete_channel(self)

    def archive(self, *, locked: bool = False) -> None:
        """What Discord does to a thread after ``auto_archive_duration`` without activity (THREAD_UPDATE)."""
        if not self.is_thread:
            raise ValueError(f"{self!r} is not a thread")
        self.archived, self.locked = True, locked
        self.archive_timestamp = utcnow()
        self._require_world().channel_update(self)

    def __repr__(self) -> str:
        return f"<Channel {self.id} {self.name!r} type={self.type.name}>"


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    locale: str = "ja"
    features: list[str] = field(default_factory=list)
    joined_at: datetime | None = None
    bot_role_id: int | None = None
    _world: WorldRef | None = field(default=None, repr=False)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    @property
    def bot_role(self) -> Role | None:
        return None if self.bot_role_id is None else self.roles.get(self.bot_role_id)

    def _require_world(self) -> WorldRef:
        if self._world is None:
            raise RuntimeError("guild is not part of an emulator world")
        return self._world

    @property
    def channels(self) -> list[Channel]:
        """Channels (not threads) that were not deleted."""
        return self._require_world().guild_channels(self)

    def channel(self, name: str) -> Channel:
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(f"{self!r} has no channel {name!r}")

    def role(self, name: str) -> Role:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"{self!r} has no role {name!r}")

    def create_channel(
        self,
        name: str,
        type: ChannelType | str | int = ChannelType.TEXT,
        *,
        overwrites: Mapping[Target, PermOverwrite] | None = None,
        tags: Iterable[str] = (),
        topic: str | None = None,
        parent: Channel | None = None,
        require_tag: bool = False,
    ) -> Channel:
        """A text (``"text"``), announcement (``"news"``), forum (``"forum"``) or other channel."""
        return self._require_world().create_channel(
            self,
            name,
            type=type,
            overwrites=overwrites,
            tags=tags,
            topic=topic,
            parent=parent,
            require_tag=require_tag,
        )

    def add_member(self, user: User, roles: Iterable[Role] = (), *, nick: str | None = None) -> Member:
        return self._require_world().add_member(self, user, roles, nick=nick)

    def remove_member(self, user: User) -> None:
        self._require_world().remove_member(self, user)

    def create_role(
        self, name: str, *, permissions: int = NO_PERMISSIONS, mentionable: bool = False, color: int = 0
    ) -> Role:
        return self._require_world().create_role(
            self, name, permissions=permissions, mentionable=mentionable, color=color
        )

    def set_role_permissions(self, role: Role, permissions: int) -> None:
        """Change a role's permissions (GUILD_ROLE_UPDATE); @everyone is ``guild.everyone``."""
        self._require_world().update_role(role, permissions=permissions)

    def set_member_roles(self, user: User, roles: Iterable[Role]) -> Member:
        return self._require_world().set_member_roles(self, user, roles)

    def delete_channel(self, channel: Channel) -> None:
        self._require_world().delete_channel(channel)

    def __repr__(self) -> str:
        return f"<Guild {self.id} {self.name!r}>"


def hidden_embed_indexes(embeds: list[JsonDict]) -> list[int]:
    """Embeds Discord does not show: a later embed with the ``url`` of an earlier one in the same message is
    merged into it (its images join the first one's gallery, its text is dropped)."""
    seen: set[str] = set()
    hidden: list[int] = []
    for index, embed in enumerate(embeds):
        url = embed.get("url") if isinstance(embed, dict) else None
        if isinstance(url, str) and url:
            if url in seen:
                hidden.append(index)
            seen.add(url)
    return hidden


def iter_components(components: list[JsonDict]) -> list[JsonDict]:
    """All components, depth first, through action rows, sections, containers and labels."""
    found: list[JsonDict] = []
    for component in components:
        found.append(component)
        found.extend(iter_components(component.get("components") or []))
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, dict):
                found.extend(iter_components([child]))
    return found


#: Who a permission overwrite or a role change is for.
Target = Role | User | Member


class WorldRef(Protocol):
    """What the models ask of the :class:`~discord_emulator.world.World` that holds them (their convenience
    methods change state through it, so every change is also sent as a gateway event). A protocol, so that
    the models need not import the world that imports them."""

    channels: dict[int, Channel]
    messages: dict[int, Message]

    def channel_payload(self, channel: Channel, *, for_user_id: int | None = None) -> JsonDict: ...
    def channel_update(self, channel: Channel) -> None: ...
    def delete_channel(self, channel: Channel) -> None: ...
    def guild_channels(self, guild: Guild) -> list[Channel]: ...
    def set_overwrite(self, channel: Channel, target: Target, *, allow: int = ..., deny: int = ...) -> None: ...
    def remove_overwrite(self, channel: Channel, target: Target) -> None: ...
    def add_member(
        self, guild: Guild, user: User, roles: Iterable[Role] = ..., *, nick: str | None = ...
    ) -> Member: ...
    def remove_member(self, guild: Guild, user: User) -> None: ...
    def set_member_roles(self, guild: Guild, user: User, roles: Iterable[Role]) -> Member: ...
    def create_role(
        self,
        guild: Guild,
        name: str,
        *,
        permissions: int = ...,
        mentionable: bool = ...,
        color: int = ...,
        hoist: bool = ...,
    ) -> Role: ...
    def update_role(self, role: Role, **changes: Any) -> Role: ...
    def create_channel(
        self,
        guild: Guild,
        name: str,
        *,
        type: ChannelType | str | int = ...,
        overwrites: Mapping[Target, PermOverwrite] | None = ...,
        tags: Iterable[str] = ...,
        topic: str | None = ...,
        parent: Channel | None = ...,
        require_tag: bool = ...,
        position: int | None = ...,
        raw_overwrites: Iterable[Overwrite] = ...,
    ) -> Channel: ...
