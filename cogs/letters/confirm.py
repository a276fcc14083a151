"""A yes/no question for the user who asked (deleting a letter cannot be undone)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import ui

from bot.ui.errors import BaseView

CONFIRM_TIMEOUT = 300.0

Answer = Callable[[discord.Interaction[Any]], Awaitable[None]]


class Confirm(BaseView):
    """Two buttons; only ``owner_id`` may press them, and only the first press counts."""

    def __init__(self, owner_id: int, yes_label: str, no_label: str, on_yes: Answer, on_no: Answer) -> None:
        super().__init__(timeout=CONFIRM_TIMEOUT)
        self.owner_id = owner_id
        self.on_yes = on_yes
        self.on_no = on_no
        self.yes.label = yes_label
        self.no.label = no_label

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return interaction.user.id == self.owner_id and not self.is_finished()

    @ui.button(style=discord.ButtonStyle.danger)
    async def yes(self, interaction: discord.Interaction[Any], button: ui.Button[Confirm]) -> None:
        self.stop()
        await self.on_yes(interaction)

    @ui.button(style=discord.ButtonStyle.secondary)
    async def no(self, interaction: discord.Interaction[Any], button: ui.Button[Confirm]) -> None:
        self.stop()
        await self.on_no(interaction)
