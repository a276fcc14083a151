"""What one member sees of the emulated world, as JSON for the studio page (no HTTP here).

Everything is plain data: the page renders it with DOM text nodes, never as HTML.
"""

from __future__ import annotations

from typing import Any

from discord_emulator.commands import AppCommand
from discord_emulator.models import Channel, ChannelType, Guild, Message, MessageFlag, User, iter_components
from discord_emulator.permissions import Permission, has
from discord_emulator.snowflake import iso
from discord_emulator.validation import V2_COMPONENTS, V2_TEXT
from discord_emulator.world import World

JsonDict = dict[str, Any]

#: Discord's message limits the page warns about once a message uses this share of one.
NEAR_LIMIT = 0.8
CONTENT_LIMIT = 2000
EMBEDS_LIMIT = 10
EMBED_TOTAL_LIMIT = 6000
EMBED_FIELD_LIMIT = 25
EMBED_PART_LIMITS = {"title": 256, "description": 4096}
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_NAME_LIMIT = 256

CHANNEL_KINDS = {
    ChannelType.TEXT: "text",
    ChannelType.NEWS: "news",
    ChannelType.FORUM: "forum",
    ChannelType.MEDIA: "forum",
    ChannelType.PUBLIC_THREAD: "thread",
    ChannelType.PRIVATE_THREAD: "thread",
    ChannelType.NEWS_THREAD: "thread",
    ChannelType.DM: "dm",
}


def user_json(user: User, guild: Guild | None = None) -> JsonDict:
    member = guild.members.get(user.id) if guild else None
    name = (member.nick if member else None) or user.global_name or user.username
    color = 0
    if guild is not None and member is not None:
        roles = sorted((guild.roles[r] for r in member.role_ids if r in guild.roles), key=lambda r: r.position)
        color = next((r.color for r in reversed(roles) if r.color), 0)
    return {"id": str(user.id), "name": name, "username": user.username, "bot": user.bot, "color": color}


def can_see(world: World, channel: Channel, viewer: User) -> bool:
    """Whether ``viewer`` may see the channel (a DM: only its recipients)."""
    if channel.guild_id is None:
        return any(user.id == viewer.id for user in channel.recipients)
    return bool(world.permissions_in(channel, viewer.id) & Permission.VIEW_CHANNEL)


def channel_json(world: World, channel: Channel, viewer: User) -> JsonDict:
    data: JsonDict = {
        "id": str(channel.id),
        "name": channel.name or "",
        "kind": CHANNEL_KINDS.get(channel.type, "other"),
        "topic": channel.topic,
        "parent_id": str(channel.parent_id) if channel.parent_id else None,
        "private": bool(
            channel.guild_id is not None and not channel.is_thread and _hidden_from_everyone(world, channel)
        ),
    }
    if channel.is_thread:
        data["archived"] = channel.archived
        data["tags"] = channel.applied_tag_names
        data["message_count"] = len(channel.messages)
    if channel.guild_id is not None:
        permissions = world.permissions_in(channel, viewer.id)
        needed = Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES
        data["can_send"] = has(permissions, int(needed))
    else:
        data["can_send"] = True
        data["name"] = world.bot.username
    return data


def _hidden_from_everyone(world: World, channel: Channel) -> bool:
    everyone = next((o for o in channel.overwrites if o.type == 0 and o.id == channel.guild_id), None)
    return everyone is not None and bool(everyone.deny & Permission.VIEW_CHANNEL)


def world_json(world: World, viewer: User) -> JsonDict:
    """The guilds ``viewer`` is in, with the channels and threads they can see, and their DM with the bot."""
    guilds = []
    for guild in world.guilds.values():
        if viewer.id not in guild.members or not world.bot_in(guild):
            continue
        channels = [
            c for c in sorted(world.guild_channels(guild), key=lambda c: c.position) if can_see(world, c, viewer)
        ]
        threads = [t for t in world.guild_threads(guild) if can_see(world, t, viewer)]
        guilds.append(
            {
                "id": str(guild.id),
                "name": guild.name,
                "channels": [channel_json(world, c, viewer) for c in channels],
                "threads": [channel_json(world, t, viewer) for t in threads],
            }
        )
    dm_id = world.dm_channel_ids.get(viewer.id)
    dms = [channel_json(world, world.channels[dm_id], viewer)] if dm_id is not None else []
    return {"guilds": guilds, "dms": dms, "bot": user_json(world.bot)}


def visible_messages(world: World, channel: Channel, viewer: User) -> list[Message]:
    """The channel's messages plus the ephemeral answers only ``viewer`` sees there, oldest first."""
    mine = [
        m
        for m in world.messages.values()
        if m.ephemeral
        and not m.deleted
        and m.channel_id == channel.id
        and str((m.interaction_metadata or {}).get("user", {}).get("id")) == str(viewer.id)
    ]
    return sorted([*channel.messages, *mine], key=lambda m: m.id)


def channel_view(world: World, channel: Channel, viewer: User, *, limit: int = 100) -> JsonDict:
    """A channel as ``viewer`` sees it: messages (the last ``limit``), forum posts, and names for mentions."""
    guild = world.guilds.get(channel.guild_id) if channel.guild_id else None
    messages = visible_messages(world, channel, viewer)[-limit:]
    data: JsonDict = {
        "channel": channel_json(world, channel, viewer),
        "messages": [message_json(world, m, viewer, guild) for m in messages],
        "names": names_json(world, guild),
    }
    if channel.type in (ChannelType.FORUM, ChannelType.MEDIA):
        posts = [t for t in channel.threads if can_see(world, t, viewer)]
        data["posts"] = [
            channel_json(world, post, viewer) | {"first": _first_message(world, post, viewer, guild)}
            for post in sorted(posts, key=lambda t: t.id, reverse=True)
        ]
    return data


def _first_message(world: World, thread: Channel, viewer: User, guild: Guild | None) -> JsonDict | None:
    messages = thread.messages
    return message_json(world, messages[0], viewer, guild) if messages else None


def names_json(world: World, guild: Guild | None) -> JsonDict:
    """Display names of users, roles and channels, to show mentions as Discord does."""
    users = {str(u.id): user_json(u, guild)["name"] for u in world.users.values()}
    roles: JsonDict = {}
    channels: JsonDict = {}
    if guild is not None:
        roles = {str(r.id): {"name": r.name, "color": r.color} for r in guild.roles.values()}
        channels = {
            str(c.id): c.name or "" for c in world.channels.values() if c.guild_id == guild.id and not c.deleted
        }
    return {"users": users, "roles": roles, "channels": channels}


def message_json(world: World, message: Message, viewer: User, guild: Guild | None) -> JsonDict:
    pings = message.pings
    member = guild.members.get(viewer.id) if guild else None
    viewer_roles = set(member.role_ids) if member else set()
    data: JsonDict = {
        "id": str(message.id),
        "channel_id": str(message.channel_id),
        "author": user_json(message.author, guild),
        "content": message.content,
        "embeds": message.embeds,
        "components": message.components,
        "attachments": [
            {"filename": a.filename, "url": a.url, "size": a.size, "content_type": a.content_type}
            for a in message.attachments
        ],
        "timestamp": iso(message.timestamp),
        "edited": iso(message.edited_at) if message.edited_at else None,
        "ephemeral": message.ephemeral,
        "loading": bool(message.flags & MessageFlag.LOADING),
        "pings": {
            "users": [str(u) for u in sorted(pings.user_ids)],
            "roles": [str(r) for r in sorted(pings.role_ids)],
            "everyone": pings.everyone,
            "me": viewer.id in pings.user_ids or bool(viewer_roles & pings.role_ids) or pings.everyone,
        },
        "limits": near_limits(message),
    }
    metadata = message.interaction_metadata
    if message.interaction is not None or metadata is not None:
        source = message.interaction or metadata or {}
        user_id = int((source.get("user") or {}).get("id") or 0)
        user = world.users.get(user_id)
        data["interaction"] = {
            "name": source.get("name"),
            "user": user_json(user, guild) if user else None,
        }
    thread = message.thread
    if thread is not None and not thread.deleted:
        data["thread"] = {"id": str(thread.id), "name": thread.name, "message_count": len(thread.messages)}
    return data


def _near(what: str, used: int, limit: int) -> JsonDict | None:
    return {"what": what, "used": used, "limit": limit} if used >= NEAR_LIMIT * limit else None


def near_limits(message: Message) -> list[JsonDict]:
    """Discord limits this message uses 80 % or more of (content 2000, 10 embeds, 25 fields, 6000 per message...,
    and for a V2 message 40 components and 4000 characters of text)."""
    found = [_near("content", len(message.content), CONTENT_LIMIT), _near("embeds", len(message.embeds), EMBEDS_LIMIT)]
    total = 0
    for index, embed in enumerate(message.embeds, 1):
        for part, limit in EMBED_PART_LIMITS.items():
            text = str(embed.get(part) or "")
            total += len(text)
            found.append(_near(f"embed {index} {part}", len(text), limit))
        fields = embed.get("fields") or []
        found.append(_near(f"embed {index} fields", len(fields), EMBED_FIELD_LIMIT))
        for number, field in enumerate(fields, 1):
            name, value = str(field.get("name") or ""), str(field.get("value") or "")
            total += len(name) + len(value)
            found.append(_near(f"embed {index} field {number} name", len(name), FIELD_NAME_LIMIT))
            found.append(_near(f"embed {index} field {number} value", len(value), FIELD_VALUE_LIMIT))
        footer = str((embed.get("footer") or {}).get("text") or "")
        author = str((embed.get("author") or {}).get("name") or "")
        total += len(footer) + len(author)
        found.append(_near(f"embed {index} footer", len(footer), FOOTER_LIMIT))
        found.append(_near(f"embed {index} author", len(author), AUTHOR_NAME_LIMIT))
    found.append(_near("embeds total", total, EMBED_TOTAL_LIMIT))
    if message.flags & MessageFlag.IS_COMPONENTS_V2:
        every = iter_components(message.components)
        characters = sum(len(str(c.get("content") or "")) for c in every if c.get("type") == 10)
        found.append(_near("components", len(every), V2_COMPONENTS))
        found.append(_near("components text", characters, V2_TEXT))
    return [item for item in found if item is not None]


def _localized(data: JsonDict, key: str, locale: str) -> str:
    names = data.get(f"{key}_localizations") or {}
    return str(names.get(locale) or names.get(locale.split("-")[0]) or data.get(key) or "")


def _option_json(option: JsonDict, locale: str) -> JsonDict:
    return {
        "name": option["name"],
        "label": _localized(option, "name", locale),
        "description": _localized(option, "description", locale),
        "type": option["type"],
        "required": bool(option.get("required")),
        "autocomplete": bool(option.get("autocomplete")),
        "choices": [{"name": _localized(c, "name", locale), "value": c["value"]} for c in option.get("choices") or []],
        "min_value": option.get("min_value"),
        "max_value": option.get("max_value"),
        "min_length": option.get("min_length"),
        "max_length": option.get("max_length"),
    }


def command_entries(command: AppCommand, locale: str) -> list[JsonDict]:
    """One entry per invocable path of a chat command (``letters status``), names in the viewer's language."""
    entries: list[JsonDict] = []

    def walk(options: list[JsonDict], path: list[str], labels: list[str], description: str) -> None:
        subs = [o for o in options if o.get("type") in (1, 2)]
        if not subs:
            entries.append(
                {
                    "path": " ".join(path),
                    "label": " ".join(labels),
                    "description": description,
                    "options": [_option_json(o, locale) for o in options],
                }
            )
            return
        for sub in subs:
            walk(
                sub.get("options") or [],
                [*path, sub["name"]],
                [*labels, _localized(sub, "name", locale)],
                _localized(sub, "description", locale),
            )

    data = command.data
    walk(
        data.get("options") or [],
        [command.name],
        [_localized(data, "name", locale)],
        _localized(data, "description", locale),
    )
    return entries
