"""Application commands the bot registered: global and per guild, with ids and versions."""

from __future__ import annotations

import builtins
import copy
from dataclasses import dataclass
from typing import Any

from . import errors as err
from .errors import FormErrors
from .validation import validate_command, validate_commands
from .world import World

JsonDict = dict[str, Any]

_DEFAULTS: JsonDict = {
    "type": 1,
    "description": "",
    "name_localizations": None,
    "description_localizations": None,
    "options": [],
    "default_member_permissions": None,
    "nsfw": False,
    "contexts": None,
    "integration_types": [0],
}
#: Fields whose change bumps ``version`` ("substantial record changes").
_VERSIONED = (*(k for k in _DEFAULTS if k != "type"), "name", "dm_permission")


def _normalise(body: JsonDict) -> JsonDict:
    data = copy.deepcopy(_DEFAULTS)
    data.update(
        {k: copy.deepcopy(v) for k, v in body.items() if k not in ("id", "application_id", "version", "guild_id")}
    )
    if data["options"] is None:
        data["options"] = []
    if data.get("default_member_permissions") is not None:
        data["default_member_permissions"] = str(data["default_member_permissions"])
    return data


@dataclass(eq=False)
class AppCommand:
    id: int
    application_id: int
    guild_id: int | None
    data: JsonDict
    version: int

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def type(self) -> int:
        return int(self.data.get("type", 1))

    @property
    def names(self) -> set[str]:
        """The default name and every localized name."""
        return {self.name, *(self.data.get("name_localizations") or {}).values()}

    def payload(self) -> JsonDict:
        data = copy.deepcopy(self.data) | {
            "id": str(self.id),
            "application_id": str(self.application_id),
            "version": str(self.version),
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        return data

    def __repr__(self) -> str:
        scope = f"guild {self.guild_id}" if self.guild_id else "global"
        return f"<AppCommand {self.name!r} {scope}>"


class CommandRegistry:
    """Stores commands as Discord does: bulk overwrite keeps the ids of commands that stay."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._commands: dict[int | None, dict[int, AppCommand]] = {}
        #: Every bulk overwrite received: (guild_id or None, number of commands).
        self.syncs: list[tuple[int | None, int]] = []
        #: Per-server overrides set by the server's admins (Server Settings → Integrations):
        #: (guild_id, command name) → {role or user id: allowed}. The @everyone role's id is the guild's.
        self.overrides: dict[tuple[int, str], dict[int, bool]] = {}

    def set_permissions(self, guild_id: int, name: str, overrides: dict[int, bool]) -> None:
        """What an admin does in Server Settings → Integrations: allow or deny a command to roles or users.

        An override replaces the command's ``default_member_permissions`` for those members, as on Discord:
        a user override wins, then any allowing role, then any denying role, then @everyone's.
        """
        self.overrides[(guild_id, name)] = dict(overrides)

    def list(self, guild_id: int | None = None) -> list[AppCommand]:
        return list(self._commands.get(guild_id, {}).values())

    def all(self) -> builtins.list[AppCommand]:
        return [command for scope in self._commands.values() for command in scope.values()]

    def get(self, guild_id: int | None, command_id: int) -> AppCommand:
        command = self._commands.get(guild_id, {}).get(command_id)
        if command is None:
            raise err.unknown_command()
        return command

    def _store(self, guild_id: int | None, data: JsonDict, previous: AppCommand | None) -> AppCommand:
        if previous is not None:
            changed = any(previous.data.get(k) != data.get(k) for k in _VERSIONED)
            previous.data = data
            if changed:
                previous.version = self.world.ids.next()
            return previous
        return AppCommand(
            id=self.world.ids.next(),
            application_id=self.world.application_id,
            guild_id=guild_id,
            data=data,
            version=self.world.ids.next(),
        )

    def bulk_overwrite(self, guild_id: int | None, body: object) -> builtins.list[AppCommand]:
        errors = FormErrors()
        validate_commands(body, errors)
        errors.raise_if_any()
        assert isinstance(body, list)
        existing = {(c.type, c.name): c for c in self.list(guild_id)}
        result: dict[int, AppCommand] = {}
        for item in body:
            data = _normalise(item)
            command = self._store(guild_id, data, existing.get((int(data["type"]), str(data["name"]))))
            result[command.id] = command
        self._commands[guild_id] = result
        self.syncs.append((guild_id, len(result)))
        self.world.touch()
        return list(result.values())

    def upsert(self, guild_id: int | None, body: JsonDict) -> tuple[AppCommand, bool]:
        """Create Command: a command with the same name and type is overwritten (created is False)."""
        errors = FormErrors()
        validate_command(body, errors, ())
        errors.raise_if_any()
        data = _normalise(body)
        scope = self._commands.setdefault(guild_id, {})
        previous = next((c for c in scope.values() if (c.type, c.name) == (int(data["type"]), data["name"])), None)
        command = self._store(guild_id, data, previous)
        scope[command.id] = command
        self.world.touch()
        return command, previous is None

    def edit(self, guild_id: int | None, command_id: int, body: JsonDict) -> AppCommand:
        command = self.get(guild_id, command_id)
        merged = command.data | {k: v for k, v in body.items() if k in _DEFAULTS or k == "name"}
        errors = FormErrors()
        validate_command(merged, errors, ())
        errors.raise_if_any()
        self._store(guild_id, _normalise(merged), command)
        self.world.touch()
        return command

    def delete(self, guild_id: int | None, command_id: int) -> None:
        self.get(guild_id, command_id)
        del self._commands[guild_id][command_id]
        self.world.touch()

    def find(self, name: str, guild_id: int | None, *, type: int = 1) -> AppCommand | None:
        """The command a user would pick by ``name`` (default or localized): guild commands first."""
        scopes = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self._commands.get(scope, {}).values():
                if command.type == type and name in command.names:
                    return command
        return None
