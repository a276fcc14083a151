"""Previous/next paging of an ephemeral list, for the one user who asked for it."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import ui

from bot import i18n
from bot.ui.errors import BaseView

PAGER_TIMEOUT = 600.0

#: Renders page ``n`` (0-based) as an embed.
PageRenderer = Callable[[int], Awaitable[discord.Embed]]


class Pager(BaseView):
    """Shows page ``page`` of ``pages``; the buttons re-render through ``render`` (fresh data each time)."""

    def __init__(self, owner_id: int, total: int, page_size: int, render: PageRenderer, locale: object | None):
        super().__init__(timeout=PAGER_TIMEOUT)
        self.owner_id = owner_id
        self.pages = max(1, math.ceil(total / page_size))
        self.page = 0
        self.render = render
        self.locale = locale
        self.previous.label = i18n.t("letters.page.prev", locale)
        self.next.label = i18n.t("letters.page.next", locale)
        self._redraw()

    @property
    def needed(self) -> bool:
        return self.pages > 1

    def _redraw(self) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= self.pages - 1
        self.position.label = i18n.t("letters.page.of", self.locale, page=self.page + 1, pages=self.pages)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return interaction.user.id == self.owner_id

    @ui.button(emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction[Any], button: ui.Button[Pager]) -> None:
        await self._show(interaction, self.page - 1)

    @ui.button(label="1 / 1", style=discord.ButtonStyle.secondary, disabled=True)
    async def position(self, interaction: discord.Interaction[Any], button: ui.Button[Pager]) -> None:
        await self._show(interaction, self.page)

    @ui.button(emoji="▶️", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction[Any], button: ui.Button[Pager]) -> None:
        await self._show(interaction, self.page + 1)

    async def _show(self, interaction: discord.Interaction[Any], page: int) -> None:
        self.page = min(max(page, 0), self.pages - 1)
        self._redraw()
        await interaction.response.edit_message(embed=await self.render(self.page), view=self)
