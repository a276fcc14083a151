"""Operator and host commands: ``/status`` and ``/settings``."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.announce.wording import TEMPLATE_LIMIT, TemplateError, Wording, check_template, headline
from bot.card import CardStyle
from bot.output import escape_text
from bot.ui.checks import require_host, require_manage_guild
from bot.ui.errors import UserFacingError
from bot.ui.safety import NO_MENTIONS, public_error, public_source
from bot.ui.translator import ls
from bot.version import VERSION
from cogs.admin import texts  # noqa: F401 - registers the texts
from cogs.admin.visibility import host_commands_lines
from cogs.premiere import can_schedule

if TYPE_CHECKING:
    from bot.app import ZundaBot


def format_duration(seconds: float) -> str:
    minutes, sec = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}:{minutes:02d}:{sec:02d}" if days else f"{hours:02d}:{minutes:02d}:{sec:02d}"


def _style_name(style: CardStyle, locale: discord.Locale) -> str:
    return i18n.t(f"choice.card.{style.value}", locale)


def discord_time(iso: str) -> str:
    """An ISO timestamp as a Discord timestamp tag, shown in each reader's own time zone."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return discord.utils.format_dt(moment, "R")


@runtime_checkable
class StatusSource(Protocol):
    """A cog that adds its own fields to ``/status`` (announcements, letters, lookup)."""

    async def status_fields(self, guild_id: int, locale: discord.Locale) -> list[tuple[str, str]]: ...


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
        embed.add_field(name=i18n.t("status.version", locale), value=VERSION)
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
        if interaction.guild is not None:
            current = await bot.store.guilds.get(interaction.guild.id)
            role_id = (current.host_role_id if current else None) or bot.settings.host_role_id
            embed.add_field(
                name=i18n.t("status.hosts", locale),
                value=await host_commands_lines(bot, interaction.guild, role_id, locale),
                inline=False,
            )
        for cog in bot.cogs.values():
            if isinstance(cog, StatusSource) and guild_id is not None:
                for name, value in await cog.status_fields(guild_id, locale):
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
            guidance=i18n.t("settings.hosts_guidance", interaction.locale) if host_role else "",
            letters_channel_id=channel.id,
            host_role_id=host_role.id if host_role else None,
        )

    @settings_group.command(name=ls("cmd.settings.language"), description=ls("cmd.settings.language.desc"))
    @app_commands.rename(language=ls("opt.language"))
    @app_commands.describe(language=ls("opt.language.desc"))
    @app_commands.choices(
        language=[app_commands.Choice(name=ls(f"choice.{code}"), value=code) for code in i18n.PUBLIC_LANGUAGES]
    )
    async def settings_language(self, interaction: discord.Interaction[ZundaBot], language: str) -> None:
        require_manage_guild(interaction)
        assert interaction.guild_id is not None
        await self.bot.store.guilds.update(interaction.guild_id, by=interaction.user.id, language=language)
        await self._reply_settings(interaction, i18n.t("settings.saved", interaction.locale))
        self._changed(interaction.guild_id)

    @settings_group.command(name=ls("cmd.settings.headline"), description=ls("cmd.settings.headline.desc"))
    @app_commands.rename(template=ls("opt.template"))
    @app_commands.describe(template=ls("opt.template.desc"))
    async def settings_headline(
        self,
        interaction: discord.Interaction[ZundaBot],
        template: app_commands.Range[str, 0, TEMPLATE_LIMIT + 100] | None = None,
    ) -> None:
        """Set (checked, then previewed on the latest episode) or, without a template, restore the headline."""
        require_manage_guild(interaction)
        assert interaction.guild_id is not None
        locale = interaction.locale
        try:
            checked = check_template(template) if template is not None and template.strip() else None
        except TemplateError as error:
            raise UserFacingError(
                i18n.t(f"settings.headline.{error.problem}", locale, detail=escape_text(error.detail))
            ) from None
        await self.bot.store.guilds.update(interaction.guild_id, by=interaction.user.id, headline=checked)
        wording = await self.bot.store.guilds.wording(interaction.guild_id)
        latest = await self.bot.store.episodes.latest(1)
        message = i18n.t("settings.saved", locale)
        if latest:
            with i18n.speaking(wording.language):
                text = headline(checked, latest[0], self.bot.settings.zone) if checked else i18n.t("announce.headline")
            episode = i18n.t("settings.headline.preview_episode", locale, number=escape_text(latest[0].number))
            message += "\n" + i18n.t("settings.headline.preview", locale, episode=episode, text=text)
        await self._reply_settings(interaction, message)

    @settings_group.command(name=ls("cmd.settings.premiere"), description=ls("cmd.settings.premiere.desc"))
    @app_commands.rename(enabled=ls("opt.enabled"))
    @app_commands.describe(enabled=ls("opt.enabled.desc"))
    async def settings_premiere(self, interaction: discord.Interaction[ZundaBot], enabled: bool) -> None:
        """Turn scheduled events for future-dated episodes on or off; warns when the bot may not create them."""
        require_manage_guild(interaction)
        assert interaction.guild is not None
        locale = interaction.locale
        await self.bot.store.premieres.set_enabled(interaction.guild.id, enabled, by=interaction.user.id)
        message = i18n.t("settings.saved", locale)
        if enabled:
            message = (
                i18n.t("settings.premiere.missing", locale)
                if not can_schedule(interaction.guild)
                else f"{message}\n{i18n.t('settings.premiere.explain', locale)}"
            )
        await self._reply_settings(interaction, message)
        self._changed(interaction.guild.id)

    @settings_group.command(name=ls("cmd.settings.card"), description=ls("cmd.settings.card.desc"))
    @app_commands.rename(style=ls("opt.card_style"), channel=ls("opt.channel"))
    @app_commands.describe(style=ls("opt.card_style.desc"), channel=ls("opt.channel.card"))
    @app_commands.choices(
        style=[app_commands.Choice(name=ls(f"choice.card.{s.value}"), value=s.value) for s in CardStyle]
    )
    async def settings_card(
        self,
        interaction: discord.Interaction[ZundaBot],
        style: str,
        channel: discord.TextChannel | discord.ForumChannel | None = None,
    ) -> None:
        """Choose the layout of a channel's announcements (default: the server's announcement channel); what is
        already posted keeps its layout, the next episode takes the new one."""
        require_manage_guild(interaction)
        assert interaction.guild_id is not None
        locale = interaction.locale
        channel_id = channel.id if channel else await self._announce_channel(interaction.guild_id)
        if channel_id is None:
            raise UserFacingError(i18n.t("settings.card.no_channel", locale))
        chosen = CardStyle(style)
        await self.bot.store.cards.set(channel_id, interaction.guild_id, chosen, by=interaction.user.id)
        message = i18n.t("settings.card.saved", locale, channel=f"<#{channel_id}>", style=_style_name(chosen, locale))
        target = channel or (interaction.guild.get_channel(channel_id) if interaction.guild else None)
        if chosen is CardStyle.V2 and isinstance(target, discord.ForumChannel):
            message += "\n" + i18n.t("settings.card.forum", locale)
        await self._reply_settings(interaction, message)

    async def _announce_channel(self, guild_id: int) -> int | None:
        """The server's announcement channel: its own choice, else the one of ANNOUNCE_CHANNEL_IDS in it."""
        current = await self.bot.store.guilds.get(guild_id)
        if current and current.announce_channel_id:
            return current.announce_channel_id
        for channel_id in self.bot.settings.announce_channel_ids:
            found = self.bot.get_channel(channel_id)
            if isinstance(found, discord.abc.GuildChannel) and found.guild.id == guild_id:
                return channel_id
        return None

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
        guidance: str = "",
        **values: int | None,
    ) -> None:
        """Store the settings, then confirm — with a warning naming what the bot lacks in ``channel``."""
        require_manage_guild(interaction)
        assert interaction.guild_id is not None
        await self.bot.store.guilds.update(interaction.guild_id, by=interaction.user.id, **values)
        perms = channel.permissions_for(channel.guild.me)
        missing = [name for name in needed if not getattr(perms, name)]
        locale = interaction.locale
        names = "、".join(f"「{i18n.t(f'perm.{name}', locale)}」" for name in missing)
        message = (
            i18n.t("settings.missing_perms", locale, channel=channel.mention, permissions=names)
            if missing
            else i18n.t("settings.saved", locale)
        )
        await self._reply_settings(interaction, f"{message}\n{guidance}" if guidance else message)
        self._changed(interaction.guild_id)

    def _changed(self, guild_id: int) -> None:
        """Tell the features that a server's settings changed, so they act on it at once rather than at their
        next tick: the custom event ``settings_changed(guild_id, changed_at)`` (``on_settings_changed``)."""
        self.bot.dispatch("settings_changed", guild_id, datetime.now(UTC))

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
        wording = current.wording if current else Wording()
        embed.add_field(
            name=i18n.t("settings.language", locale), value=i18n.t(f"settings.language.{wording.language}", locale)
        )
        with i18n.speaking(wording.language):
            default = i18n.t("announce.headline")
        cards = await self.bot.store.cards.of_guild(interaction.guild_id)
        announce_id = await self._announce_channel(interaction.guild_id)
        if announce_id is not None:
            cards.setdefault(announce_id, CardStyle.EMBED)
        embed.add_field(
            name=i18n.t("settings.card", locale),
            value="\n".join(f"<#{cid}>: {_style_name(style, locale)}" for cid, style in sorted(cards.items())) or unset,
            inline=False,
        )
        embed.add_field(
            name=i18n.t("settings.headline", locale),
            value=escape_text(wording.headline)
            if wording.headline
            else i18n.t("settings.headline.default", locale, text=default),
            inline=False,
        )
        premiere = await self.bot.store.premieres.enabled(interaction.guild_id)
        embed.add_field(
            name=i18n.t("settings.premiere", locale),
            value=i18n.t("settings.premiere.on" if premiere else "settings.premiere.off", locale),
        )
        await interaction.response.send_message(
            message or None, embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
