"""The letters feature's persistent buttons: 「お便りを送る」 and the hosts' triage buttons.

Both are :class:`discord.ui.DynamicItem` s (their custom ids, :mod:`bot.letters.custom_ids`, carry
what they act on), so they keep working after a restart. A triage button checks in its own
``interaction_check`` that the one who pressed it is a host, on every press.
"""

from __future__ import annotations

import asyncio
import re
import weakref
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
from bot.ui.safety import NO_MENTIONS
from cogs.letters.form import open_form
from cogs.letters.host import host_embed
from cogs.letters.texts import status_label

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
    UNBLOCK = "unblock"

    @property
    def status(self) -> Status | None:
        """The status this button sets (``None`` for block and unblock)."""
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
    HostAction.UNBLOCK: "🔓",
}
_STYLE = {
    HostAction.ADOPT: discord.ButtonStyle.success,
    HostAction.HOLD: discord.ButtonStyle.secondary,
    HostAction.READ: discord.ButtonStyle.secondary,
    HostAction.REJECT: discord.ButtonStyle.secondary,
    HostAction.BLOCK: discord.ButtonStyle.danger,
    HostAction.UNBLOCK: discord.ButtonStyle.secondary,
}
#: The buttons of a hosts' message, in order; the last slot is ブロック or ブロック解除.
_STATUS_ACTIONS = (HostAction.ADOPT, HostAction.HOLD, HostAction.READ, HostAction.REJECT)
#: Presses on one letter are applied one at a time, so the last answer shows the final state.
_presses: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()


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
        """Do what the label says (a short note when it is so already), and redraw the message."""
        if interaction.guild_id is None:
            raise UserFacingError(i18n.t("error.guild_only", interaction.locale))
        lock = _presses.setdefault(self.letter_id, asyncio.Lock())
        async with lock:
            await self._apply(interaction, interaction.guild_id)

    async def _apply(self, interaction: discord.Interaction[Any], guild_id: int) -> None:
        bot: ZundaBot = interaction.client
        store = bot.store.letters
        locale = interaction.locale
        letter = await store.get_by_id(guild_id, self.letter_id)
        if letter is None:
            raise UserFacingError(i18n.t("letters.gone", locale))
        on_hosts_message = interaction.message is not None and interaction.message.id == letter.host_message_id
        actor = interaction.user.id
        note: str | None = None
        if self.action in (HostAction.BLOCK, HostAction.UNBLOCK):
            if letter.author_id is None:
                raise UserFacingError(i18n.t("letters.block.tombstone", locale))
            change = store.block if self.action is HostAction.BLOCK else store.unblock
            redrawn = letter.id if on_hosts_message else None
            if await change(letter.guild_id, letter.author_id, actor_id=actor, letter=letter, redrawn=redrawn):
                bot.dispatch(LETTERS_CHANGED)
            else:
                note = i18n.t(f"letters.{self.action.value}.already", locale)
        elif self.action.status is not None:
            target = self.action.status
            try:
                letter = await store.set_status(
                    letter.guild_id, letter.number, target, actor_id=actor, refresh_host_message=not on_hosts_message
                )
            except TransitionError as exc:
                key = "letters.status.same" if exc.reason == "same" else "letters.status.is_deleted"
                note = i18n.t(key, locale, number=letter.number, status=status_label(target, locale))
            else:
                if not on_hosts_message:
                    bot.dispatch(LETTERS_CHANGED)
        fresh = await store.get_by_id(letter.guild_id, letter.id) or letter
        embed, view = await host_message(store, fresh, None if on_hosts_message else locale)
        await interaction.response.edit_message(embed=embed, view=view)
        if note:
            await interaction.followup.send(note, ephemeral=True, allowed_mentions=NO_MENTIONS)


def host_view(letter: Letter, *, blocked: bool = False, locale: object | None = None) -> ui.View | None:
    """The triage buttons (the current status's button disabled), or ``None`` for a tombstone.

    The last button says what it does: ブロック, or ブロック解除 when the author is blocked.
    """
    if letter.deleted:
        return None
    view = ui.View(timeout=None)
    for action in _STATUS_ACTIONS:
        label = i18n.t(f"letters.button.{action.value}", locale)
        view.add_item(HostButton(action, letter.id, label=label, disabled=action.status is letter.status))
    block = HostAction.UNBLOCK if blocked else HostAction.BLOCK
    label = i18n.t(f"letters.button.{block.value}", locale)
    view.add_item(HostButton(block, letter.id, label=label, disabled=letter.author_id is None))
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
