"""The announcements cog: the poll job, held-episode and retry jobs, ``/announce``; its ``/status`` lines.

The domain (what is due where, the crash-safe ledger) lives in :mod:`bot.announce`; this cog
implements its :class:`~bot.announce.port.Port` with discord.py's HTTP client, sending the exact
JSON bodies :mod:`bot.render` produced (``zundabot preview`` prints the same bodies).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import discord
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.announce.announcer import AnnounceOptions, Announcer, CycleReport, RequestResult
from bot.announce.pacing import SHARED_RATE
from bot.announce.polling import FeedAlert, Poller
from bot.announce.port import DeliveryError
from bot.clock import Clock
from bot.episodes.catalogue import episode_number
from bot.episodes.model import Episode
from bot.episodes.sources import Source
from bot.ui.checks import require_host
from bot.ui.errors import UserFacingError
from bot.ui.safety import NO_MENTIONS, public_error, public_source, quoted
from bot.ui.translator import ls
from cogs.announce import texts  # noqa: F401 - registers the texts
from cogs.announce.port import DiscordPort
from cogs.announce.status import status_fields

if TYPE_CHECKING:
    from bot.app import ZundaBot
    from bot.config import Settings
    from bot.episodes.site import Site

log = logging.getLogger(__name__)

#: Requests per second the announcer allows itself (the pace it shares with follow notices).
ANNOUNCE_RATE = SHARED_RATE
POLL_JOB = "announce:poll"
RETRY_JOB = "announce:retry"
RELEASE_JOB = "announce:release:"


def sources_from(settings: Settings, site: Site) -> list[Source]:
    """The posts folder (CONTENT_DIR, when set) and the feed (FEED_URL, when set).

    A missing posts folder is still polled: each poll fails (shown in /status, retried with the source's
    backoff) until the folder appears.
    """
    if settings.content_dir is not None and not settings.content_dir.is_dir():
        log.warning("CONTENT_DIR %s is not a folder: polling it until it is", settings.content_dir)
    return settings.make_sources(settings.content_dir, settings.feed_url, site)


class Announcements(commands.Cog):
    """Polls the sources every POLL_INTERVAL and announces what became due."""

    def __init__(self, bot: ZundaBot) -> None:
        self.bot = bot
        settings = bot.settings
        self.port = DiscordPort(bot, bot.pacer)
        options = AnnounceOptions(
            env_channel_ids=tuple(settings.announce_channel_ids),
            env_role_id=settings.announce_role_id,
            backfill=settings.announce_backfill,
            zone=settings.zone,
        )
        self.announcer = Announcer(
            bot.store,
            self.port,
            options,
            clock=lambda: self.clock(),
            announced=lambda done: bot.dispatch("episode_announced", done),
        )
        self.poller = Poller(
            bot.store,
            sources_from(settings, bot.site),
            interval=timedelta(seconds=settings.poll_interval),
            alert_after=settings.feed_failure_alert,
        )
        self._lock = asyncio.Lock()
        self._again = False
        self.last_cycle: datetime | None = None
        self.last_error: str | None = None
        self.last_report: CycleReport | None = None

    @property
    def clock(self) -> Clock:
        """The announcer's notion of "now": the store's clock, which listener reads use too (tests move it)."""
        return self.bot.store.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.bot.store.clock = clock

    async def cog_load(self) -> None:
        settings = self.bot.settings
        self.bot.add_job(
            self.cycle,
            IntervalTrigger(seconds=settings.poll_interval, jitter=settings.poll_jitter or None),
            id=POLL_JOB,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
        )

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """The first cycle runs once connected (and again after a reconnect: it is cheap when idle)."""
        self.bot.track(self.cycle())

    async def cog_unload(self) -> None:
        for job in self.bot.scheduler.get_jobs():
            if job.id.startswith("announce:"):
                job.remove()

    async def cycle(self) -> None:
        """Poll the sources, then announce; a call during a running cycle makes it run once more."""
        if not self.bot.is_ready() or self.bot.closing:
            return
        if self._lock.locked():
            self._again = True
            return
        async with self._lock:
            self._again = True
            while self._again and not self.bot.closing:
                self._again = False
                try:
                    await self._cycle_once()
                    self.last_error = None
                except Exception as exc:
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.exception("announcement cycle failed")
                self.last_cycle = datetime.now(UTC)

    async def _cycle_once(self) -> None:
        outcome = await self.poller.poll()
        for alert in outcome.alerts:
            await self._warn_hosts(alert)
        report = await self.announcer.run()
        self.last_report = report
        if report.planned or report.delivered or report.failed:
            log.info(
                "announcements: %d planned, %d delivered, %d channel(s) failing, %d waiting",
                report.planned,
                report.delivered,
                len(report.failed),
                report.waiting,
            )
        self._schedule(report)

    def _schedule(self, report: CycleReport) -> None:
        """A date job per held episode (at its publication time) and one for the earliest retry."""
        now = self.clock()
        wanted = {RELEASE_JOB + key: published for key, published in report.held}
        for job in self.bot.scheduler.get_jobs():
            if job.id.startswith(RELEASE_JOB) and job.id not in wanted:
                job.remove()
        for job_id, published in wanted.items():
            self._at(job_id, published, now)
        if report.next_retry is not None:
            self._at(RETRY_JOB, report.next_retry, now)

    def _at(self, job_id: str, moment: datetime, now: datetime) -> None:
        """Run a cycle when the announcer's clock reaches ``moment`` (converted to the real clock)."""
        delay = max((moment - now).total_seconds(), 0.0)
        existing = self.bot.scheduler.get_job(job_id)
        run_date = datetime.now(UTC) + timedelta(seconds=delay)
        next_run = existing.next_run_time if existing is not None else None
        if next_run is not None and abs((next_run - run_date).total_seconds()) < 1:
            return
        self.bot.add_job(self.cycle, DateTrigger(run_date=run_date), id=job_id, replace_existing=True)

    async def _warn_hosts(self, alert: FeedAlert) -> None:
        """Tell every server's hosts' channel, once, that the feed keeps failing."""
        channels = {row.letters_channel_id for row in await self.bot.store.guilds.all() if row.letters_channel_id}
        if self.bot.settings.letters_channel_id:
            channels.add(self.bot.settings.letters_channel_id)
        text = i18n.t(
            "announce.feed_alert",
            source=public_source(alert.source).removeprefix("feed:").replace("`", "'"),
            failures=alert.failures,
            error=public_error(alert.error, alert.source, 500),
        )
        for channel_id in sorted(channels):
            try:
                await self.port.create_message(channel_id, {"content": text, "allowed_mentions": {"parse": []}})
            except DeliveryError as exc:
                log.warning("could not warn the hosts in channel %s about %s: %s", channel_id, alert.source, exc)

    async def settings_changed(self, guild_id: int, changed_at: datetime) -> None:
        """``/settings`` changed this server's channel: from now on it gets what is published (see
        :meth:`Announcer.sync`)."""
        await self.announcer.sync(changed_at)

    # ---- /announce --------------------------------------------------------------------------

    @app_commands.command(name=ls("announce.cmd"), description=ls("announce.cmd.desc"))
    @app_commands.rename(episode=ls("announce.opt.episode"))
    @app_commands.describe(episode=ls("announce.opt.episode.desc"))
    @app_commands.guild_only()
    async def announce(self, interaction: discord.Interaction[ZundaBot], episode: str | None = None) -> None:
        await require_host(interaction)
        assert interaction.guild_id is not None
        locale = interaction.locale
        found = await self._find_episode(episode)
        if found is None:
            raise UserFacingError(i18n.t("announce.no_episode", locale, number=quoted(episode or "?")))
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.announcer.request(interaction.guild_id, found)
        title = discord.utils.escape_markdown(found.title)
        if result is RequestResult.NO_CHANNEL:
            message = i18n.t("announce.no_channel", locale)
        elif result is RequestResult.EXISTS:
            message = i18n.t("announce.exists", locale, title=title)
        elif found.published > self.clock():
            message = i18n.t(
                "announce.queued_later", locale, title=title, when=discord.utils.format_dt(found.published)
            )
        else:
            message = i18n.t("announce.queued", locale, title=title)
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
        if result is RequestResult.QUEUED:
            self.bot.track(self.cycle())

    async def _find_episode(self, number: str | None) -> Episode | None:
        if number:
            wanted = episode_number(number)
            return await self.bot.store.episodes.by_number(wanted, scheduled=True) if wanted else None
        latest = await self.bot.store.episodes.latest(1)
        return latest[0] if latest else None

    async def status_fields(self, guild_id: int, locale: discord.Locale) -> list[tuple[str, str]]:
        return await status_fields(self, guild_id, locale)
