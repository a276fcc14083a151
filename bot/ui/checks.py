"""Permission checks enforced in code (server admins can override Discord's default permissions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot import i18n
from bot.ui.errors import UserFacingError

if TYPE_CHECKING:
    from bot.app import ZundaBot

i18n.register(
    {
        "check.manage_guild": {
            "ja": "この操作には「サーバー管理」権限が必要なのだ。",
            "en": "This needs the Manage Server permission.",
        },
        "check.host": {
            "ja": "この操作はホスト（番組スタッフ）だけができるのだ。",
            "en": "Only hosts can do this.",
        },
    }
)


def can_manage_guild(interaction: discord.Interaction[Any]) -> bool:
    """Whether the user has Manage Server (or Administrator) in this server, as Discord resolved it."""
    if interaction.guild is None:
        return False
    perms = interaction.permissions
    return perms.manage_guild or perms.administrator


async def is_host(interaction: discord.Interaction[ZundaBot]) -> bool:
    """Manage Server, or the host role configured for this server (or HOST_ROLE_ID)."""
    if interaction.guild is None:
        return False
    if can_manage_guild(interaction):
        return True
    settings = await interaction.client.store.guilds.get(interaction.guild.id)
    role_id = (settings.host_role_id if settings else None) or interaction.client.settings.host_role_id
    if role_id is None or not isinstance(interaction.user, discord.Member):
        return False
    return any(role.id == role_id for role in interaction.user.roles)


def require_manage_guild(interaction: discord.Interaction[Any]) -> None:
    if not can_manage_guild(interaction):
        raise UserFacingError(i18n.t("check.manage_guild", interaction.locale))


async def require_host(interaction: discord.Interaction[ZundaBot]) -> None:
    if not await is_host(interaction):
        raise UserFacingError(i18n.t("check.host", interaction.locale))
