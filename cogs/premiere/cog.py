"""The premieres cog: after every poll, each server that turned premieres on gets its events brought up to date.

Runs on ``announce_cycle_done`` (the announcements cog's custom event after each poll), on ``settings_changed``
and once connected; a failed event is retried at its backoff's time. A server where the bot lacks Manage
Events (or Create Events) is skipped without a request, and ``/status`` says so.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import discord
from apscheduler.triggers.date import DateTrigger
from discord.ext import commands

from bot import i18n
from bot.coalesce import Coalescer
from bot.premiere.sync import PremiereSync, SyncReport
from bot.store.premieres import EventState
from bot.ui.discord_errors import explain
from bot.ui.safety import ERROR_LIMIT, quoted
from cogs.premiere import texts  # noqa: F401 - registers the texts
from cogs.premiere.port import DiscordPremierePort

if TYPE_CHECKING:
    from bot.app import ZundaBot

log = logging.getLogger(__name__)

RETRY_JOB = "premiere:retry"


def can_schedule(guild: discord.Guild) -> bool:
    """Whether the bot may create scheduled events in ``guild`` and edit its own."""
    perms = guild.me.guild_permissions
    return perms.manage_events or perms.create_events


class Premieres(commands.Cog):
    """Keeps each opted-in server's scheduled events in step with the future episodes."""

    def __init__(self, bot: ZundaBot) -> None:
        self.bot = bot
        self.sync = PremiereSync(
            bot.store,
            DiscordPremierePort(bot),
            home_url=bot.site.url,
            bot_id=lambda: bot.user.id if bot.user is not None else None,
        )
        self._runs = Coalescer()
        self.last_run: datetime | None = None
        #: Servers that turned premieres on but where the bot may not create events (shown in /status).
        self.missing_permission: set[int] = set()
        self.reports: dict[int, SyncReport] = {}

    @property
    def busy(self) -> bool:
        return self._runs.running

    async def cog_unload(self) -> None:
        job = self.bot.scheduler.get_job(RETRY_JOB)
        if job is not None:
            job.remove()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.bot.track(self.run())

    @commands.Cog.listener()
    async def on_announce_cycle_done(self) -> None:
        self.bot.track(self.run())

    @commands.Cog.listener()
    async def on_settings_changed(self, guild_id: int, changed_at: datetime) -> None:
        self.bot.track(self.run())

    async def run(self) -> None:
        """One pass over every opted-in server; a call during a pass makes it run once more."""
        if not self.bot.is_ready() or self.bot.closing:
            return
        await self._runs.run(self._round)

    async def _round(self) -> bool:
        next_retry: datetime | None = None
        for guild_id in await self.bot.store.premieres.enabled_guilds():
            if self.bot.closing:
                break
            guild = self.bot.get_guild(guild_id)
            if guild is None:
                continue
            if not can_schedule(guild):
                self.missing_permission.add(guild_id)
                continue
            self.missing_permission.discard(guild_id)
            try:
                report = await self.sync.run(guild_id)
            except Exception:
                log.exception("scheduled events of guild %s could not be brought up to date", guild_id)
                continue
            self.reports[guild_id] = report
            if report.created or report.updated or report.canceled:
                log.info(
                    "scheduled events in guild %s: %d created, %d updated, %d canceled",
                    guild_id,
                    report.created,
                    report.updated,
                    report.canceled,
                )
            if report.next_retry is not None and (next_retry is None or report.next_retry < next_retry):
                next_retry = report.next_retry
        if next_retry is not None:
            delay = max((next_retry - self.bot.store.clock()).total_seconds(), 0.0)
            run_date = datetime.now(UTC) + timedelta(seconds=delay)
            self.bot.add_job(self.run, DateTrigger(run_date=run_date), id=RETRY_JOB, replace_existing=True)
        self.last_run = datetime.now(UTC)
        return False

    async def status_fields(self, guild_id: int, locale: discord.Locale) -> list[tuple[str, str]]:
        """Premieres in this server: off, missing permission, or how many events are scheduled; the last error."""
        if not await self.bot.store.premieres.enabled(guild_id):
            return []
        name = i18n.t("premiere.status.title", locale)
        guild = self.bot.get_guild(guild_id)
        if guild is not None and not can_schedule(guild):
            return [(name, i18n.t("premiere.status.missing", locale))]
        records = (await self.bot.store.premieres.for_guild(guild_id)).values()
        scheduled = sum(1 for record in records if record.state is EventState.SCHEDULED)
        lines = [i18n.t("premiere.status.ok", locale, count=scheduled)]
        for record in records:
            if record.last_error and record.state in (EventState.REFUSED, EventState.CREATING, EventState.SCHEDULED):
                error = explain(record.last_error, locale) or quoted(record.last_error, ERROR_LIMIT)
                lines.append(i18n.t("premiere.status.error", locale, error=error))
                break
        return [(name, "\n".join(lines))]
