"""``/help``: what listeners, hosts and server managers can do, in the user's language."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.ui.answer import answer
from bot.ui.translator import ls
from cogs.help.audience import AUDIENCES, Audience, Entry, entries, section

if TYPE_CHECKING:
    from bot.app import ZundaBot

i18n.register(
    {
        "help.cmd": {"default": "help", "ja": "ヘルプ", "en": "help"},
        "help.cmd.desc": {"ja": "このボットでできることを表示します", "en": "Show what this bot can do"},
        "help.title": {"ja": "zundabot でできること", "en": "What zundabot can do"},
        "help.intro": {
            "ja": "コマンドはメッセージ欄に `/` を入力して選べるのだ。下のコマンドを押しても始められるのだ。",
            "en": "Type `/` in the message box to pick a command, or tap one below.",
        },
        "help.listeners": {"ja": "だれでも", "en": "Everyone"},
        "help.hosts": {
            "ja": "ホスト（ホストロールまたは「サーバー管理」権限の人）",
            "en": "Hosts (the host role, or Manage Server)",
        },
        "help.managers": {"ja": "サーバー管理者（「サーバー管理」権限の人）", "en": "Server managers (Manage Server)"},
        "help.hosts_hidden": {
            "ja": "ホスト用のコマンドが一覧に出ないときは、サーバー管理者が「サーバー設定」→「連携サービス」→ "
            "zundabot で、ホストロールにそのコマンドを許可してほしいのだ。",
            "en": "If hosts do not see their commands, a server manager can allow the host role under "
            "Server Settings → Integrations → zundabot.",
        },
    }
)

ORDER = (Audience.LISTENERS, Audience.HOSTS, Audience.MANAGERS)


class Help(commands.Cog):
    """``/help``, built from the command tree as Discord shows it to the user's locale."""

    def __init__(self, bot: ZundaBot) -> None:
        self.bot = bot
        self._ids: dict[str, int] | None = None
        self._fetching = asyncio.Lock()
        self._payloads: tuple[tuple[object, ...], list[tuple[Audience, dict[str, Any]]]] | None = None

    async def command_ids(self) -> dict[str, int]:
        """Ids of the synced commands (for clickable mentions), fetched once; empty when Discord cannot say."""
        async with self._fetching:  # many /help at once fetch them once
            if self._ids is None:
                guild = discord.Object(self.bot.settings.dev_guild_id) if self.bot.settings.dev_guild_id else None
                try:
                    fetched = await self.bot.tree.fetch_commands(guild=guild)
                except discord.HTTPException:
                    return {}
                self._ids = {command.name: command.id for command in fetched}
            return self._ids

    async def payloads(self) -> list[tuple[Audience, dict[str, Any]]]:
        """Each listed command's payload translated into every locale, built once per command tree: building
        them calls the translator some 5,000 times, 17 ms on the event loop, too much for every ``/help``."""
        tree = self.bot.tree
        listed = tuple(sorted((c for c in tree.get_commands() if c.name in AUDIENCES), key=lambda c: c.name))
        if self._payloads is None or self._payloads[0] != listed:
            translator = tree.translator
            built = []
            for command in listed:
                if translator:
                    payload = await command.get_translated_payload(tree, translator)
                else:
                    payload = command.to_dict(tree)
                built.append((AUDIENCES[command.name], payload))
            self._payloads = (listed, built)
        return self._payloads[1]

    async def sections(self, locale: discord.Locale) -> dict[Audience, list[Entry]]:
        found: dict[Audience, list[Entry]] = {audience: [] for audience in ORDER}
        for audience, payload in await self.payloads():
            found[audience].extend(entries(payload, locale.value))
        return found

    @app_commands.command(name=ls("help.cmd"), description=ls("help.cmd.desc"))
    async def help(self, interaction: discord.Interaction[ZundaBot]) -> None:
        locale = interaction.locale
        ids = await self.command_ids()
        embed = discord.Embed(
            title=i18n.t("help.title", locale), description=i18n.t("help.intro", locale), colour=0x7AC943
        )
        for audience, listed in (await self.sections(locale)).items():
            lines = []
            for entry in listed:
                top = entry.path.split(" ", 1)[0]
                name = f"</{entry.path}:{ids[top]}>" if top in ids else f"`/{entry.shown}`"
                lines.append(f"{name} — {entry.description}")
            if lines:
                embed.add_field(name=i18n.t(f"help.{audience.value}", locale), value=section(lines), inline=False)
        embed.set_footer(text=i18n.t("help.hosts_hidden", locale))
        await answer(interaction, embed=embed)


async def setup(bot: ZundaBot) -> None:
    await bot.add_cog(Help(bot))
