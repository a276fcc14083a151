"""Interactions: building INTERACTION_CREATE payloads, callbacks, follow-ups, and what tests get back."""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any
from urllib.parse import quote

from . import errors as err
from .commands import AppCommand, CommandRegistry
from .errors import ApiError, EmulatorUsageError, FormErrors
from .mentions import DEFAULT_PARSE_WEBHOOK
from .messaging import Messaging, UploadedFile
from .models import Attachment, Channel, ChannelType, Guild, Member, Message, MessageFlag, MessageType, Role, User
from .models import iter_components as _iter_components
from .permissions import Permission, has
from .validation import assign_component_ids, lone_surrogate_path, validate_choices, validate_modal
from .world import World

JsonDict = dict[str, Any]

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class InteractionType(IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType(IntEnum):
    PONG = 1
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


class OptionType(IntEnum):
    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


_ALLOWED_CALLBACKS = {
    InteractionType.APPLICATION_COMMAND: {4, 5, 9},
    InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    InteractionType.AUTOCOMPLETE: {8},
    InteractionType.MODAL_SUBMIT: {4, 5, 6, 7},
}


@dataclass(eq=False)
class Modal:
    """A modal the bot opened; pass it to ``emu.submit_modal``."""

    custom_id: str
    title: str
    components: list[JsonDict]
    interaction_id: int
    source_message_id: int | None = None

    @property
    def inputs(self) -> dict[str, JsonDict]:
        """Interactive components by custom_id (inside labels or action rows)."""
        return {c["custom_id"]: c for c in _iter_components(self.components) if "custom_id" in c}

    @property
    def labels(self) -> dict[str, str]:
        """Label text -> custom_id of the component inside it."""
        return {
            c["label"]: c["component"]["custom_id"]
            for c in self.components
            if c.get("type") == 18 and isinstance(c.get("component"), dict) and "custom_id" in c["component"]
        }


@dataclass(eq=False)
class InteractionRecord:
    """One interaction: what was sent to the bot and everything the bot answered."""

    id: int
    token: str
    type: InteractionType
    user: User
    channel: Channel
    guild: Guild | None
    data: JsonDict
    created: float
    deadline: float
    expires: float
    name: str = ""
    message: Message | None = None
    modal_source: Modal | None = None
    payload: JsonDict = field(default_factory=dict)
    callback_type: int | None = None
    callback_data: JsonDict | None = None
    callback_at: float | None = None
    original_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    modal: Modal | None = None
    choices: list[JsonDict] | None = None
    rejected: list[int] = field(default_factory=list)


class Interactions:
    """Creates interactions for tests and answers the bot's callback and webhook requests."""

    def __init__(
        self,
        world: World,
        messaging: Messaging,
        commands: CommandRegistry,
        *,
        deadline: Callable[[], float],
        token_lifetime: Callable[[], float],
        strict_modals: Callable[[], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.world = world
        self.messaging = messaging
        self.commands = commands
        self._deadline = deadline
        self._lifetime = token_lifetime
        self._strict_modals = strict_modals
        self._clock = clock
        self.records: dict[int, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}

    # --- building interactions -------------------------------------------------------------------

    def _new(
        self,
        kind: InteractionType,
        user: User,
        channel: Channel,
        data: JsonDict,
        *,
        name: str = "",
        message: Message | None = None,
        modal: Modal | None = None,
    ) -> InteractionRecord:
        world = self.world
        guild = world.guilds.get(channel.guild_id) if channel.guild_id else None
        if guild is not None and user.id not in guild.members:
            raise EmulatorUsageError(f"{user!r} is not a member of {guild!r}")
        if not world.permissions_in(channel, user.id) & Permission.VIEW_CHANNEL:
            raise EmulatorUsageError(f"{user!r} cannot see {channel!r}")
        broken = lone_surrogate_path(data)
        if broken is not None:
            where = ".".join(map(str, broken))
            raise EmulatorUsageError(f"a Discord client sends UTF-8 text only: lone surrogate in {where}")
        now = self._clock()
        record = InteractionRecord(
            id=world.ids.next(),
            token=f"aW50ZXJhY3Rpb24.{secrets.token_urlsafe(48)}",
            type=kind,
            user=user,
            channel=channel,
            guild=guild,
            data=data,
            created=now,
            deadline=now + self._deadline(),
            expires=now + self._lifetime(),
            name=name,
            message=message,
            modal_source=modal,
        )
        record.payload = self._payload(record)
        self.records[record.id] = record
        self._by_token[record.token] = record
        return record

    def _payload(self, record: InteractionRecord) -> JsonDict:
        world = self.world
        channel, guild, user = record.channel, record.guild, record.user
        payload: JsonDict = {
            "id": str(record.id),
            "application_id": str(world.application_id),
            "type": int(record.type),
            "data": record.data,
            "channel_id": str(channel.id),
            "channel": world.channel_payload(channel, for_user_id=user.id),
            "token": record.token,
            "version": 1,
            "app_permissions": str(world.bot_permissions(channel)),
            "locale": user.locale,
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        # Who installed the app that answers: the server (key "0") and/or the user (key "1", user installs).
        owners: JsonDict = {}
        if guild is None:
            owners["0"] = "0"
        elif world.bot_in(guild):
            owners["0"] = str(guild.id)
        if user.id in world.user_installs:
            owners["1"] = str(user.id)
        if guild is not None:
            member = guild.members[user.id]
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": guild.locale, "features": list(guild.features)},
                guild_locale=guild.locale,
                member=member.payload() | {"permissions": str(world.permissions_in(channel, user.id))},
                authorizing_integration_owners=owners,
                context=0,
            )
        elif channel.type == ChannelType.GROUP_DM:
            # The bot is in no group DM: only the user's own install answers there (context 2, PRIVATE_CHANNEL).
            owners.pop("0", None)
            payload.update(user=user.payload(), authorizing_integration_owners=owners, context=2)
        else:
            payload.update(user=user.payload(), authorizing_integration_owners=owners, context=1)
        if record.message is not None:
            payload["message"] = record.message.payload()
        return payload

    def _resolve_command(self, channel: Channel, path: str) -> tuple[AppCommand, list[JsonDict], list[str]]:
        """The command, the option list of the invoked (sub)command, and the canonical path."""
        parts = path.split()
        if not parts:
            raise EmulatorUsageError("empty command name")
        command = self.commands.find(parts[0], channel.guild_id)
        if command is None:
            known = sorted(c.name for c in self.commands.all())
            raise EmulatorUsageError(f"the bot has not synced a command named {parts[0]!r} (synced: {known})")
        options: list[JsonDict] = command.data.get("options") or []
        canonical = [command.name]
        for part in parts[1:]:
            sub = next(
                (
                    o
                    for o in options
                    if o.get("type") in (1, 2) and part in {o["name"], *(o.get("name_localizations") or {}).values()}
                ),
                None,
            )
            if sub is None:
                raise EmulatorUsageError(f"command {' '.join(canonical)!r} has no subcommand {part!r}")
            canonical.append(sub["name"])
            options = sub.get("options") or []
        if any(o.get("type") in (1, 2) for o in options):
            subs = [o["name"] for o in options]
            raise EmulatorUsageError(f"{' '.join(canonical)!r} needs a subcommand: one of {subs}")
        return command, options, canonical

    def check_visible(self, command: AppCommand, user: User, channel: Channel) -> None:
        """Raise :class:`EmulatorUsageError` unless ``user`` can see and use ``command`` in ``channel`` (its
        contexts, installs and default or overridden permissions), as Discord's client shows commands."""
        data = command.data
        contexts = data.get("contexts")
        context = 0 if channel.guild_id is not None else 2 if channel.type == ChannelType.GROUP_DM else 1
        if contexts is not None and context not in contexts:
            raise EmulatorUsageError(f"command {command.name!r} is not available in this context ({context})")
        if context == 2 and (
            user.id not in self.world.user_installs or 1 not in (data.get("integration_types") or [0])
        ):
            raise EmulatorUsageError(f"only a user install of command {command.name!r} answers in a group DM")
        if channel.guild_id is None and data.get("dm_permission") is False:
            raise EmulatorUsageError(f"command {command.name!r} is not available in DMs")
        guild = self.world.guilds.get(channel.guild_id) if channel.guild_id else None
        if guild is not None and not self.world.bot_in(guild):
            # Only a user install reaches a server without the bot, and only with commands installed for users.
            if user.id not in self.world.user_installs:
                raise EmulatorUsageError(f"the app is neither in {guild!r} nor installed by {user!r}")
            if 1 not in (data.get("integration_types") or [0]):
                raise EmulatorUsageError(f"command {command.name!r} is not installed for users")
        if channel.guild_id is None:
            return
        override = self._override(command, user, channel.guild_id)
        if override is False:
            raise EmulatorUsageError(f"the server's admins denied {user!r} the command {command.name!r}")
        required = data.get("default_member_permissions")
        if override is None and required is not None:
            permissions = self.world.permissions_in(channel, user.id)
            if not has(permissions, int(required)) and not permissions & Permission.ADMINISTRATOR:
                raise EmulatorUsageError(f"{user!r} lacks the permissions to see command {command.name!r}")

    def _override(self, command: AppCommand, user: User, guild_id: int) -> bool | None:
        """The admins' command permission override that applies to ``user``, if any."""
        overrides = self.commands.overrides.get((guild_id, command.name))
        if not overrides:
            return None
        if user.id in overrides:
            return overrides[user.id]
        member = self.world.guilds[guild_id].members.get(user.id)
        roles = [overrides[role_id] for role_id in (member.role_ids if member else []) if role_id in overrides]
        if roles:
            return any(roles)
        return overrides.get(guild_id)

    def _option_value(
        self, option: JsonDict, value: object, resolved: JsonDict, guild: Guild | None, *, partial: bool
    ) -> object:
        kind = OptionType(option["type"])
        name = option["name"]
        choices = option.get("choices")
        if choices and not partial:
            for choice in choices:
                labels = {choice["name"], *(choice.get("name_localizations") or {}).values()}
                if value == choice["value"] or value in labels:
                    return choice["value"]
            raise EmulatorUsageError(f"option {name!r} must be one of {[c['value'] for c in choices]}, not {value!r}")
        if kind == OptionType.STRING:
            text = str(value)
            if not partial:
                low, high = option.get("min_length"), option.get("max_length")
                if (low is not None and len(text) < low) or (high is not None and len(text) > high):
                    raise EmulatorUsageError(f"option {name!r}: length {len(text)} outside {low}..{high}")
            return text
        if kind in (OptionType.INTEGER, OptionType.NUMBER):
            if partial and isinstance(value, str):
                return value
            if not isinstance(value, int | float | str):
                raise EmulatorUsageError(f"option {name!r} takes a number, not {value!r}")
            number = int(value) if kind == OptionType.INTEGER else float(value)
            low, high = option.get("min_value"), option.get("max_value")
            if (low is not None and number < low) or (high is not None and number > high):
                raise EmulatorUsageError(f"option {name!r}: {number} outside {low}..{high}")
            return number
        if kind == OptionType.BOOLEAN:
            return bool(value)
        if kind == OptionType.ATTACHMENT:
            filename, data = value if isinstance(value, tuple) else ("file.bin", value)
            if not isinstance(data, bytes):
                raise EmulatorUsageError(f"option {name!r} takes (filename, bytes)")
            attachment_id = self.world.ids.next()
            attachment = Attachment(
                id=attachment_id,
                filename=str(filename),
                data=data,
                url=f"{self.world.cdn_base}/attachments/0/{attachment_id}/{quote(str(filename))}",
            )
            self.world.attachments[attachment.id] = attachment
            resolved.setdefault("attachments", {})[str(attachment.id)] = attachment.payload()
            return str(attachment.id)
        return self._resolve_entity(name, value, resolved, guild)

    def _resolve_entity(self, name: str, value: object, resolved: JsonDict, guild: Guild | None) -> str:
        world = self.world
        if isinstance(value, Member):
            value = value.user
        if isinstance(value, User):
            resolved.setdefault("users", {})[str(value.id)] = value.payload()
            member = guild.members.get(value.id) if guild else None
            if member is not None:
                resolved.setdefault("members", {})[str(value.id)] = member.payload(with_user=False) | {
                    "permissions": str(world.guild_permissions(guild, value.id))  # type: ignore[arg-type]
                }
            return str(value.id)
        if isinstance(value, Role):
            resolved.setdefault("roles", {})[str(value.id)] = value.payload()
            return str(value.id)
        if isinstance(value, Channel):
            data = world.channel_payload(value)
            partial_keys = (
                "id", "name", "type", "permissions", "last_message_id", "nsfw", "parent_id", "guild_id",
                "flags", "rate_limit_per_user", "topic", "position", "thread_metadata",
            )  # fmt: skip
            partial = {k: v for k, v in data.items() if k in partial_keys}
            partial["permissions"] = str(world.bot_permissions(value))
            resolved.setdefault("channels", {})[str(value.id)] = partial
            return str(value.id)
        raise EmulatorUsageError(f"option {name!r} takes a User, Member, Role or Channel, not {value!r}")

    def _options(
        self,
        declared: list[JsonDict],
        given: Mapping[str, object],
        guild: Guild | None,
        *,
        focused: str | None = None,
    ) -> tuple[list[JsonDict], JsonDict]:
        by_name: dict[str, JsonDict] = {}
        for entry in declared:
            for alias in {entry["name"], *(entry.get("name_localizations") or {}).values()}:
                by_name[alias] = entry
        resolved: JsonDict = {}
        values: list[JsonDict] = []
        used: set[str] = set()
        focused_name = by_name[focused]["name"] if focused is not None and focused in by_name else None
        if focused is not None and focused_name is None:
            raise EmulatorUsageError(f"no option {focused!r} to focus (options: {[o['name'] for o in declared]})")
        for key, value in given.items():
            option = by_name.get(key)
            if option is None:
                raise EmulatorUsageError(f"unknown option {key!r} (options: {[o['name'] for o in declared]})")
            if option["name"] in used:
                raise EmulatorUsageError(f"option {option['name']!r} given twice")
            used.add(option["name"])
            is_focused = option["name"] == focused_name
            if is_focused and not option.get("autocomplete"):
                raise EmulatorUsageError(f"option {option['name']!r} does not use autocomplete")
            item: JsonDict = {
                "name": option["name"],
                "type": option["type"],
                "value": self._option_value(option, value, resolved, guild, partial=is_focused),
            }
            if is_focused:
                item["focused"] = True
            values.append(item)
        if focused is None:
            missing = [o["name"] for o in declared if o.get("required") and o["name"] not in used]
            if missing:
                raise EmulatorUsageError(f"missing required options: {missing}")
        return values, resolved

    def command(
        self,
        user: User,
        channel: Channel,
        path: str,
        given: Mapping[str, object],
        *,
        focused: str | None = None,
    ) -> InteractionRecord:
        """An APPLICATION_COMMAND (or, with ``focused``, an AUTOCOMPLETE) interaction."""
        command, declared, canonical = self._resolve_command(channel, path)
        self.check_visible(command, user, channel)
        if focused is not None and focused not in given:
            raise EmulatorUsageError(f"give the text typed so far for the focused option {focused!r}")
        guild = self.world.guilds.get(channel.guild_id) if channel.guild_id else None
        options, resolved = self._options(declared, given, guild, focused=focused)
        nested: list[JsonDict] = options
        sub_declared: list[JsonDict] = command.data.get("options") or []
        wrappers: list[JsonDict] = []
        for part in canonical[1:]:
            sub = next(o for o in sub_declared if o["name"] == part)
            wrappers.append({"name": part, "type": sub["type"], "options": []})
            sub_declared = sub.get("options") or []
        for wrapper in reversed(wrappers):
            wrapper["options"] = nested
            nested = [wrapper]
        data: JsonDict = {
            "id": str(command.id),
            "name": command.name,
            "type": command.type,
            "options": nested,
        }
        if command.guild_id is not None:
            data["guild_id"] = str(command.guild_id)
        if resolved:
            data["resolved"] = resolved
        kind = InteractionType.AUTOCOMPLETE if focused is not None else InteractionType.APPLICATION_COMMAND
        return self._new(kind, user, channel, data, name=" ".join(canonical))

    def _visible_message(self, message: Message | int) -> Message:
        found = self.world.messages.get(message if isinstance(message, int) else message.id)
        if found is None or found.deleted:
            raise EmulatorUsageError(f"message {message!r} does not exist (or was deleted)")
        return found

    def _component(self, message: Message, custom_id: str) -> JsonDict:
        for component in _iter_components(message.components):
            if component.get("custom_id") == custom_id:
                if component.get("disabled"):
                    raise EmulatorUsageError(f"component {custom_id!r} is disabled")
                return component
        raise EmulatorUsageError(f"message {message.id} has no component {custom_id!r} (has {message.custom_ids})")

    def click(self, user: User, message: Message | int, custom_id: str) -> InteractionRecord:
        found = self._visible_message(message)
        component = self._component(found, custom_id)
        if component.get("type") != 2 or component.get("style") in (5, 6):
            raise EmulatorUsageError(f"{custom_id!r} is not a clickable button")
        channel = self.world.channels[found.channel_id]
        data = {"custom_id": custom_id, "component_type": 2}
        return self._new(InteractionType.MESSAGE_COMPONENT, user, channel, data, message=found)

    def select(self, user: User, message: Message | int, custom_id: str, values: Iterable[object]) -> InteractionRecord:
        found = self._visible_message(message)
        component = self._component(found, custom_id)
        kind = component.get("type")
        if kind not in (3, 5, 6, 7, 8):
            raise EmulatorUsageError(f"{custom_id!r} is not a select menu")
        channel = self.world.channels[found.channel_id]
        guild = self.world.guilds.get(channel.guild_id) if channel.guild_id else None
        chosen = list(values)
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(chosen) <= high:
            raise EmulatorUsageError(f"select {custom_id!r} takes {low}..{high} values, got {len(chosen)}")
        data: JsonDict = {"custom_id": custom_id, "component_type": kind}
        if kind == 3:
            allowed = {o["value"] for o in component.get("options") or []}
            unknown = [v for v in chosen if v not in allowed]
            if unknown:
                raise EmulatorUsageError(f"select {custom_id!r} has no options {unknown} (has {sorted(allowed)})")
            data["values"] = [str(v) for v in chosen]
        else:
            resolved: JsonDict = {}
            data["values"] = [self._resolve_entity(custom_id, v, resolved, guild) for v in chosen]
            data["resolved"] = resolved
        return self._new(InteractionType.MESSAGE_COMPONENT, user, channel, data, message=found)

    def modal_submit(
        self, user: User, channel: Channel, modal: Modal, values: Mapping[str, object]
    ) -> InteractionRecord:
        """A MODAL_SUBMIT for ``modal`` with ``values`` by custom_id (or by label text).

        As in Discord, an input the user does not touch is submitted as the bot pre-filled it: a text
        input's ``value``, a select's ``default`` options, a checkbox's or radio group's ``default``.
        """
        by_label = modal.labels
        given = {by_label.get(key, key): value for key, value in values.items()}
        unknown = sorted(set(given) - set(modal.inputs))
        if unknown:
            raise EmulatorUsageError(f"modal {modal.custom_id!r} has no inputs {unknown} (has {sorted(modal.inputs)})")
        guild = self.world.guilds.get(channel.guild_id) if channel.guild_id else None
        resolved: JsonDict = {}

        def answer(component: JsonDict) -> JsonDict:
            kind = component.get("type")
            custom_id = component.get("custom_id", "")
            base: JsonDict = {"type": kind, "id": component.get("id"), "custom_id": custom_id}
            value = given[custom_id] if custom_id in given else _prefilled(component)
            if kind == 4:
                text = "" if value is None else str(value)
                if component.get("required", True) and not text:
                    raise EmulatorUsageError(f"text input {custom_id!r} is required")
                low, high = component.get("min_length") or 0, component.get("max_length") or 4000
                if text and not low <= len(text) <= high:
                    raise EmulatorUsageError(f"text input {custom_id!r} takes {low}..{high} characters")
                return base | {"value": text}
            if kind == 23:
                return base | {"value": bool(value)}
            if kind == 21:
                options = {o["value"] for o in component.get("options") or []}
                if value is None and component.get("required", True):
                    raise EmulatorUsageError(f"radio group {custom_id!r} is required")
                if value is not None and value not in options:
                    raise EmulatorUsageError(f"radio group {custom_id!r} has no option {value!r}")
                return base | {"value": value}
            chosen = [] if value is None else list(value) if isinstance(value, list | tuple | set) else [value]
            if kind in (3, 22):
                options = {o["value"] for o in component.get("options") or []}
                bad = [v for v in chosen if v not in options]
                if bad:
                    raise EmulatorUsageError(f"{custom_id!r} has no options {bad}")
                low = component.get("min_values", 1 if kind == 3 else 0)
                if component.get("required", True) and len(chosen) < max(1, low or 0):
                    raise EmulatorUsageError(f"{custom_id!r} needs at least {max(1, low or 0)} values")
                return base | {"values": [str(v) for v in chosen]}
            return base | {"values": [self._resolve_entity(custom_id, v, resolved, guild) for v in chosen]}

        components: list[JsonDict] = []
        for component in modal.components:
            kind = component.get("type")
            if kind == 18:
                components.append({"type": 18, "id": component.get("id"), "component": answer(component["component"])})
            elif kind == 1:
                components.append(
                    {
                        "type": 1,
                        "id": component.get("id"),
                        "components": [answer(c) for c in component["components"]],
                    }
                )
            else:
                components.append({"type": kind, "id": component.get("id")})
        data: JsonDict = {"custom_id": modal.custom_id, "components": components}
        if resolved:
            data["resolved"] = resolved
        source = self.world.messages.get(modal.source_message_id) if modal.source_message_id else None
        return self._new(InteractionType.MODAL_SUBMIT, user, channel, data, message=source, modal=modal)

    # --- answering (REST side) -------------------------------------------------------------------

    def _metadata(self, record: InteractionRecord) -> JsonDict:
        metadata: JsonDict = {
            "id": str(record.id),
            "type": int(record.type),
            "user": record.user.payload(),
            "authorizing_integration_owners": record.payload.get("authorizing_integration_owners", {}),
        }
        if record.type == InteractionType.APPLICATION_COMMAND:
            metadata.update(name=record.name, command_type=1)
        elif record.type == InteractionType.MESSAGE_COMPONENT and record.message is not None:
            metadata["interacted_message_id"] = str(record.message.id)
        return metadata

    def _response_message(
        self,
        record: InteractionRecord,
        body: JsonDict,
        files: Collection[UploadedFile],
        *,
        loading: bool = False,
    ) -> Message:
        extra: JsonDict = {
            "webhook_id": self.world.application_id,
            "application_id": self.world.application_id,
            "interaction_metadata": self._metadata(record),
        }
        if record.type == InteractionType.APPLICATION_COMMAND:
            extra["type"] = MessageType.CHAT_INPUT_COMMAND
            extra["interaction"] = {
                "id": str(record.id),
                "type": int(record.type),
                "name": record.name,
                "user": record.user.payload(),
            }
        ephemeral = bool(int(body.get("flags") or 0) & MessageFlag.EPHEMERAL)
        if loading:
            message = Message(
                id=self.world.ids.next(),
                channel_id=record.channel.id,
                guild_id=record.channel.guild_id,
                author=self.world.bot,
                flags=int(MessageFlag.LOADING) | (int(MessageFlag.EPHEMERAL) if ephemeral else 0),
                _world=self.world,
            )
            for key, value in extra.items():
                setattr(message, key, value)
            self.messaging._store(message, record.channel, emit=True)
            return message
        return self.messaging.create(
            record.channel,
            self.world.bot,
            body,
            files,
            check_permissions=False,
            default_parse=DEFAULT_PARSE_WEBHOOK,
            ephemeral=ephemeral,
            extra=extra,
            path=("data",),
        )

    def callback(
        self,
        interaction_id: int,
        token: str,
        body: object,
        files: Collection[UploadedFile],
        *,
        with_response: bool,
        check: Callable[[], None] = lambda: None,
    ) -> JsonDict | None:
        """Create Interaction Response (POST /interactions/{id}/{token}/callback); ``check`` validates the body."""
        record = self.records.get(interaction_id)
        if record is None or record.token != token:
            raise err.unknown_interaction()
        try:
            if record.callback_type is not None:
                raise err.already_acknowledged()
            if self._clock() > record.deadline:
                raise err.unknown_interaction()
            check()
            if not isinstance(body, dict):
                raise err.not_a_dict()
            return self._answer(record, body, files, with_response=with_response)
        except ApiError as exc:
            record.rejected.append(exc.code)
            self.world.touch()
            raise

    def _answer(
        self,
        record: InteractionRecord,
        body: JsonDict,
        files: Collection[UploadedFile],
        *,
        with_response: bool,
    ) -> JsonDict | None:
        kind = body.get("type")
        data = body.get("data")
        errors = FormErrors()
        allowed = _ALLOWED_CALLBACKS.get(record.type, set())
        if kind in (6, 7) and record.type == InteractionType.MODAL_SUBMIT and record.message is None:
            allowed = allowed - {6, 7}
        if kind not in allowed:
            errors.add(
                ("type",),
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Callback type {kind} is not valid for interaction type {int(record.type)}",
            )
            errors.raise_if_any()
        message: Message | None = None
        if kind == CallbackType.CHANNEL_MESSAGE:
            message = self._response_message(record, data or {}, files)
            record.original_id = message.id
        elif kind == CallbackType.DEFERRED_CHANNEL_MESSAGE:
            message = self._response_message(record, data or {}, (), loading=True)
            record.original_id = message.id
        elif kind in (CallbackType.UPDATE_MESSAGE, CallbackType.DEFERRED_UPDATE_MESSAGE):
            target = record.message
            if target is None:
                raise err.unknown_message()
            if kind == CallbackType.UPDATE_MESSAGE:
                message = self.messaging.edit(target, data or {}, files, editor=self.world.bot)
            record.original_id = target.id
        elif kind == CallbackType.AUTOCOMPLETE_RESULT:
            validate_choices(data, errors, ("data",), option_type=_focused_type(record.data.get("options") or []))
            errors.raise_if_any()
            assert isinstance(data, dict)
            record.choices = copy.deepcopy(data["choices"])
        elif kind == CallbackType.MODAL:
            validate_modal(data, errors, ("data",), allow_action_rows=not self._strict_modals())
            errors.raise_if_any()
            assert isinstance(data, dict)
            components = copy.deepcopy(data["components"])
            assign_component_ids(components)
            record.modal = Modal(
                custom_id=data["custom_id"],
                title=data["title"],
                components=components,
                interaction_id=record.id,
                source_message_id=record.message.id if record.message is not None else None,
            )
        record.callback_type = int(kind or 0)
        record.callback_data = copy.deepcopy(data)
        record.callback_at = self._clock()
        self.world.touch()
        if not with_response:
            return None
        info: JsonDict = {"id": str(record.id), "type": int(record.type)}
        original = self.world.messages.get(record.original_id) if record.original_id else None
        if original is not None and kind in (4, 5):
            info["response_message_id"] = str(original.id)
            info["response_message_loading"] = kind == 5
            info["response_message_ephemeral"] = original.ephemeral
        response: JsonDict = {"interaction": info}
        if message is not None and kind in (4, 7):
            response["resource"] = {"type": int(kind), "message": message.payload()}
        return response

    # --- webhook follow-ups ----------------------------------------------------------------------

    def by_token(self, application_id: int, token: str, *, require_callback: bool = True) -> InteractionRecord:
        record = self._by_token.get(token)
        if record is None or application_id != self.world.application_id:
            raise err.unknown_webhook()
        if self._clock() > record.expires:
            raise err.invalid_webhook_token()
        if require_callback and record.callback_type is None:
            raise err.unknown_webhook()
        return record

    def original(self, record: InteractionRecord) -> Message:
        message = self.world.messages.get(record.original_id) if record.original_id else None
        if message is None or message.deleted:
            raise err.unknown_message()
        return message

    def owned(self, record: InteractionRecord, message_id: int) -> Message:
        if message_id != record.original_id and message_id not in record.followup_ids:
            raise err.unknown_message()
        message = self.world.messages.get(message_id)
        if message is None or message.deleted:
            raise err.unknown_message()
        return message

    def edit(
        self, record: InteractionRecord, message: Message, body: JsonDict, files: Collection[UploadedFile]
    ) -> Message:
        loading = bool(message.flags & MessageFlag.LOADING)
        edited = self.messaging.edit(
            message,
            body,
            files,
            editor=self.world.bot,
            default_parse=DEFAULT_PARSE_WEBHOOK,
            finish_loading=loading,
        )
        self.world.touch()
        return edited

    def followup(self, record: InteractionRecord, body: JsonDict, files: Collection[UploadedFile]) -> Message:
        """Create Followup Message; right after a deferred message response it edits the original."""
        original = self.world.messages.get(record.original_id) if record.original_id else None
        if (
            record.callback_type == CallbackType.DEFERRED_CHANNEL_MESSAGE
            and original is not None
            and original.flags & MessageFlag.LOADING
        ):
            body = {k: v for k, v in body.items() if k != "flags"}
            return self.edit(record, original, body, files)
        message = self._response_message(record, body, files)
        record.followup_ids.append(message.id)
        self.world.touch()
        return message

    def delete(self, record: InteractionRecord, message: Message) -> None:
        self.messaging.delete(message, by=self.world.bot)


def _focused_type(options: list[JsonDict]) -> int | None:
    """The type of the option the user is typing in (the one marked ``focused``), inside subcommands too."""
    for option in options:
        if option.get("focused"):
            return int(option["type"])
        found = _focused_type(option.get("options") or [])
        if found is not None:
            return found
    return None


def _prefilled(component: JsonDict) -> object:
    """What a modal input holds before the user touches it."""
    kind = component.get("type")
    if kind == 4:
        return component.get("value")
    if kind == 23:
        return bool(component.get("default"))
    defaults = [o["value"] for o in component.get("options") or [] if o.get("default")]
    if kind == 21:
        return defaults[0] if defaults else None
    if kind in (3, 22):
        return defaults or None
    return [d["id"] for d in component.get("default_values") or []] or None
