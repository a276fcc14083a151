"""Previous/next paging of an ephemeral list, for the one user who asked for it."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import ui

from bot import i18n
from bot.ui.expiring import ExpiringView

#: Seconds without a press after which the buttons are removed (see :mod:`bot.ui.expiring`).
PAGER_TIMEOUT = 600.0

#: Renders page ``n`` (0-based) as an embed.
PageRenderer = Callable[[int], Awaitable[discord.Embed]]


class Pager(ExpiringView):
    """Shows page ``page`` of ``pages``; the buttons re-render through ``render`` (fresh data each time).

    Send it with :meth:`start` when it is :attr:`needed`; its buttons are removed when it expires.
    """

    def __init__(self, owner_id: int, total: int, page_size: int, render: PageRenderer, locale: object | None):
        super().__init__(owner_id=owner_id, timeout=PAGER_TIMEOUT)
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

    async def start(self, interaction: discord.Interaction[Any]) -> None:
        """Answer ``interaction`` privately with the first page and the buttons."""
        await self.send(interaction, embed=await self.render(self.page))

    def _redraw(self) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= self.pages - 1
        self.position.label = i18n.t("letters.page.of", self.locale, page=self.page + 1, pages=self.pages)

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
        await self.update(interaction, embed=await self.render(self.page))
