"""A private, paged answer: ◀ ▶ for the person who asked, 「共有」 to post the current page publicly.

Pages are message payloads (plain dicts, as :mod:`bot.render` and :mod:`bot.search.present` build them),
rendered on demand by a function of the page index, so a long result costs only the pages opened.
Link buttons of a page's payload are shown below the pager; a non-link button (the announcement's
「お便りを送る」) is shown too but handled elsewhere (by its DynamicItem), never by this view. When the view
times out its controls are removed and only the link buttons stay.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import discord
from discord import ui

from bot import i18n
from bot.ui.errors import BaseView
from bot.ui.safety import NO_MENTIONS

log = logging.getLogger(__name__)

Payload = dict[str, Any]

#: Seconds the buttons stay usable; well inside the 15 minutes an interaction token can edit its message.
PAGER_TIMEOUT = 600.0

i18n.register(
    {
        "pager.share": {"ja": "共有", "en": "Share"},
        "pager.not_yours": {
            "ja": "このボタンはコマンドを使った人だけが押せるのだ。自分でもコマンドを使ってみてほしいのだ！",
            "en": "Only the person who ran the command can use these buttons. Try the command yourself!",
        },
        "pager.shared_by": {"ja": "{user} さんが共有したのだ", "en": "Shared by {user}"},
    }
)


def message_kwargs(payload: Payload) -> dict[str, Any]:
    """``send_message``/``edit`` keyword arguments for a payload's content and embeds (never any mentions)."""
    return {
        "content": payload.get("content") or None,
        "embeds": [discord.Embed.from_dict(embed) for embed in payload.get("embeds", [])],
        "allowed_mentions": NO_MENTIONS,
    }


class PassiveButton(ui.Button[Any]):
    """A button this view shows but never handles (its custom id belongs to a DynamicItem elsewhere)."""

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        return False


def payload_buttons(payload: Payload, *, row: int, links_only: bool = False) -> list[ui.Button[Any]]:
    """Buttons for the button components of a payload (link buttons, and passive custom-id ones)."""
    buttons: list[ui.Button[Any]] = []
    for action_row in payload.get("components", []):
        for component in action_row.get("components", []):
            if component.get("type") != 2:
                continue
            emoji = (component.get("emoji") or {}).get("name")
            if component.get("url"):
                buttons.append(ui.Button(label=component.get("label"), url=component["url"], emoji=emoji, row=row))
            elif component.get("custom_id") and not links_only:
                buttons.append(
                    PassiveButton(
                        label=component.get("label"),
                        custom_id=component["custom_id"],
                        style=discord.ButtonStyle(component.get("style", 2)),
                        emoji=emoji,
                        row=row,
                    )
                )
    return buttons[:5]


class Pager(BaseView):
    """Shows ``pages`` one at a time to ``owner_id``; see the module docstring."""

    def __init__(
        self,
        render: Callable[[int], Payload],
        count: int,
        *,
        owner_id: int,
        locale: object | None = None,
        timeout: float | None = None,
    ) -> None:
        super().__init__(timeout=PAGER_TIMEOUT if timeout is None else timeout)
        if count < 1:
            raise ValueError("a pager needs at least one page")
        self.render = render
        self.count = count
        self._rendered: dict[int, Payload] = {}
        self.owner_id = owner_id
        self.locale = locale
        self.index = 0
        self.origin: discord.Interaction[Any] | None = None
        self.previous = ui.Button[Any](emoji="◀️", row=0)
        self.position = ui.Button[Any](disabled=True, row=0)
        self.next = ui.Button[Any](emoji="▶️", row=0)
        self.share = ui.Button[Any](
            label=i18n.t("pager.share", locale), emoji="📢", style=discord.ButtonStyle.primary, row=0
        )
        self.previous.callback = self._previous  # type: ignore[method-assign]
        self.next.callback = self._next  # type: ignore[method-assign]
        self.share.callback = self._share  # type: ignore[method-assign]
        self._layout()

    @classmethod
    def of(cls, pages: Sequence[Payload], **options: Any) -> Pager:
        """A pager over pages already built."""
        return cls(pages.__getitem__, len(pages), **options)

    @property
    def page(self) -> Payload:
        if self.index not in self._rendered:
            self._rendered[self.index] = self.render(self.index)
        return self._rendered[self.index]

    def _layout(self) -> None:
        self.clear_items()
        if self.count > 1:
            self.previous.disabled = self.index == 0
            self.next.disabled = self.index == self.count - 1
            self.position.label = f"{self.index + 1}/{self.count}"
            self.add_item(self.previous)
            self.add_item(self.position)
            self.add_item(self.next)
        self.add_item(self.share)
        for button in payload_buttons(self.page, row=1):
            self.add_item(button)

    async def start(self, interaction: discord.Interaction[Any]) -> None:
        """Answer ``interaction`` with the first page, privately (as its follow-up if it was deferred)."""
        self.origin = interaction
        if interaction.response.is_done():
            await interaction.followup.send(**message_kwargs(self.page), view=self, ephemeral=True)
        else:
            await interaction.response.send_message(**message_kwargs(self.page), view=self, ephemeral=True)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            i18n.t("pager.not_yours", interaction.locale), ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        return False

    async def _turn(self, interaction: discord.Interaction[Any], step: int) -> None:
        self.index = min(max(self.index + step, 0), self.count - 1)
        self._layout()
        await interaction.response.edit_message(**message_kwargs(self.page), view=self)

    async def _previous(self, interaction: discord.Interaction[Any]) -> None:
        await self._turn(interaction, -1)

    async def _next(self, interaction: discord.Interaction[Any]) -> None:
        await self._turn(interaction, +1)

    async def _share(self, interaction: discord.Interaction[Any]) -> None:
        kwargs = message_kwargs(self.page)
        credit = i18n.t("pager.shared_by", self.locale, user=interaction.user.mention)
        kwargs["content"] = "\n".join(part for part in (credit, kwargs["content"]) if part)
        links = payload_buttons(self.page, row=0, links_only=True)
        if links:
            view = ui.View(timeout=None)
            for button in links:
                view.add_item(button)
            kwargs["view"] = view
        await interaction.response.send_message(**kwargs)

    async def on_timeout(self) -> None:
        if self.origin is None:
            return
        links = payload_buttons(self.page, row=0, links_only=True)
        view: ui.View | None = None
        if links:
            view = ui.View(timeout=None)
            for button in links:
                view.add_item(button)
        try:
            await self.origin.edit_original_response(view=view)
        except discord.HTTPException as exc:
            log.debug("could not remove the pager's buttons: %s", exc)
