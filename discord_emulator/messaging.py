"""Messages and threads as Discord handles them: permission checks, validation, nonces, mentions, events."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from . import errors as err
from .errors import ApiError, FormErrors
from .events import GatewayEvent, Intent
from .mentions import DEFAULT_PARSE_MESSAGE, compute_pings, mentionable_text
from .models import (
    FORUM_TYPES,
    MESSAGE_CHANNEL_TYPES,
    Attachment,
    Channel,
    ChannelFlag,
    ChannelType,
    ForumTag,
    Message,
    MessageFlag,
    MessageType,
    User,
)
from .permissions import Overwrite, Permission, has
from .snowflake import utcnow
from .validation import (
    assign_component_ids,
    check_flags,
    check_flags_kept,
    is_empty_message,
    normalise_embeds,
    validate_message,
)
from .world import World

JsonDict = dict[str, Any]

ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
#: Flags a bot may set when creating a message (resources/message, Create Message).
SETTABLE_FLAGS = int(
    MessageFlag.SUPPRESS_EMBEDS
    | MessageFlag.SUPPRESS_NOTIFICATIONS
    | MessageFlag.IS_VOICE_MESSAGE
    | MessageFlag.IS_COMPONENTS_V2
)
#: Flags the first message of a forum post may carry (resources/channel, Forum and Media Thread Message Params):
#: not IS_COMPONENTS_V2, so a forum post cannot start with a V2 layout.
FORUM_STARTER_FLAGS = int(MessageFlag.SUPPRESS_EMBEDS | MessageFlag.SUPPRESS_NOTIFICATIONS)


@dataclass(frozen=True)
class UploadedFile:
    """A ``files[n]`` part of a multipart body."""

    index: int
    filename: str
    data: bytes
    content_type: str | None = None


class Messaging:
    """Creates, edits and deletes messages and threads in a :class:`World`."""

    def __init__(
        self, world: World, *, nonce_window: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.world = world
        self.nonce_window = nonce_window
        self._clock = clock
        self._nonces: dict[tuple[int, int, str], tuple[int, float]] = {}

    # --- helpers ---------------------------------------------------------------------------------

    def _require(self, permissions: int, wanted: int) -> None:
        if not has(permissions, wanted):
            raise err.missing_permissions()

    def check_send(self, channel: Channel, *, files: int = 0, tts: bool = False, reply: bool = False) -> int:
        """Raise what Discord answers when the bot may not post here; return its permissions."""
        world = self.world
        if channel.type == ChannelType.DM:
            recipient = channel.recipients[0]
            if recipient.bot or not recipient.dms_open:
                raise err.cannot_message_user()
            return world.bot_permissions(channel)
        if channel.type not in MESSAGE_CHANNEL_TYPES:
            raise err.non_text_channel()
        permissions = world.bot_permissions(channel)
        if not permissions & Permission.VIEW_CHANNEL:
            raise err.missing_access()
        send = Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES
        self._require(permissions, send)
        if files:
            self._require(permissions, Permission.ATTACH_FILES)
        if tts:
            self._require(permissions, Permission.SEND_TTS_MESSAGES)
        if reply:
            self._require(permissions, Permission.READ_MESSAGE_HISTORY)
        if channel.is_thread and channel.archived:
            if channel.locked and not permissions & Permission.MANAGE_THREADS:
                raise err.thread_archived()
            channel.archived = False
            channel.archive_timestamp = utcnow()
            world.channel_update(channel)
        return permissions

    def _attachments(
        self,
        body: JsonDict,
        files: Collection[UploadedFile],
        channel_id: int,
        existing: list[Attachment],
        errors: FormErrors,
        path: tuple[str | int, ...],
    ) -> list[Attachment]:
        """Kept attachments plus new uploads, following the ``attachments`` array when given."""
        uploads = {f.index: f for f in files}
        entries = body.get("attachments")
        result: list[Attachment] = []
        if entries is None:
            result.extend(existing)
            pending = list(uploads.values())
            descriptions: dict[int, str | None] = {}
        else:
            by_id = {a.id: a for a in existing}
            pending = []
            descriptions = {}
            for index, entry in enumerate(entries):
                try:
                    ref = int(entry.get("id"))
                except (TypeError, ValueError, AttributeError):
                    errors.required((*path, "attachments", index, "id"))
                    continue
                if ref in by_id:
                    result.append(by_id[ref])
                elif ref in uploads:
                    pending.append(uploads[ref])
                    descriptions[ref] = entry.get("description")
                else:
                    errors.add(
                        (*path, "attachments", index, "id"),
                        "ATTACHMENT_NOT_FOUND",
                        f"Unknown attachment or file index {ref}",
                    )
        for upload in pending:
            attachment_id = self.world.ids.next()
            attachment = Attachment(
                id=attachment_id,
                filename=upload.filename,
                data=upload.data,
                url=f"{self.world.cdn_base}/attachments/{channel_id}/{attachment_id}/{quote(upload.filename)}",
                content_type=upload.content_type,
                description=descriptions.get(upload.index),
            )
            self.world.attachments[attachment_id] = attachment
            result.append(attachment)
        return result

    def _pings(
        self,
        message: Message,
        channel: Channel,
        *,
        default_parse: Collection[str],
        reply_author_id: int | None,
    ) -> None:
        world = self.world
        guild = world.guilds.get(channel.guild_id) if channel.guild_id else None
        if guild is None:
            can_everyone, mentionable, roles = True, set(), set()
        else:
            can_everyone = bool(world.permissions_in(channel, message.author.id) & Permission.MENTION_EVERYONE)
            mentionable = {r.id for r in guild.roles.values() if r.mentionable}
            roles = set(guild.roles) - {guild.id}
        message.pings = compute_pings(
            text=mentionable_text(message.content, message.components),
            allowed_mentions=message.allowed_mentions,
            default_parse=default_parse,
            can_mention_everyone=can_everyone,
            known_user_ids=world.users.keys(),
            mentionable_role_ids=mentionable,
            known_role_ids=roles,
            reply_author_id=reply_author_id,
        )
        message.mention_users = [world.users[u] for u in sorted(message.pings.user_ids)]

    def _store(self, message: Message, channel: Channel, *, emit: bool) -> None:
        world = self.world
        world.messages[message.id] = message
        if not message.ephemeral:
            channel.message_ids.append(message.id)
            if channel.is_thread:
                message.position = channel.total_message_sent
                channel.total_message_sent += 1
                channel.member_ids.setdefault(message.author.id, utcnow())
        if emit:
            world.emit(world.message_event("MESSAGE_CREATE", message))

    # --- messages --------------------------------------------------------------------------------

    def create(
        self,
        channel: Channel,
        author: User,
        body: JsonDict,
        files: Collection[UploadedFile] = (),
        *,
        check_permissions: bool = True,
        default_parse: Collection[str] = DEFAULT_PARSE_MESSAGE,
        ephemeral: bool = False,
        message_id: int | None = None,
        extra: JsonDict | None = None,
        emit: bool = True,
        path: tuple[str | int, ...] = (),
    ) -> Message:
        """Post a message (Create Message, interaction responses, follow-ups, forum starters)."""
        world = self.world
        reference = body.get("message_reference")
        if check_permissions:
            self.check_send(channel, files=len(files), tts=bool(body.get("tts")), reply=reference is not None)
        errors = FormErrors()
        validate_message(body, errors, path)
        attachments = self._attachments(body, files, channel.id, [], errors, path)
        replied: Message | None = None
        if isinstance(reference, dict):
            target = world.messages.get(int(reference.get("message_id") or 0))
            if target is None or target.deleted or target.channel_id != channel.id:
                if reference.get("fail_if_not_exists", True):
                    errors.add((*path, "message_reference"), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                reference = None
            else:
                replied = target
        errors.raise_if_any()
        if is_empty_message(body, file_count=len(attachments)):
            raise err.empty_message()

        nonce = body.get("nonce")
        nonce_key = None
        if nonce is not None and body.get("enforce_nonce"):
            nonce_key = (channel.id, author.id, str(nonce))
            seen = self._nonces.get(nonce_key)
            if seen is not None and self._clock() - seen[1] < self.nonce_window:
                return world.messages[seen[0]]

        flags = int(body.get("flags") or 0) & SETTABLE_FLAGS
        if ephemeral:
            flags |= MessageFlag.EPHEMERAL
        components = copy.deepcopy(body.get("components") or [])
        assign_component_ids(components)
        message = Message(
            id=message_id if message_id is not None else world.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=author,
            content=body.get("content") or "",
            embeds=normalise_embeds(copy.deepcopy(body.get("embeds") or [])),
            components=components,
            attachments=attachments,
            flags=flags,
            type=MessageType.REPLY if replied is not None else MessageType.DEFAULT,
            tts=bool(body.get("tts")),
            nonce=str(nonce) if nonce is not None else None,
            allowed_mentions=copy.deepcopy(body.get("allowed_mentions")),
            message_reference=(
                {
                    "type": 0,
                    "message_id": str(replied.id),
                    "channel_id": str(channel.id),
                    **({"guild_id": str(channel.guild_id)} if channel.guild_id else {}),
                }
                if replied is not None
                else None
            ),
            _world=world,
        )
        for key, value in (extra or {}).items():
            setattr(message, key, value)
        self._pings(
            message,
            channel,
            default_parse=default_parse,
            reply_author_id=replied.author.id if replied is not None else None,
        )
        if nonce_key is not None:
            self._nonces[nonce_key] = (message.id, self._clock())
        self._store(message, channel, emit=emit)
        return message

    def edit(
        self,
        message: Message,
        body: JsonDict,
        files: Collection[UploadedFile] = (),
        *,
        editor: User,
        default_parse: Collection[str] = DEFAULT_PARSE_MESSAGE,
        finish_loading: bool = False,
    ) -> Message:
        """Edit Message / Edit Webhook Message: only the given fields change."""
        world = self.world
        if message.author.id != editor.id:
            raise err.cannot_edit_others()
        channel = world.channels[message.channel_id]
        if channel.is_thread and channel.archived and not message.ephemeral:
            raise err.thread_archived()
        if files and channel.guild_id is not None and not message.ephemeral and message.webhook_id is None:
            self._require(world.bot_permissions(channel), Permission.ATTACH_FILES)
        merged: JsonDict = {
            "content": body.get("content", message.content),
            "embeds": body.get("embeds", message.embeds),
            "components": body.get("components", message.components),
            # New content is parsed for mentions again, with the defaults when the edit has no allowed_mentions
            # (the original's do not carry over).
            "allowed_mentions": body.get("allowed_mentions")
            if "content" in body or "allowed_mentions" in body
            else message.allowed_mentions,
            "flags": message.flags,
        }
        if "flags" in body and body["flags"] is not None:
            kept = message.flags & ~int(MessageFlag.SUPPRESS_EMBEDS | MessageFlag.IS_COMPONENTS_V2)
            merged["flags"] = kept | (
                int(body["flags"]) & int(MessageFlag.SUPPRESS_EMBEDS | MessageFlag.IS_COMPONENTS_V2)
            )
        errors = FormErrors()
        check_flags_kept(message.flags, int(merged["flags"]), errors)
        validate_message(merged, errors)
        attachments = self._attachments(body, files, channel.id, message.attachments, errors, ())
        errors.raise_if_any()
        if is_empty_message(merged, file_count=len(attachments)) and not finish_loading:
            raise err.empty_message()
        message.edits.append(message.snapshot())
        message.content = merged["content"] or ""
        message.embeds = normalise_embeds(copy.deepcopy(merged["embeds"] or []))
        components = copy.deepcopy(merged["components"] or [])
        assign_component_ids(components)
        message.components = components
        message.attachments = attachments
        message.allowed_mentions = copy.deepcopy(merged["allowed_mentions"])
        message.flags = int(merged["flags"])
        if finish_loading:
            message.flags &= ~int(MessageFlag.LOADING)
        message.edited_at = utcnow()
        replied = None
        if message.message_reference is not None:
            replied = world.messages.get(int(message.message_reference["message_id"]))
        self._pings(
            message,
            channel,
            default_parse=default_parse,
            reply_author_id=replied.author.id if replied else None,
        )
        world.emit(world.message_event("MESSAGE_UPDATE", message))
        return message

    def delete(self, message: Message, *, by: User) -> None:
        world = self.world
        channel = world.channels[message.channel_id]
        if message.author.id != by.id:
            if channel.guild_id is None:
                raise err.missing_permissions()
            self._require(world.permissions_in(channel, by.id), Permission.MANAGE_MESSAGES)
        message.deleted = True
        data = {"id": str(message.id), "channel_id": str(channel.id)}
        if channel.guild_id is not None and not message.ephemeral:
            data["guild_id"] = str(channel.guild_id)
        intents = Intent.GUILD_MESSAGES if channel.guild_id is not None else Intent.DIRECT_MESSAGES
        if message.ephemeral:
            intents = Intent.DIRECT_MESSAGES
        world.emit(GatewayEvent("MESSAGE_DELETE", data, guild_id=channel.guild_id, intents=intents))

    def crosspost(self, message: Message) -> Message:
        """Publish a message of an announcement channel to its followers."""
        world = self.world
        channel = world.channels[message.channel_id]
        if channel.type != ChannelType.NEWS:
            raise err.wrong_channel_type()
        permissions = world.bot_permissions(channel)
        if not permissions & Permission.VIEW_CHANNEL:
            raise err.missing_access()
        if message.author.id == world.bot.id:
            self._require(permissions, Permission.SEND_MESSAGES)
        else:
            self._require(permissions, Permission.MANAGE_MESSAGES)
        if message.crossposted:
            raise err.already_crossposted()
        message.flags |= MessageFlag.CROSSPOSTED
        world.emit(world.message_event("MESSAGE_UPDATE", message))
        return message

    # --- threads ---------------------------------------------------------------------------------

    def _thread_fields(self, body: JsonDict, errors: FormErrors) -> tuple[str, int]:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.required(("name",))
            name = ""
        elif len(name) > 100:
            errors.max_length(("name",), 100)
        duration = body.get("auto_archive_duration") or 1440
        if duration not in ARCHIVE_DURATIONS:
            errors.add(
                ("auto_archive_duration",),
                "BASE_TYPE_CHOICES",
                f"Value must be one of {set(ARCHIVE_DURATIONS)}.",
            )
        return name, int(duration)

    def _new_thread(
        self, parent: Channel, thread_id: int, kind: ChannelType, name: str, duration: int, body: JsonDict
    ) -> Channel:
        world = self.world
        now = utcnow()
        thread = Channel(
            id=thread_id,
            type=kind,
            guild_id=parent.guild_id,
            name=name,
            parent_id=parent.id,
            owner_id=world.bot.id,
            auto_archive_duration=duration,
            archive_timestamp=now,
            rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
            invitable=bool(body.get("invitable", True)),
            member_ids={world.bot.id: now},
            _world=world,
        )
        world.channels[thread.id] = thread
        return thread

    def _emit_thread_create(self, thread: Channel) -> None:
        data = self.world.channel_payload(thread) | {"newly_created": True}
        self.world.emit(GatewayEvent("THREAD_CREATE", data, guild_id=thread.guild_id, intents=Intent.GUILDS))

    def thread_from_message(self, channel: Channel, message: Message, body: JsonDict) -> Channel:
        """Start Thread from Message: the thread gets the message's id."""
        world = self.world
        if channel.type == ChannelType.TEXT:
            kind = ChannelType.PUBLIC_THREAD
        elif channel.type == ChannelType.NEWS:
            kind = ChannelType.NEWS_THREAD
        else:
            raise err.wrong_channel_type()
        permissions = world.bot_permissions(channel)
        if not permissions & Permission.VIEW_CHANNEL:
            raise err.missing_access()
        self._require(permissions, Permission.CREATE_PUBLIC_THREADS)
        errors = FormErrors()
        name, duration = self._thread_fields(body, errors)
        errors.raise_if_any()
        if message.thread_id is not None:
            raise err.thread_already_created()
        thread = self._new_thread(channel, message.id, kind, name, duration, body)
        message.thread_id = thread.id
        message.flags |= MessageFlag.HAS_THREAD
        self._emit_thread_create(thread)
        world.emit(world.message_event("MESSAGE_UPDATE", message))
        return thread

    def thread_without_message(self, channel: Channel, body: JsonDict) -> Channel:
        """Start Thread without Message in a text or announcement channel."""
        world = self.world
        if channel.type not in (ChannelType.TEXT, ChannelType.NEWS):
            raise err.wrong_channel_type()
        default = ChannelType.NEWS_THREAD if channel.type == ChannelType.NEWS else ChannelType.PRIVATE_THREAD
        kind = ChannelType(int(body.get("type") or default))
        allowed = (
            {ChannelType.NEWS_THREAD}
            if channel.type == ChannelType.NEWS
            else {
                ChannelType.PUBLIC_THREAD,
                ChannelType.PRIVATE_THREAD,
            }
        )
        errors = FormErrors()
        if kind not in allowed:
            errors.add(("type",), "BASE_TYPE_CHOICES", f"Value must be one of {sorted(int(k) for k in allowed)}.")
        name, duration = self._thread_fields(body, errors)
        permissions = world.bot_permissions(channel)
        if not permissions & Permission.VIEW_CHANNEL:
            raise err.missing_access()
        errors.raise_if_any()
        needed = (
            Permission.CREATE_PRIVATE_THREADS
            if kind == ChannelType.PRIVATE_THREAD
            else Permission.CREATE_PUBLIC_THREADS
        )
        self._require(permissions, needed)
        thread = self._new_thread(channel, world.ids.next(), kind, name, duration, body)
        self._emit_thread_create(thread)
        if kind != ChannelType.PRIVATE_THREAD:
            notice = Message(
                id=world.ids.next(),
                channel_id=channel.id,
                guild_id=channel.guild_id,
                author=world.bot,
                content=name,
                type=MessageType.THREAD_CREATED,
                message_reference={
                    "type": 0,
                    "channel_id": str(thread.id),
                    "guild_id": str(channel.guild_id),
                },
                _world=world,
            )
            self._store(notice, channel, emit=True)
        return thread

    def forum_post(self, forum: Channel, body: JsonDict, files: Collection[UploadedFile]) -> tuple[Channel, Message]:
        """Start Thread in Forum or Media Channel: a public thread whose first message has its id."""
        world = self.world
        if forum.type not in FORUM_TYPES:
            raise err.wrong_channel_type()
        permissions = world.bot_permissions(forum)
        if not permissions & Permission.VIEW_CHANNEL:
            raise err.missing_access()
        errors = FormErrors()
        name, duration = self._thread_fields(body, errors)
        message_body = body.get("message")
        if not isinstance(message_body, dict):
            errors.required(("message",))
            message_body = {}
        else:
            check_flags(int(message_body.get("flags") or 0), FORUM_STARTER_FLAGS, errors, ("message", "flags"))
            validate_message(message_body, errors, ("message",))
        tags = body.get("applied_tags") or []
        available = {tag.id: tag for tag in forum.available_tags}
        if len(tags) > 5:
            errors.max_length(("applied_tags",), 5)
        for index, tag_id in enumerate(tags):
            if int(tag_id) not in available:
                errors.add(("applied_tags", index), "UNKNOWN_TAG", f"Unknown tag {tag_id}")
        errors.raise_if_any()
        self._require(permissions, Permission.SEND_MESSAGES)
        if files:
            self._require(permissions, Permission.ATTACH_FILES)
        if forum.flags & ChannelFlag.REQUIRE_TAG and not tags:
            raise err.tag_required()
        if any(available[int(t)].moderated for t in tags) and not permissions & Permission.MANAGE_THREADS:
            raise ApiError(403, 40066, "There are no tags available that can be set by non-moderators")
        if is_empty_message(message_body, file_count=len(files)):
            raise err.empty_message()
        thread = self._new_thread(forum, world.ids.next(), ChannelType.PUBLIC_THREAD, name, duration, body)
        thread.applied_tags = [int(t) for t in tags]
        self._emit_thread_create(thread)
        message = self.create(
            thread,
            world.bot,
            message_body,
            files,
            check_permissions=False,
            message_id=thread.id,
            path=("message",),
        )
        return thread, message

    def update_channel(self, channel: Channel, body: JsonDict) -> Channel:
        """Modify Channel for the fields the bot uses (name, topic, overwrites, tags, archive state)."""
        world = self.world
        permissions = world.bot_permissions(channel)
        if not permissions & Permission.VIEW_CHANNEL:
            raise err.missing_access()
        if channel.is_thread:
            if channel.owner_id != world.bot.id:
                self._require(permissions, Permission.MANAGE_THREADS)
            self._check_thread_update(channel, body, permissions)
            for key in (
                "name",
                "archived",
                "locked",
                "auto_archive_duration",
                "rate_limit_per_user",
                "invitable",
            ):
                if key in body:
                    setattr(channel, key, body[key])
            if "archived" in body:
                channel.archive_timestamp = utcnow()
            if "applied_tags" in body:
                channel.applied_tags = [int(t) for t in body["applied_tags"] or []]
        else:
            self._require(permissions, Permission.MANAGE_CHANNELS)
            for key in (
                "name",
                "topic",
                "nsfw",
                "rate_limit_per_user",
                "position",
                "default_auto_archive_duration",
            ):
                if key in body:
                    setattr(channel, key, body[key])
            if "type" in body and body["type"] in (ChannelType.TEXT, ChannelType.NEWS):
                channel.type = ChannelType(body["type"])
            if "permission_overwrites" in body:
                channel.overwrites = [
                    Overwrite(
                        id=int(o["id"]),
                        type=int(o["type"]),
                        allow=int(o.get("allow", 0)),
                        deny=int(o.get("deny", 0)),
                    )
                    for o in body["permission_overwrites"] or []
                ]
            if "available_tags" in body:
                channel.available_tags = [
                    ForumTag(
                        id=int(t["id"]) if t.get("id") else world.ids.next(),
                        name=t["name"],
                        moderated=bool(t.get("moderated")),
                        emoji_name=t.get("emoji_name"),
                    )
                    for t in body["available_tags"] or []
                ]
            if "flags" in body:
                channel.flags = int(body["flags"])
        world.channel_update(channel)
        return channel

    def _check_thread_update(self, thread: Channel, body: JsonDict, permissions: int) -> None:
        """Modify Channel on a thread: an archived one must be unarchived in the same request; a name is 1–100
        characters; tags exist in the forum, are required where it says so, and moderated ones need Manage Threads."""
        if thread.archived and body.get("archived") is not False and set(body) - {"archived", "locked"}:
            raise err.thread_archived()
        errors = FormErrors()
        name = body.get("name")
        if "name" in body and (not isinstance(name, str) or not name.strip()):
            errors.required(("name",))
        parent = self.world.channels.get(thread.parent_id or 0)
        tags = body.get("applied_tags")
        if tags is not None and parent is not None:
            available = {tag.id: tag for tag in parent.available_tags}
            for index, tag_id in enumerate(tags):
                if int(tag_id) not in available:
                    errors.add(("applied_tags", index), "UNKNOWN_TAG", f"Unknown tag {tag_id}")
            errors.raise_if_any()
            if parent.flags & ChannelFlag.REQUIRE_TAG and not tags:
                raise err.tag_required()
            changed = set(map(int, tags)) ^ set(thread.applied_tags)
            if any(available[t].moderated for t in changed if t in available) and not has(
                permissions, Permission.MANAGE_THREADS
            ):
                raise ApiError(403, 40066, "There are no tags available that can be set by non-moderators")
        errors.raise_if_any()

    def join_thread(self, thread: Channel, user: User) -> None:
        if not thread.is_thread:
            raise err.wrong_channel_type()
        if not self.world.permissions_in(thread, user.id) & Permission.VIEW_CHANNEL:
            raise err.missing_access()
        thread.member_ids.setdefault(user.id, utcnow())
        if user.id == self.world.bot.id:
            data = {
                "id": str(thread.id),
                "user_id": str(user.id),
                "join_timestamp": thread.member_ids[user.id].isoformat(),
                "flags": 0,
                "guild_id": str(thread.guild_id),
            }
            self.world.emit(GatewayEvent("THREAD_MEMBER_UPDATE", data, guild_id=thread.guild_id, intents=Intent.GUILDS))

    def leave_thread(self, thread: Channel, user: User) -> None:
        if not thread.is_thread:
            raise err.wrong_channel_type()
        thread.member_ids.pop(user.id, None)
        self.world.touch()
