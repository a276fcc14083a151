"""The letters feature's persistent buttons: 「お便りを送る」 and the hosts' triage buttons.

Both are :class:`discord.ui.DynamicItem` s (their custom ids, :mod:`bot.letters.custom_ids`, carry
what they act on), so they keep working after a restart. A triage button checks in its own
``interaction_check`` that the one who pressed it is a host, on every press.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Self

import discord
from discord import ui

from bot import i18n
from bot.letters.custom_ids import HOST_TEMPLATE, LETTER_TEMPLATE, host_custom_id, letter_custom_id
from bot.letters.model import Letter, Status, TransitionError
from bot.ui.answer import answer
from bot.ui.checks import is_host
from bot.ui.errors import UserFacingError, report_error
from cogs.letters.form import open_form
from cogs.letters.host import host_embed

if TYPE_CHECKING:
    from bot.app import ZundaBot
    from bot.store.letters import LetterStore

#: Custom event dispatched when a letter changed in a way the outbox must deliver (the cog drains it).
LETTERS_CHANGED = "letters_changed"


class HostAction(StrEnum):
    ADOPT = "adopt"
    HOLD = "hold"
    READ = "read"
    REJECT = "reject"
    BLOCK = "block"

    @property
    def status(self) -> Status | None:
        """The status this button sets (``None`` for block, which toggles a block)."""
        return {
            HostAction.ADOPT: Status.ADOPTED,
            HostAction.HOLD: Status.HELD,
            HostAction.READ: Status.READ,
            HostAction.REJECT: Status.REJECTED,
        }.get(self)


_EMOJI = {
    HostAction.ADOPT: "✅",
    HostAction.HOLD: "⏸️",
    HostAction.READ: "👀",
    HostAction.REJECT: "✖️",
    HostAction.BLOCK: "🚫",
}
_STYLE = {
    HostAction.ADOPT: discord.ButtonStyle.success,
    HostAction.HOLD: discord.ButtonStyle.secondary,
    HostAction.READ: discord.ButtonStyle.secondary,
    HostAction.REJECT: discord.ButtonStyle.secondary,
    HostAction.BLOCK: discord.ButtonStyle.danger,
}


class LetterButton(ui.DynamicItem[ui.Button[ui.View]], template=LETTER_TEMPLATE):
    """The announcement's 「お便りを送る」 button: opens the letter form for that episode."""

    def __init__(self, number: str) -> None:
        label = i18n.t("letters.button.send")
        super().__init__(ui.Button(label=label, emoji="✉️", custom_id=letter_custom_id(number)))
        self.number = number

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["number"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await open_form(interaction, preset=self.number)
        except Exception as exc:
            await report_error(interaction, exc, where=f"LetterButton/{self.number}")


class HostButton(ui.DynamicItem[ui.Button[ui.View]], template=HOST_TEMPLATE):
    """One triage button of a letter, for hosts only."""

    def __init__(self, action: HostAction, letter_id: int, *, label: str | None = None, disabled: bool = False) -> None:
        super().__init__(
            ui.Button(
                label=label or i18n.t(f"letters.button.{action.value}"),
                emoji=_EMOJI[action],
                style=_STYLE[action],
                custom_id=host_custom_id(action.value, letter_id),
                disabled=disabled,
            )
        )
        self.action = action
        self.letter_id = letter_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(HostAction(match["action"]), int(match["id"]))

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only hosts (the host role or Manage Server) may press it; others are told so, privately."""
        try:
            if await is_host(interaction):
                return True
            await answer(interaction, i18n.t("check.host", interaction.locale))
        except Exception as exc:
            await report_error(interaction, exc, where=f"HostButton/{self.item.custom_id}")
        return False

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self._press(interaction)
        except Exception as exc:
            await report_error(interaction, exc, where=f"HostButton/{self.item.custom_id}")

    async def _press(self, interaction: discord.Interaction[Any]) -> None:
        """Apply the action, and redraw the message the button is on."""
        if interaction.guild_id is None:
            raise UserFacingError(i18n.t("error.guild_only", interaction.locale))
        bot: ZundaBot = interaction.client
        store = bot.store.letters
        letter = await store.get_by_id(interaction.guild_id, self.letter_id)
        if letter is None:
            raise UserFacingError(i18n.t("letters.gone", interaction.locale))
        on_hosts_message = interaction.message is not None and interaction.message.id == letter.host_message_id
        actor = interaction.user.id
        if self.action is HostAction.BLOCK:
            if letter.author_id is None:
                raise UserFacingError(i18n.t("letters.block.tombstone", interaction.locale))
            if await store.is_blocked(letter.guild_id, letter.author_id):
                await store.unblock(letter.guild_id, letter.author_id, actor_id=actor, letter=letter)
            else:
                await store.block(letter.guild_id, letter.author_id, actor_id=actor, letter=letter)
            if not on_hosts_message and await store.request_refresh(letter):
                bot.dispatch(LETTERS_CHANGED)
        elif self.action.status is not None:
            try:
                letter = await store.set_status(
                    letter.guild_id,
                    letter.number,
                    self.action.status,
                    actor_id=actor,
                    refresh_host_message=not on_hosts_message,
                )
            except TransitionError:  # already so, or deleted meanwhile: just redraw
                pass
            else:
                if not on_hosts_message:
                    bot.dispatch(LETTERS_CHANGED)
        fresh = await store.get_by_id(letter.guild_id, letter.id) or letter
        embed, view = await host_message(store, fresh, None if on_hosts_message else interaction.locale)
        await interaction.response.edit_message(embed=embed, view=view)


def host_view(letter: Letter, *, blocked: bool = False, locale: object | None = None) -> ui.View | None:
    """The triage buttons (the current status's button disabled), or ``None`` for a tombstone."""
    if letter.deleted:
        return None
    view = ui.View(timeout=None)
    for action in HostAction:
        if action is HostAction.BLOCK:
            label = i18n.t("letters.button.unblock" if blocked else "letters.button.block", locale)
            view.add_item(HostButton(action, letter.id, label=label, disabled=letter.author_id is None))
        else:
            label = i18n.t(f"letters.button.{action.value}", locale)
            view.add_item(HostButton(action, letter.id, label=label, disabled=action.status is letter.status))
    return view


async def host_message(
    store: LetterStore, letter: Letter, locale: object | None = None
) -> tuple[discord.Embed, ui.View | None]:
    """The hosts' message of a letter as it stands now: embed with history, and its buttons."""
    history = await store.history(letter)
    blocked = letter.author_id is not None and await store.is_blocked(letter.guild_id, letter.author_id)
    return host_embed(letter, history, blocked=blocked, locale=locale), host_view(
        letter, blocked=blocked, locale=locale
    )
