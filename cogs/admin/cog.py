"""Operator and host commands: ``/status`` and ``/settings``."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__, i18n
from bot.escaping import escape_text
from bot.ui.checks import require_host, require_manage_guild
from bot.ui.errors import UserFacingError
from bot.ui.safety import NO_MENTIONS, public_error, public_source
from bot.ui.translator import ls
from cogs.admin import texts  # noqa: F401 - registers the texts

if TYPE_CHECKING:
    from bot.app import ZundaBot

log = logging.getLogger(__name__)


def format_duration(seconds: float) -> str:
    minutes, sec = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}:{minutes:02d}:{sec:02d}" if days else f"{hours:02d}:{minutes:02d}:{sec:02d}"


def discord_time(iso: str) -> str:
    """An ISO timestamp as a Discord timestamp tag, shown in each reader's own time zone."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return discord.utils.format_dt(moment, "R")


async def _logged(work: Awaitable[None], what: str) -> None:
    try:
        await work
    except Exception:
        log.exception("%s failed", what)


class Admin(commands.Cog):
    """``/status`` for hosts and ``/settings`` for server managers."""

    settings_group = app_commands.Group(
        name=ls("cmd.settings"),
        description=ls("cmd.settings.desc"),
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: ZundaBot) -> None:
        self.bot = bot

    @app_commands.command(name=ls("cmd.status"), description=ls("cmd.status.desc"))
    @app_commands.guild_only()
    async def status(self, interaction: discord.Interaction[ZundaBot]) -> None:
        await require_host(interaction)
        locale = interaction.locale
        bot = self.bot
        embed = discord.Embed(title=i18n.t("status.title", locale), colour=discord.Colour.green())
        latency = bot.latency
        embed.add_field(name=i18n.t("status.version", locale), value=__version__)
        embed.add_field(name=i18n.t("status.uptime", locale), value=format_duration(bot.uptime))
        embed.add_field(
            name=i18n.t("status.latency", locale),
            value="—" if math.isinf(latency) or math.isnan(latency) else f"{latency * 1000:.0f} ms",
        )
        embed.add_field(name=i18n.t("status.guilds", locale), value=str(len(bot.guilds)))
        embed.add_field(name=i18n.t("status.episodes", locale), value=str(await bot.store.episodes.count()))
        lines = []
        for state in await bot.store.sources.all():
            when = (
                i18n.t("status.source_ok", locale, when=discord_time(state.last_success))
                if state.last_success
                else i18n.t("status.source_never", locale)
            )
            line = f"**{escape_text(public_source(state.source))}**\n{when}"
            if state.last_error:
                error = public_error(state.last_error, state.source)
                line += "\n" + i18n.t("status.source_error", locale, failures=state.failures, error=error)
            lines.append(line)
        embed.add_field(
            name=i18n.t("status.sources", locale),
            value="\n".join(lines)[:1024] or i18n.t("status.no_sources", locale),
            inline=False,
        )
        guild_id = interaction.guild_id
        for cog in bot.cogs.values():
            provider = getattr(cog, "status_fields", None)
            if provider is not None and guild_id is not None:
                for name, value in await provider(guild_id, locale):
                    embed.add_field(name=name[:256], value=value[:1024] or "—", inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @settings_group.command(name=ls("cmd.settings.show"), description=ls("cmd.settings.show.desc"))
    async def settings_show(self, interaction: discord.Interaction[ZundaBot]) -> None:
        require_manage_guild(interaction)
        await self._reply_settings(interaction, "")

    @settings_group.command(name=ls("cmd.settings.announce"), description=ls("cmd.settings.announce.desc"))
    @app_commands.rename(channel=ls("opt.channel"), role=ls("opt.role"))
    @app_commands.describe(channel=ls("opt.channel.announce"), role=ls("opt.role.announce"))
    async def settings_announce(
        self,
        interaction: discord.Interaction[ZundaBot],
        channel: discord.TextChannel | discord.ForumChannel,
        role: discord.Role | None = None,
    ) -> None:
        if isinstance(channel, discord.ForumChannel) and channel.is_media():
            raise UserFacingError(i18n.t("settings.media_channel", interaction.locale, channel=channel.mention))
        needed = ["view_channel", "send_messages", "embed_links", "send_messages_in_threads"]
        needed += ["create_posts"] if isinstance(channel, discord.ForumChannel) else ["create_public_threads"]
        await self._save_channel(
            interaction, channel, needed, announce_channel_id=channel.id, announce_role_id=role.id if role else None
        )

    @settings_group.command(name=ls("cmd.settings.letters"), description=ls("cmd.settings.letters.desc"))
    @app_commands.rename(channel=ls("opt.channel"), host_role=ls("opt.host_role"))
    @app_commands.describe(channel=ls("opt.channel.letters"), host_role=ls("opt.host_role.desc"))
    async def settings_letters(
        self,
        interaction: discord.Interaction[ZundaBot],
        channel: discord.TextChannel,
        host_role: discord.Role | None = None,
    ) -> None:
        await self._save_channel(
            interaction,
            channel,
            ["view_channel", "send_messages", "embed_links"],
            letters_channel_id=channel.id,
            host_role_id=host_role.id if host_role else None,
        )

    @settings_group.command(name=ls("cmd.settings.clear"), description=ls("cmd.settings.clear.desc"))
    @app_commands.rename(what=ls("opt.what"))
    @app_commands.describe(what=ls("opt.what.desc"))
    @app_commands.choices(
        what=[
            app_commands.Choice(name=ls("choice.announce"), value="announce"),
            app_commands.Choice(name=ls("choice.letters"), value="letters"),
        ]
    )
    async def settings_clear(self, interaction: discord.Interaction[ZundaBot], what: str) -> None:
        require_manage_guild(interaction)
        assert interaction.guild_id is not None
        if what == "announce":
            values: dict[str, int | None] = {"announce_channel_id": None, "announce_role_id": None}
        else:
            values = {"letters_channel_id": None, "host_role_id": None}
        await self.bot.store.guilds.update(interaction.guild_id, by=interaction.user.id, **values)
        await self._reply_settings(interaction, i18n.t("settings.cleared", interaction.locale))
        self._changed(interaction.guild_id)

    async def _save_channel(
        self,
        interaction: discord.Interaction[ZundaBot],
        channel: discord.TextChannel | discord.ForumChannel,
        needed: list[str],
        **values: int | None,
    ) -> None:
        """Store the settings, then confirm — with a warning naming what the bot lacks in ``channel``."""
        require_manage_guild(interaction)
        assert interaction.guild_id is not None
        await self.bot.store.guilds.update(interaction.guild_id, by=interaction.user.id, **values)
        perms = channel.permissions_for(channel.guild.me)
        missing = [name for name in needed if not getattr(perms, name)]
        locale = interaction.locale
        message = (
            i18n.t("settings.missing_perms", locale, channel=channel.mention, permissions=", ".join(missing))
            if missing
            else i18n.t("settings.saved", locale)
        )
        await self._reply_settings(interaction, message)
        self._changed(interaction.guild_id)

    def _changed(self, guild_id: int) -> None:
        """Tell the features that a server's settings changed (they act on it at once, not at their next
        tick): each cog's ``settings_changed(guild_id, changed_at)``, in the background."""
        changed_at = datetime.now(UTC)
        for cog in self.bot.cogs.values():
            hook = getattr(cog, "settings_changed", None)
            if hook is not None:
                self.bot.track(_logged(hook(guild_id, changed_at), f"{type(cog).__name__}.settings_changed"))

    async def _reply_settings(self, interaction: discord.Interaction[ZundaBot], message: str) -> None:
        assert interaction.guild_id is not None
        locale = interaction.locale
        current = await self.bot.store.guilds.get(interaction.guild_id)
        unset = i18n.t("settings.unset", locale)

        def channel(value: int | None) -> str:
            return f"<#{value}>" if value else unset

        def role(value: int | None) -> str:
            return f"<@&{value}>" if value else unset

        embed = discord.Embed(title=i18n.t("settings.title", locale))
        embed.add_field(
            name=i18n.t("settings.announce_channel", locale),
            value=channel(current.announce_channel_id if current else None),
        )
        embed.add_field(
            name=i18n.t("settings.announce_role", locale), value=role(current.announce_role_id if current else None)
        )
        embed.add_field(
            name=i18n.t("settings.letters_channel", locale),
            value=channel(current.letters_channel_id if current else None),
        )
        embed.add_field(
            name=i18n.t("settings.host_role", locale), value=role(current.host_role_id if current else None)
        )
        await interaction.response.send_message(
            message or None, embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
