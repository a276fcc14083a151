"""Whether the host role can see the hosts' commands, from the overrides admins set in Server Settings →
Integrations (Discord's application command permissions); for ``/status``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import discord
from discord.http import Route

from bot import i18n
from cogs.help.audience import AUDIENCES, Audience

if TYPE_CHECKING:
    from bot.app import ZundaBot

#: The hosts' top-level commands (default names), from /help's list of who each command is for.
HOST_COMMANDS = tuple(sorted(name for name, audience in AUDIENCES.items() if audience is Audience.HOSTS))
ROLE = 1


def role_sees(overrides: Iterable[Mapping[str, Any]], role: discord.Role, default: discord.Permissions | None) -> bool:
    """Discord's rule for a role: an override for the role wins, then @everyone's (whose id is the server's),
    else the command's default member permissions (Manage Server for the hosts' commands)."""
    by_role = {int(entry["id"]): bool(entry["permission"]) for entry in overrides if int(entry["type"]) == ROLE}
    if role.id in by_role:
        return by_role[role.id]
    if role.guild.id in by_role:
        return by_role[role.guild.id]
    perms = role.permissions
    if perms.administrator or default is None:
        return True
    return default.value & perms.value == default.value


async def host_commands_lines(bot: ZundaBot, guild: discord.Guild, role_id: int | None, locale: object) -> str:
    """One line per host command: whether the host role sees it; what to do when it does not."""
    role = guild.get_role(role_id) if role_id else None
    if role is None:
        return i18n.t("status.hosts.no_role", locale)
    assert bot.application_id is not None
    route = Route(
        "GET",
        "/applications/{application_id}/guilds/{guild_id}/commands/permissions",
        application_id=bot.application_id,
        guild_id=guild.id,
    )
    try:
        data = await bot.http.request(route)
        synced = {command.name: command.id for command in await bot.tree.fetch_commands()}
    except discord.HTTPException:
        return i18n.t("status.hosts.unknown", locale)
    overrides = {int(entry["id"]): entry["permissions"] for entry in data}
    lines = []
    hidden = False
    for name in HOST_COMMANDS:
        command = bot.tree.get_command(name)
        if command is None or name not in synced:
            continue
        default = command.default_permissions
        sees = role_sees(overrides.get(synced[name], []), role, default)
        hidden = hidden or not sees
        key = "status.hosts.sees" if sees else "status.hosts.hidden"
        lines.append(i18n.t(key, locale, command=f"</{name}:{synced[name]}>", role=role.mention))
    if hidden:
        lines.append(i18n.t("status.hosts.how", locale))
    return "\n".join(lines)
