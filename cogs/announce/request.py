"""``/announce``'s argument and answer: which episode a host means, and what the bot tells them it did."""

from __future__ import annotations

from datetime import datetime

import discord

from bot import i18n
from bot.announce.announcer import RequestResult
from bot.episodes.catalogue import episode_number
from bot.episodes.model import Episode
from bot.output import escape_text
from bot.store.store import Store


async def find_episode(store: Store, number: str | None, *, scheduled: bool = False) -> Episode | None:
    """The episode ``number`` names ("#389", "第389回", "389"; scheduled ones too), or the latest one
    (``scheduled``: the latest even if it is not out yet, as the next announcement would be)."""
    if number:
        wanted = episode_number(number)
        return await store.episodes.by_number(wanted, scheduled=True) if wanted else None
    latest = await store.episodes.latest(1, scheduled=scheduled)
    return latest[0] if latest else None


def request_reply(result: RequestResult, episode: Episode, now: datetime, locale: discord.Locale) -> str:
    """The host's private answer to a request for ``episode``."""
    title = escape_text(episode.title)
    if result is RequestResult.NO_CHANNEL:
        return i18n.t("announce.no_channel", locale)
    if result is RequestResult.EXISTS:
        return i18n.t("announce.exists", locale, title=title)
    if episode.published > now:
        return i18n.t("announce.queued_later", locale, title=title, when=discord.utils.format_dt(episode.published))
    return i18n.t("announce.queued", locale, title=title)
