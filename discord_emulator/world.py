"""The emulated Discord state: users, guilds, roles, channels, messages; permissions; gateway events.

Every change goes through a method here, which emits the matching :class:`GatewayEvent` to the
listeners (the gateway) and wakes anyone waiting in :meth:`World.wait_until`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from .events import GatewayEvent, Intent, SessionView
from .models import (
    CHANNEL_TYPE_NAMES,
    FORUM_TYPES,
    Attachment,
    Channel,
    ChannelFlag,
    ChannelType,
    ForumTag,
    Guild,
    Member,
    Message,
    Role,
    Target,
    User,
)
from .permissions import (
    ALL_PERMISSIONS,
    DEFAULT_BOT,
    DEFAULT_EVERYONE,
    DM_PERMISSIONS,
    NO_PERMISSIONS,
    Overwrite,
    Permission,
    PermOverwrite,
    apply_implicit,
    apply_overwrites,
    base_permissions,
)
from .snowflake import SnowflakeGenerator, iso, snowflake_time, utcnow

JsonDict = dict[str, Any]
T = TypeVar("T")
POLL_INTERVAL = 0.02


class World:
    """All emulated state, independent of HTTP and websockets."""

    def __init__(self, *, bot_name: str = "zundabot") -> None:
        self.ids = SnowflakeGenerator()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.attachments: dict[int, Attachment] = {}
        self.dm_channel_ids: dict[int, int] = {}
        #: Users who installed the app for themselves (user install): its commands follow them everywhere.
        self.user_installs: set[int] = set()
        self.cdn_base = "http://127.0.0.1"
        self._listeners: list[Callable[[GatewayEvent], None]] = []
        self._changed: asyncio.Event | None = None
        self.bot = self.create_user(bot_name, bot=True)
        self.application_id = self.bot.id

    # --- events and waiting ----------------------------------------------------------------------

    def add_listener(self, listener: Callable[[GatewayEvent], None]) -> None:
        self._listeners.append(listener)

    def emit(self, event: GatewayEvent) -> None:
        for listener in self._listeners:
            listener(event)
        self.touch()

    def touch(self) -> None:
        """Wake every waiter: something changed."""
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def wait_until(
        self,
        predicate: Callable[[], T | None],
        timeout: float,  # noqa: ASYNC109
        what: str = "condition",
    ) -> T:
        """Return ``predicate()`` as soon as it is truthy; TimeoutError after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout:.2f}s waiting for {what}")
            if self._changed is None:
                self._changed = asyncio.Event()
            # Wake on every change, and poll a little so predicates on outside state work too.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, POLL_INTERVAL))

    # --- users -----------------------------------------------------------------------------------

    def create_user(
        self,
        name: str,
        *,
        bot: bool = False,
        dms_open: bool = True,
        locale: str = "ja",
        global_name: str | None = None,
    ) -> User:
        user = User(
            id=self.ids.next(),
            username=name,
            bot=bot,
            dms_open=dms_open,
            locale=locale,
            global_name=global_name,
        )
        self.users[user.id] = user
        return user

    # --- guilds ----------------------------------------------------------------------------------

    def create_guild(
        self,
        name: str,
        *,
        owner: User | None = None,
        bot_permissions: int = DEFAULT_BOT,
        everyone_permissions: int = DEFAULT_EVERYONE,
        locale: str = "ja",
        with_bot: bool = True,
    ) -> Guild:
        """A guild with @everyone, the bot's managed role and its owner; GUILD_CREATE if the bot is in it."""
        owner = owner or self.create_user(f"{name}-owner")
        guild = Guild(id=self.ids.next(), name=name, owner_id=owner.id, locale=locale, _world=self)
        guild.roles[guild.id] = Role(id=guild.id, guild_id=guild.id, name="@everyone", permissions=everyone_permissions)
        self.guilds[guild.id] = guild
        self._add_member(guild, owner, [])
        if with_bot:
            self._join_bot(guild, bot_permissions)
        return guild

    def _join_bot(self, guild: Guild, bot_permissions: int) -> None:
        role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=self.bot.username,
            permissions=bot_permissions,
            position=len(guild.roles),
            managed=True,
            bot_id=self.bot.id,
        )
        guild.roles[role.id] = role
        guild.bot_role_id = role.id
        guild.joined_at = utcnow()
        self._add_member(guild, self.bot, [role.id])
        self.emit(
            GatewayEvent(
                "GUILD_CREATE",
                guild_id=guild.id,
                intents=Intent.GUILDS,
                render=lambda view: self.guild_create_payload(guild, view, joined=True),
            )
        )

    def add_bot(self, guild: Guild, *, bot_permissions: int = DEFAULT_BOT) -> None:
        """The bot joins an existing guild (GUILD_CREATE)."""
        if self.bot.id not in guild.members:
            self._join_bot(guild, bot_permissions)

    def remove_bot(self, guild: Guild) -> None:
        """The bot is removed from the guild (GUILD_DELETE)."""
        guild.members.pop(self.bot.id, None)
        if guild.bot_role_id is not None:
            guild.roles.pop(guild.bot_role_id, None)
            guild.bot_role_id = None
        self.emit(GatewayEvent("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id, intents=Intent.GUILDS))

    def bot_in(self, guild: Guild) -> bool:
        return self.bot.id in guild.members

    def guild_channels(self, guild: Guild) -> list[Channel]:
        return [c for c in self.channels.values() if c.guild_id == guild.id and not c.is_thread and not c.deleted]

    def guild_threads(self, guild: Guild) -> list[Channel]:
        return [c for c in self.channels.values() if c.guild_id == guild.id and c.is_thread and not c.deleted]

    # --- members and roles -----------------------------------------------------------------------

    def _add_member(self, guild: Guild, user: User, role_ids: list[int], nick: str | None = None) -> Member:
        member = Member(user=user, guild_id=guild.id, role_ids=list(role_ids), joined_at=utcnow(), nick=nick)
        guild.members[user.id] = member
        return member

    def add_member(self, guild: Guild, user: User, roles: Iterable[Role] = (), *, nick: str | None = None) -> Member:
        member = self._add_member(guild, user, [role.id for role in roles], nick)
        data = member.payload() | {"guild_id": str(guild.id)}
        self.emit(GatewayEvent("GUILD_MEMBER_ADD", data, guild_id=guild.id, intents=Intent.GUILD_MEMBERS))
        return member

    def remove_member(self, guild: Guild, user: User) -> None:
        guild.members.pop(user.id, None)
        data = {"guild_id": str(guild.id), "user": user.payload()}
        self.emit(GatewayEvent("GUILD_MEMBER_REMOVE", data, guild_id=guild.id, intents=Intent.GUILD_MEMBERS))

    def set_member_roles(self, guild: Guild, user: User, roles: Iterable[Role]) -> Member:
        member = guild.members[user.id]
        member.role_ids = [role.id for role in roles]
        self._emit_member_update(guild, member)
        return member

    def _emit_member_update(self, guild: Guild, member: Member) -> None:
        data = member.payload() | {"guild_id": str(guild.id)}
        # Sent for the current user regardless of the GUILD_MEMBERS intent (gateway, caveats).
        intents = 0 if member.user.id == self.bot.id else int(Intent.GUILD_MEMBERS)
        self.emit(GatewayEvent("GUILD_MEMBER_UPDATE", data, guild_id=guild.id, intents=intents))

    def create_role(
        self,
        guild: Guild,
        name: str,
        *,
        permissions: int = NO_PERMISSIONS,
        mentionable: bool = False,
        color: int = 0,
        hoist: bool = False,
    ) -> Role:
        role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            permissions=int(permissions),
            position=len(guild.roles),
            mentionable=mentionable,
            color=color,
            hoist=hoist,
        )
        guild.roles[role.id] = role
        data = {"guild_id": str(guild.id), "role": role.payload()}
        self.emit(GatewayEvent("GUILD_ROLE_CREATE", data, guild_id=guild.id, intents=Intent.GUILDS))
        return role

    def update_role(self, role: Role, **changes: Any) -> Role:
        for key, value in changes.items():
            if not hasattr(role, key):
                raise AttributeError(f"Role has no field {key!r}")
            setattr(role, key, int(value) if key == "permissions" else value)
        data = {"guild_id": str(role.guild_id), "role": role.payload()}
        self.emit(GatewayEvent("GUILD_ROLE_UPDATE", data, guild_id=role.guild_id, intents=Intent.GUILDS))
        return role

    def delete_role(self, role: Role) -> None:
        guild = self.guilds[role.guild_id]
        guild.roles.pop(role.id, None)
        for member in guild.members.values():
            if role.id in member.role_ids:
                member.role_ids.remove(role.id)
        data = {"guild_id": str(guild.id), "role_id": str(role.id)}
        self.emit(GatewayEvent("GUILD_ROLE_DELETE", data, guild_id=guild.id, intents=Intent.GUILDS))

    # --- channels --------------------------------------------------------------------------------

    def _overwrite_for(self, guild: Guild, target: Target, spec: PermOverwrite) -> Overwrite:
        if isinstance(target, Role):
            return Overwrite(id=target.id, type=0, allow=int(spec.allow), deny=int(spec.deny))
        user = target.user if isinstance(target, Member) else target
        return Overwrite(id=user.id, type=1, allow=int(spec.allow), deny=int(spec.deny))

    def create_channel(
        self,
        guild: Guild,
        name: str,
        *,
        type: ChannelType | str | int = ChannelType.TEXT,
        overwrites: Mapping[Target, PermOverwrite] | None = None,
        tags: Iterable[str] = (),
        topic: str | None = None,
        parent: Channel | None = None,
        require_tag: bool = False,
        position: int | None = None,
        raw_overwrites: Iterable[Overwrite] = (),
    ) -> Channel:
        kind = CHANNEL_TYPE_NAMES[type] if isinstance(type, str) else ChannelType(type)
        channel = Channel(
            id=self.ids.next(),
            type=kind,
            guild_id=guild.id,
            name=name,
            topic=topic,
            parent_id=parent.id if parent else None,
            position=position if position is not None else len(self.guild_channels(guild)),
            overwrites=[
                *(self._overwrite_for(guild, t, spec) for t, spec in (overwrites or {}).items()),
                *raw_overwrites,
            ],
            available_tags=[ForumTag(id=self.ids.next(), name=tag) for tag in tags],
            flags=int(ChannelFlag.REQUIRE_TAG) if require_tag else 0,
            _world=self,
        )
        self.channels[channel.id] = channel
        self.emit(
            GatewayEvent("CHANNEL_CREATE", self.channel_payload(channel), guild_id=guild.id, intents=Intent.GUILDS)
        )
        return channel

    def channel_update(self, channel: Channel) -> None:
        """Emit CHANNEL_UPDATE / THREAD_UPDATE for a changed channel."""
        name = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
        self.emit(GatewayEvent(name, self.channel_payload(channel), guild_id=channel.guild_id, intents=Intent.GUILDS))

    def set_overwrite(
        self, channel: Channel, target: Target, *, allow: int = NO_PERMISSIONS, deny: int = NO_PERMISSIONS
    ) -> None:
        guild = self.guilds[channel.guild_id or 0]
        overwrite = self._overwrite_for(guild, target, PermOverwrite(allow, deny))
        channel.overwrites = [o for o in channel.overwrites if (o.type, o.id) != (overwrite.type, overwrite.id)]
        channel.overwrites.append(overwrite)
        self.channel_update(channel)

    def remove_overwrite(self, channel: Channel, target: Target) -> None:
        guild = self.guilds[channel.guild_id or 0]
        overwrite = self._overwrite_for(guild, target, PermOverwrite())
        channel.overwrites = [o for o in channel.overwrites if (o.type, o.id) != (overwrite.type, overwrite.id)]
        self.channel_update(channel)

    def delete_channel(self, channel: Channel) -> None:
        """Delete a channel (and its threads): CHANNEL_DELETE / THREAD_DELETE."""
        for thread in channel.threads:
            self.delete_channel(thread)
        channel.deleted = True
        if channel.is_thread:
            data = {
                "id": str(channel.id),
                "guild_id": str(channel.guild_id),
                "parent_id": str(channel.parent_id),
                "type": int(channel.type),
            }
            self.emit(GatewayEvent("THREAD_DELETE", data, guild_id=channel.guild_id, intents=Intent.GUILDS))
        else:
            self.emit(
                GatewayEvent(
                    "CHANNEL_DELETE",
                    self.channel_payload(channel),
                    guild_id=channel.guild_id,
                    intents=Intent.GUILDS,
                )
            )

    def dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with ``user`` (created on first use)."""
        channel_id = self.dm_channel_ids.get(user.id)
        if channel_id is not None:
            return self.channels[channel_id]
        channel = Channel(id=self.ids.next(), type=ChannelType.DM, guild_id=None, recipients=[user], _world=self)
        self.channels[channel.id] = channel
        self.dm_channel_ids[user.id] = channel.id
        return channel

    def group_dm(self, owner: User, members: Iterable[User], name: str | None = None) -> Channel:
        """A group DM of ``owner`` and ``members``: the bot is not in it (only a user install reaches it)."""
        channel = Channel(
            id=self.ids.next(),
            type=ChannelType.GROUP_DM,
            guild_id=None,
            name=name,
            owner_id=owner.id,
            recipients=[owner, *members],
            _world=self,
        )
        self.channels[channel.id] = channel
        return channel

    # --- permissions -----------------------------------------------------------------------------

    def guild_permissions(self, guild: Guild, user_id: int) -> int:
        member = guild.members.get(user_id)
        if member is None:
            return NO_PERMISSIONS
        return base_permissions(
            is_owner=guild.owner_id == user_id,
            everyone=guild.everyone.permissions,
            role_permissions=[guild.roles[r].permissions for r in member.role_ids if r in guild.roles],
        )

    def permissions_in(self, channel: Channel, user_id: int) -> int:
        """``user_id``'s computed permissions in ``channel`` (threads use their parent's overwrites)."""
        if channel.guild_id is None:
            recipients = {user.id for user in channel.recipients}
            if channel.type == ChannelType.DM:
                recipients.add(self.bot.id)
            return DM_PERMISSIONS if user_id in recipients else NO_PERMISSIONS
        guild = self.guilds.get(channel.guild_id)
        if guild is None or user_id not in guild.members:
            return NO_PERMISSIONS
        source = channel.parent if channel.is_thread and channel.parent is not None else channel
        base = self.guild_permissions(guild, user_id)
        if base == ALL_PERMISSIONS:
            return ALL_PERMISSIONS
        member = guild.members[user_id]
        computed = apply_overwrites(
            base, source.overwrites, guild_id=guild.id, role_ids=member.role_ids, user_id=user_id
        )
        if (
            channel.type == ChannelType.PRIVATE_THREAD
            and user_id not in channel.member_ids
            and not computed & Permission.MANAGE_THREADS
        ):
            return NO_PERMISSIONS
        return apply_implicit(computed, thread=channel.is_thread)

    def bot_permissions(self, channel: Channel) -> int:
        return self.permissions_in(channel, self.bot.id)

    # --- payloads --------------------------------------------------------------------------------

    def channel_payload(self, channel: Channel, *, for_user_id: int | None = None) -> JsonDict:
        data: JsonDict = {"id": str(channel.id), "type": int(channel.type), "flags": channel.flags}
        last = channel.last_message_id
        if channel.type == ChannelType.DM:
            data.update(
                recipients=[user.payload() for user in channel.recipients],
                last_message_id=str(last) if last else None,
            )
            return data
        if channel.type == ChannelType.GROUP_DM:
            data.update(
                recipients=[user.payload() for user in channel.recipients if user.id != for_user_id],
                name=channel.name,
                icon=None,
                owner_id=str(channel.owner_id),
                last_message_id=str(last) if last else None,
            )
            return data
        data.update(
            guild_id=str(channel.guild_id),
            name=channel.name,
            parent_id=str(channel.parent_id) if channel.parent_id else None,
            rate_limit_per_user=channel.rate_limit_per_user,
            last_message_id=str(last) if last else None,
        )
        if channel.is_thread:
            data.update(
                owner_id=str(channel.owner_id) if channel.owner_id else None,
                message_count=max(0, len([m for m in channel.messages if m.id != channel.id])),
                member_count=min(50, len(channel.member_ids)),
                total_message_sent=channel.total_message_sent,
                thread_metadata={
                    "archived": channel.archived,
                    "auto_archive_duration": channel.auto_archive_duration,
                    "archive_timestamp": iso(channel.archive_timestamp or snowflake_time(channel.id)),
                    "locked": channel.locked,
                    "create_timestamp": iso(snowflake_time(channel.id)),
                    **({"invitable": channel.invitable} if channel.type == ChannelType.PRIVATE_THREAD else {}),
                },
                applied_tags=[str(tag) for tag in channel.applied_tags],
            )
            joined = channel.member_ids.get(self.bot.id)
            if joined is not None:
                data["member"] = {
                    "id": str(channel.id),
                    "user_id": str(self.bot.id),
                    "join_timestamp": iso(joined),
                    "flags": 0,
                }
        else:
            data.update(
                position=channel.position,
                permission_overwrites=[o.payload() for o in channel.overwrites],
                topic=channel.topic,
                nsfw=channel.nsfw,
                default_auto_archive_duration=channel.default_auto_archive_duration,
            )
            if channel.type in FORUM_TYPES:
                data.update(
                    available_tags=[tag.payload() for tag in channel.available_tags],
                    default_reaction_emoji=None,
                    default_thread_rate_limit_per_user=0,
                    default_sort_order=None,
                    default_forum_layout=0,
                )
        if for_user_id is not None:
            data["permissions"] = str(self.permissions_in(channel, for_user_id))
        return data

    def guild_payload(self, guild: Guild) -> JsonDict:
        """The guild object of the REST API."""
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [role.payload() for role in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": list(guild.features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": guild.locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
        }

    def guild_create_payload(self, guild: Guild, view: SessionView, *, joined: bool = False) -> JsonDict:
        """GUILD_CREATE for one session: without GUILD_PRESENCES only the bot's own member is listed.

        After READY a guild becomes available (``unavailable: false``); a guild joined later has no such key.
        """
        large = len(guild.members) > view.large_threshold
        if view.intents & Intent.GUILD_PRESENCES and not large:
            members = list(guild.members.values())
        else:
            members = [m for m in guild.members.values() if m.user.id == self.bot.id]
        visible_threads = [t for t in self.guild_threads(guild) if not t.archived and self.bot_permissions(t)]
        payload = self.guild_payload(guild) | {
            "joined_at": iso(guild.joined_at or utcnow()),
            "large": large,
            "member_count": len(guild.members),
            "voice_states": [],
            "members": [m.payload() for m in members],
            "channels": [self.channel_payload(c) for c in self.guild_channels(guild)],
            "threads": [self.channel_payload(t) for t in visible_threads],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
        if not joined:
            payload["unavailable"] = False
        return payload

    def message_event(self, name: str, message: Message) -> GatewayEvent:
        """MESSAGE_CREATE / MESSAGE_UPDATE with guild_id, the author's member and channel_type."""
        data = message.payload()
        channel = self.channels.get(message.channel_id)
        if message.ephemeral:
            # Ephemeral messages go to the user and the bot directly, tied to DIRECT_MESSAGES.
            return GatewayEvent(name, data, guild_id=None, intents=Intent.DIRECT_MESSAGES, has_content=True)
        if channel is not None:
            data["channel_type"] = int(channel.type)
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
            guild = self.guilds.get(message.guild_id)
            member = guild.members.get(message.author.id) if guild else None
            if member is not None and message.webhook_id is None:
                data["member"] = member.payload(with_user=False)
        exempt = (
            message.author.id == self.bot.id
            or message.guild_id is None
            or f"<@{self.bot.id}>" in message.content
            or f"<@!{self.bot.id}>" in message.content
        )
        intents = Intent.GUILD_MESSAGES if message.guild_id is not None else Intent.DIRECT_MESSAGES
        return GatewayEvent(
            name, data, guild_id=message.guild_id, intents=intents, has_content=True, content_exempt=exempt
        )
