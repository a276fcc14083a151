"""A search's private answer and its buttons: ◀ 前へ / 次へ ▶ for the one who searched, 「共有」 to post the page.

The buttons are :class:`discord.ui.DynamicItem` s whose custom ids carry the id of the search request
(:mod:`bot.store.search.requests`), the page they lead to and what they do. Nothing stays alive in the process
for an answer (no view, no interaction, no hits, nothing for the garbage collector to walk): a press reads the
request, checks that whoever pressed is the one who searched, searches again and draws the page it asks for.
The buttons therefore work across restarts, and as long as the request is kept (a day); an older answer is
told to search again. 「共有」 posts the page shown, once per answer (recorded with the request), and only where
the one who pressed could post themselves.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Self, TypeVar

import discord
from discord import ui

from bot import i18n
from bot.search.model import SearchRequest
from bot.search.present import page_count, search_page
from bot.search.query import parse_query
from bot.search.worker import off_loop
from bot.ui.answer import answer
from bot.ui.errors import report_error
from bot.ui.pager import can_post, message_kwargs, shared_kwargs
from bot.ui.safety import quoted

if TYPE_CHECKING:
    from bot.app import ZundaBot

#: Hits a search keeps for paging (20 pages of 5).
SEARCH_LIMIT = 100
#: Characters of the query a shared (public) search page shows in its title.
SHARED_QUERY_LIMIT = 50
#: Seconds a search may take before its answer is deferred (Discord waits 3 seconds for the first answer).
DEFER_AFTER = 1.0
#: The custom id of an answer's buttons: ``zb:sr:<request id>:<page index>:<go|share>``.
TEMPLATE = r"zb:sr:(?P<request>[0-9]{1,19}):(?P<page>[0-9]{1,4}):(?P<action>go|share)"
T = TypeVar("T")

i18n.register(
    {
        "lookup.search_expired": {
            "ja": "この検索結果は古くなったので、もうページをめくれないのだ。もう一度 /search で探してほしいのだ。",
            "en": "This search has expired, so its pages cannot be turned any more. Please run /search again.",
        },
    }
)


async def in_time(interaction: discord.Interaction[Any], work: Awaitable[T]) -> T:
    """``work``'s result; the answer is deferred when it takes longer than :data:`DEFER_AFTER` seconds (a
    command's privately, a button's as an update of its message), so that a busy moment never misses Discord's
    3-second deadline."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done and not interaction.response.is_done():
        if interaction.type is discord.InteractionType.component:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
    return await task


def public_page(payload: dict[str, Any], query: str, locale: object | None) -> dict[str, Any]:
    """A search page as shared in the channel: the query in its title short and escaped."""
    embeds = [dict(embed) for embed in payload.get("embeds", [])]
    if embeds:
        embeds[0]["title"] = i18n.t("lookup.results_title", locale, query=quoted(query, SHARED_QUERY_LIMIT))
    return payload | {"embeds": embeds}


def buttons(request_id: int, index: int, pages: int, *, shared: bool, locale: object | None) -> ui.View:
    """The buttons of page ``index`` of ``pages``. The view is never dispatched to (its items' presses go to
    :class:`SearchButton`, registered with the bot), so it is finished at once: discord.py keeps no view for
    it."""
    view = ui.View(timeout=None)
    if pages > 1:
        label = i18n.t("pager.previous", locale)
        view.add_item(SearchButton(request_id, max(index - 1, 0), "go", emoji="◀️", label=label, disabled=index == 0))
        position = i18n.t("pager.position", locale, page=index + 1, pages=pages)
        view.add_item(ui.Button(label=position, disabled=True, custom_id=f"zb:sr:{request_id}:{index}:at"))
        last = index == pages - 1
        label = i18n.t("pager.next", locale)
        view.add_item(SearchButton(request_id, min(index + 1, pages - 1), "go", emoji="▶️", label=label, disabled=last))
    share = i18n.t("pager.share", locale)
    style = discord.ButtonStyle.primary
    view.add_item(SearchButton(request_id, index, "share", emoji="📢", label=share, style=style, disabled=shared))
    view.stop()
    return view


async def _edit(interaction: discord.Interaction[Any], **message: Any) -> None:
    """Redraw the message of the pressed button (through the deferred response if the press was deferred)."""
    if interaction.response.is_done():
        await interaction.edit_original_response(**message)
    else:
        await interaction.response.edit_message(**message)


class SearchButton(ui.DynamicItem[ui.Button[ui.View]], template=TEMPLATE):
    """A button of a search's answer (see the module docstring)."""

    def __init__(
        self,
        request_id: int,
        page: int,
        action: str,
        *,
        label: str | None = None,
        emoji: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
    ) -> None:
        custom_id = f"zb:sr:{request_id}:{page}:{action}"
        super().__init__(ui.Button(label=label, emoji=emoji, style=style, disabled=disabled, custom_id=custom_id))
        self.request_id = request_id
        self.page = page
        self.action = action
        self.request: SearchRequest | None = None

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["request"]), int(match["page"]), match["action"])

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only the one who searched may press, while the request is kept; others are told so, privately."""
        try:
            self.request = await interaction.client.store.search_requests.get(self.request_id)
            if self.request is None:
                await answer(interaction, i18n.t("lookup.search_expired", interaction.locale))
            elif self.request.owner_id != interaction.user.id:
                await answer(interaction, i18n.t("pager.not_yours", interaction.locale))
            else:
                return True
        except Exception as exc:
            await report_error(interaction, exc, where=f"SearchButton/{self.item.custom_id}")
        return False

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            if self.request is not None:
                await (self._share if self.action == "share" else self._turn)(interaction, self.request)
        except Exception as exc:
            await report_error(interaction, exc, where=f"SearchButton/{self.item.custom_id}")

    async def _page(
        self, interaction: discord.Interaction[Any], request: SearchRequest
    ) -> tuple[dict[str, Any], int, int] | None:
        """Search again and draw the page this button leads to (the last one, if there are fewer now); ``None``
        (the message then says so) when nothing matches any more."""
        bot: ZundaBot = interaction.client
        parsed = await off_loop(parse_query, request.query)
        filters = request.filters(bot.settings.zone)
        result = await in_time(interaction, bot.store.search.search(parsed, filters, limit=SEARCH_LIMIT))
        if not result.hits:
            nothing = i18n.t("lookup.no_results", interaction.locale, query=quoted(request.query))
            await _edit(interaction, content=nothing, embeds=[], view=None)
            return None
        pages = page_count(len(result.hits))
        index = min(self.page, pages - 1)
        zone, locale = bot.settings.zone, interaction.locale
        payload = await off_loop(search_page, result, parsed, index, zone=zone, locale=locale, filters=filters)
        return payload, index, pages

    async def _turn(self, interaction: discord.Interaction[Any], request: SearchRequest) -> None:
        drawn = await self._page(interaction, request)
        if drawn is not None:
            payload, index, pages = drawn
            view = buttons(self.request_id, index, pages, shared=request.shared, locale=interaction.locale)
            await _edit(interaction, **message_kwargs(payload), view=view)

    async def _share(self, interaction: discord.Interaction[Any], request: SearchRequest) -> None:
        locale = interaction.locale
        store = interaction.client.store.search_requests
        refusal = None if can_post(interaction) else "pager.share_forbidden"
        if request.shared or (refusal is None and not await store.mark_shared(self.request_id)):
            refusal = "pager.already_shared"
        if refusal is not None:
            await answer(interaction, i18n.t(refusal, locale))
            return
        drawn = await self._page(interaction, request)
        if drawn is None:
            return
        payload, index, pages = drawn
        view = buttons(self.request_id, index, pages, shared=True, locale=locale)
        await _edit(interaction, **message_kwargs(payload), view=view)
        await interaction.followup.send(
            **shared_kwargs(public_page(payload, request.query, locale), interaction.user, locale)
        )
