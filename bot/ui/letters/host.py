"""The hosts' view of a letter: an embed (listener text escaped) and persistent triage buttons.

The buttons are :class:`discord.ui.DynamicItem` s whose custom_id carries the action and the
letter's internal id (``zb:lh:adopt:123``), so they keep working after a restart. The letters cog
implements what they do (:class:`HostActions`); it checks host permissions on every press.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, Self

import discord
from discord import ui

from bot import i18n
from bot.letters.model import Action, Letter, LetterEvent, Status
from bot.output import clip, escape_text
from bot.ui.errors import report_error
from bot.ui.letters.texts import status_label

LETTERS_COG = "Letters"
EMBED_ROOM = 4000
HISTORY_LINES = 8

STATUS_COLOURS: dict[Status, discord.Colour] = {
    Status.NEW: discord.Colour.blue(),
    Status.HELD: discord.Colour.gold(),
    Status.READ: discord.Colour.light_grey(),
    Status.ADOPTED: discord.Colour.green(),
    Status.REJECTED: discord.Colour.dark_grey(),
    Status.AIRED: discord.Colour.purple(),
    Status.DELETED: discord.Colour.default(),
}


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


class HostActions(Protocol):
    """What the letters cog does when a host button is pressed."""

    async def host_action(self, interaction: discord.Interaction[Any], action: HostAction, letter_id: int) -> None: ...


def timestamp(iso: str, style: str = "f") -> str:
    return f"<t:{int(datetime.fromisoformat(iso).timestamp())}:{style}>"


def event_line(event: LetterEvent, locale: object | None) -> str:
    values = {
        "from_status": status_label(event.from_status, locale) if event.from_status else "—",
        "to_status": status_label(event.to_status, locale) if event.to_status else "—",
        "detail": escape_text(event.detail) if event.action is Action.AIRED else event.detail,
    }
    if event.action is Action.NOTIFIED:
        values["detail"] = i18n.t(f"letters.how.{event.detail}", locale) if event.detail else "—"
    text = i18n.t(f"letters.action.{event.action.value}", locale, **values)
    who = f" — <@{event.actor_id}>" if event.actor_id else ""
    return f"{timestamp(event.at, 'd')} {timestamp(event.at, 't')} {text}{who}"


def episode_link(number: str, key: str | None) -> str:
    """``#389`` linked to the episode's page (its key is the canonical page URL) when it is one."""
    label = clip("#" + escape_text(number), 100)
    if key and key.startswith("https://") and len(key) <= 900 and not any(c in key for c in " ()<>"):
        return f"[{label}]({key})"
    return label


def host_embed(
    letter: Letter, history: Sequence[LetterEvent], *, blocked: bool = False, locale: object | None = None
) -> discord.Embed:
    """The letter for hosts: text escaped (markdown and mentions shown literally), status with who and when."""
    title = i18n.t("letters.embed.title", locale, number=letter.number)
    if letter.deleted:
        description = i18n.t("letters.embed.deleted", locale)
    else:
        description = clip(escape_text(letter.body), EMBED_ROOM)
    embed = discord.Embed(title=title, description=description, colour=STATUS_COLOURS[letter.status])
    embed.timestamp = datetime.fromisoformat(letter.created_at)
    embed.set_footer(text=i18n.t("letters.embed.footer", locale))
    embed.add_field(name=i18n.t("letters.embed.status", locale), value=status_label(letter.status, locale))
    if not letter.deleted:
        embed.add_field(name=i18n.t("letters.embed.name", locale), value=clip(escape_text(letter.radio_name), 1024))
        if letter.author_id is not None:
            author = f"<@{letter.author_id}>"
            if blocked:
                author += "\n" + i18n.t("letters.embed.blocked", locale)
            embed.add_field(name=i18n.t("letters.embed.author", locale), value=author)
    if letter.episode_number:
        embed.add_field(
            name=i18n.t("letters.embed.episode", locale),
            value=episode_link(letter.episode_number, letter.episode_key),
        )
    if letter.status is Status.AIRED and letter.aired_episode_number and letter.aired_at:
        embed.add_field(
            name=i18n.t("letters.embed.aired", locale),
            value=f"{episode_link(letter.aired_episode_number, letter.aired_episode_key)} "
            f"{timestamp(letter.aired_at, 'R')}",
        )
    if not letter.deleted:
        if letter.notify_result:
            how = i18n.t(f"letters.how.{letter.notify_result}", locale)
            notice = i18n.t("letters.embed.notify.done", locale, how=how)
        else:
            notice = i18n.t("letters.embed.notify.yes" if letter.notify else "letters.embed.notify.no", locale)
        embed.add_field(name=i18n.t("letters.embed.notify", locale), value=notice)
    lines = [event_line(event, locale) for event in history[-HISTORY_LINES:]]
    if lines:
        text = "\n".join(lines)
        while len(text) > 1024 and len(lines) > 1:
            lines = lines[1:]
            text = "\n".join(lines)
        embed.add_field(name=i18n.t("letters.embed.history", locale), value=clip(text, 1024), inline=False)
    return embed


class HostButton(
    ui.DynamicItem[ui.Button[ui.View]],
    template=r"zb:lh:(?P<action>adopt|hold|read|reject|block):(?P<id>[0-9]{1,19})",
):
    """One triage button of a letter; the letters cog decides what it does and who may press it."""

    def __init__(self, action: HostAction, letter_id: int, *, label: str | None = None, disabled: bool = False) -> None:
        super().__init__(
            ui.Button(
                label=label or i18n.t(f"letters.button.{action.value}"),
                emoji=_EMOJI[action],
                style=_STYLE[action],
                custom_id=f"zb:lh:{action.value}:{letter_id}",
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

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            handler: HostActions | None = interaction.client.get_cog(LETTERS_COG)
            if handler is None:
                raise RuntimeError("the letters cog is not loaded")
            await handler.host_action(interaction, self.action, self.letter_id)
        except Exception as exc:
            await report_error(interaction, exc, where=f"HostButton/{self.item.custom_id}")


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


def letter_line(letter: Letter, locale: object | None, *, snippet: int = 60) -> str:
    """One line of a list: number, status, when, radio name and the start of the text (escaped)."""
    head = i18n.t(
        "letters.line",
        locale,
        number=letter.number,
        status=status_label(letter.status, locale),
        when=timestamp(letter.created_at, "d"),
    )
    if letter.deleted:
        return head
    text = " ".join(letter.body.split())
    sep = i18n.t("letters.sep", locale)
    episode = f"{sep}#{escape_text(letter.episode_number)}" if letter.episode_number else ""
    return f"{head}{episode}{sep}{escape_text(letter.radio_name)}\n> {escape_text(clip(text, snippet))}"
