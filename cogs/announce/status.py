"""The announcement lines of ``/status``: each channel's health, backlog and last announcement; the poll."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot import i18n
from bot.episodes.model import Episode
from bot.ui.safety import ERROR_LIMIT, quoted

if TYPE_CHECKING:
    from cogs.announce.cog import Announcements


async def status_fields(cog: Announcements, guild_id: int, locale: discord.Locale) -> list[tuple[str, str]]:
    """This server's announcement channel(s): health, backlog, last announcement; the poll cycle."""
    store = cog.bot.store
    lines: list[str] = []
    for target in await store.deliveries.targets(active_only=True):
        if target.guild_id != guild_id:
            continue
        channel = f"<#{target.channel_id}>"
        if target.failures:
            retry = discord.utils.format_dt(datetime.fromisoformat(target.retry_at), "R") if target.retry_at else "—"
            error = quoted(target.last_error or "", ERROR_LIMIT)
            lines.append(
                i18n.t(
                    "announce.status.failing",
                    locale,
                    channel=channel,
                    failures=target.failures,
                    error=error,
                    retry=retry,
                )
            )
        else:
            lines.append(i18n.t("announce.status.ok", locale, channel=channel))
        done, pending = await store.deliveries.counts(target.channel_id)
        lines.append(i18n.t("announce.status.counts", locale, done=done, pending=pending))
        rejected = await store.deliveries.rejected(target.channel_id)
        if rejected:
            named = await store.episodes.get_many([key for key, _ in rejected], scheduled=True)
            titles = [_episode_label(named[key]) if key in named else key for key, _ in rejected]
            lines.append(
                i18n.t(
                    "announce.status.rejected",
                    locale,
                    count=len(rejected),
                    episodes=", ".join(titles)[:200],
                    error=quoted(rejected[-1][1], ERROR_LIMIT),
                )
            )
        last = await store.deliveries.last_delivered(target.channel_id)
        if last is not None:
            episode = await store.episodes.get(last[0], scheduled=True)
            name = discord.utils.escape_markdown(episode.title if episode else last[0])
            when = discord.utils.format_dt(datetime.fromisoformat(last[1]), "R")
            lines.append(i18n.t("announce.status.last", locale, episode=name, when=when))
    if not lines:
        lines.append(i18n.t("announce.status.none", locale))
    if cog.last_report is not None and cog.last_report.held:
        first = min(published for _, published in cog.last_report.held)
        lines.append(
            i18n.t(
                "announce.status.held",
                locale,
                count=len(cog.last_report.held),
                when=discord.utils.format_dt(first, "R"),
            )
        )
    if cog.last_cycle is not None:
        lines.append(i18n.t("announce.status.cycle", locale, when=discord.utils.format_dt(cog.last_cycle, "R")))
    if cog.last_error:
        lines.append(i18n.t("announce.status.cycle_error", locale, error=quoted(cog.last_error, ERROR_LIMIT)))
    return [(i18n.t("announce.status", locale), "\n".join(lines))]


def _episode_label(episode: Episode) -> str:
    return f"#{episode.number}" if episode.number else discord.utils.escape_markdown(episode.title[:50])
