"""A private, paged answer: ◀ 前へ / 次へ ▶ for the person who asked, 「共有」 to post the current page publicly.

Every paged answer uses it: search results and episode lists (shareable), and the letters lists of hosts and
listeners (``shareable=False``: they are nobody else's to post). 「共有」 posts once per pager (the button then
disables itself), and only where the person could post themselves: a member without Send Messages in the channel
(Send Messages in Threads in a thread) is told so privately. A pager can give a ``public`` form of a page (the
search pager shortens the query in its title).

Pages are message payloads (plain dicts, as :mod:`bot.render` and :mod:`bot.search.present` build them),
rendered on demand by a function of the page index, so a long result costs only the pages opened; with
``load``, each turn builds its page afresh (off the loop, from fresh data) and only the page shown is kept.
Link buttons of a page's payload are shown below the pager; a non-link button (the announcement's
「お便りを送る」) is shown too but handled elsewhere (by its DynamicItem), never by this view. When the view
times out its controls are removed and only the link buttons stay (see :mod:`bot.ui.expiring`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import ui

from bot import i18n
from bot.ui.expiring import ExpiringView
from bot.ui.safety import NO_MENTIONS

Payload = dict[str, Any]

#: Seconds without a press after which the buttons are removed (never later than the token that can remove
#: them allows: see :mod:`bot.ui.expiring`).
PAGER_TIMEOUT = 600.0

i18n.register(
    {
        "pager.share": {"ja": "共有", "en": "Share"},
        "pager.previous": {"ja": "前へ", "en": "Previous"},
        "pager.next": {"ja": "次へ", "en": "Next"},
        "pager.position": {"ja": "{page}/{pages}", "en": "{page}/{pages}"},
        "pager.shared_by": {"ja": "{user} さんが共有したのだ", "en": "Shared by {user}"},
        "pager.share_forbidden": {
            "ja": "このチャンネルではメッセージを送る権限がないので、共有できないのだ。",
            "en": "You cannot send messages in this channel, so this cannot be shared here.",
        },
        "pager.already_shared": {
            "ja": "この結果はもう共有したのだ。もう一度共有するには、コマンドを使い直してほしいのだ。",
            "en": "This answer was already shared. Run the command again to share another one.",
        },
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


def shared_kwargs(payload: Payload, user: discord.abc.User, locale: object | None) -> dict[str, Any]:
    """``send`` keyword arguments of a page posted publicly by ``user``: the page, credited to them."""
    kwargs = message_kwargs(payload)
    credit = i18n.t("pager.shared_by", locale, user=user.mention)
    kwargs["content"] = "\n".join(part for part in (credit, kwargs["content"]) if part)
    return kwargs


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


_THREADS = (discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread)


def can_post(interaction: discord.Interaction[Any]) -> bool:
    """Whether the person who pressed could post in the channel themselves (always, outside a server)."""
    if interaction.guild_id is None:
        return True
    permissions = interaction.permissions
    if getattr(interaction.channel, "type", None) in _THREADS:
        return permissions.send_messages_in_threads
    return permissions.send_messages


def links_view(payload: Payload) -> ui.View | None:
    """A view of the payload's link buttons only (they never expire), or ``None`` if it has none."""
    links = payload_buttons(payload, row=0, links_only=True)
    if not links:
        return None
    view = ui.View(timeout=None)
    for button in links:
        view.add_item(button)
    return view


class Pager(ExpiringView):
    """Shows ``pages`` one at a time to ``owner_id``; see the module docstring."""

    def __init__(
        self,
        render: Callable[[int], Payload],
        count: int,
        *,
        owner_id: int,
        locale: object | None = None,
        timeout: float | None = None,
        public: Callable[[Payload], Payload] | None = None,
        load: Callable[[int], Awaitable[Payload]] | None = None,
        shareable: bool = True,
    ) -> None:
        super().__init__(owner_id=owner_id, timeout=PAGER_TIMEOUT if timeout is None else timeout)
        if count < 1:
            raise ValueError("a pager needs at least one page")
        self.render = render
        self.load = load
        self.count = count
        self._rendered: dict[int, Payload] = {}
        self.locale = locale
        self.public = public
        self.shareable = shareable
        self.shared = False
        self.index = 0
        self.previous = ui.Button[Any](emoji="◀️", label=i18n.t("pager.previous", locale), row=0)
        self.position = ui.Button[Any](disabled=True, row=0)
        self.next = ui.Button[Any](emoji="▶️", label=i18n.t("pager.next", locale), row=0)
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
            self.position.label = i18n.t("pager.position", self.locale, page=self.index + 1, pages=self.count)
            self.add_item(self.previous)
            self.add_item(self.position)
            self.add_item(self.next)
        if self.shareable:
            self.add_item(self.share)
        for button in payload_buttons(self.page, row=1):
            self.add_item(button)

    async def start(self, interaction: discord.Interaction[Any]) -> None:
        """Answer ``interaction`` with the first page, privately (as its follow-up if it was deferred)."""
        await self.send(interaction, **message_kwargs(self.page))

    async def _turn(self, interaction: discord.Interaction[Any], step: int) -> None:
        self.index = min(max(self.index + step, 0), self.count - 1)
        if self.load is not None:  # pages built on demand, off the loop; only the page shown is kept
            self._rendered = {self.index: await self.load(self.index)}
        self._layout()
        await self.update(interaction, **message_kwargs(self.page))

    async def _previous(self, interaction: discord.Interaction[Any]) -> None:
        await self._turn(interaction, -1)

    async def _next(self, interaction: discord.Interaction[Any]) -> None:
        await self._turn(interaction, +1)

    async def _share(self, interaction: discord.Interaction[Any]) -> None:
        refusal = "pager.already_shared" if self.shared else None if can_post(interaction) else "pager.share_forbidden"
        if refusal is not None:
            await interaction.response.send_message(
                i18n.t(refusal, interaction.locale), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        self.shared = True  # before any await: a second press meanwhile is refused
        self.share.disabled = True
        page = self.page
        kwargs = shared_kwargs(self.public(page) if self.public is not None else page, interaction.user, self.locale)
        links = links_view(page)
        if links is not None:
            kwargs["view"] = links
        await self.update(interaction, **message_kwargs(page))  # shows the button disabled
        await interaction.followup.send(**kwargs)

    def expired_view(self) -> ui.View | None:
        return links_view(self.page)
