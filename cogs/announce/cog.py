"""The announcements cog: the announcement cycle (poll, then announce), the feed alert, ``/announce``.

The domain (what is due where, the crash-safe ledger) lives in :mod:`bot.announce`; this cog
implements its :class:`~bot.announce.port.Port` with discord.py's HTTP client, sending the exact
JSON bodies :mod:`bot.render` produced (``zundabot preview`` prints the same bodies).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.announce.announcer import AnnounceOptions, Announcer, CycleReport, RequestResult
from bot.announce.pacing import SHARED_RATE
from bot.announce.port import DeliveryError
from bot.clock import Clock
from bot.coalesce import Coalescer
from bot.episodes.sources import Source
from bot.ingest.polling import FeedAlert, Poller
from bot.output import escape_text
from bot.ui.answer import answer
from bot.ui.checks import require_host
from bot.ui.discord_errors import explain
from bot.ui.errors import UserFacingError
from bot.ui.safety import ERROR_LIMIT, NO_MENTIONS, public_error, public_source, quoted
from bot.ui.translator import ls
from cogs.announce import texts  # noqa: F401 - registers the texts
from cogs.announce.port import DiscordPort
from cogs.announce.request import find_episode, request_reply
from cogs.announce.schedule import CycleJobs
from cogs.announce.status import status_fields
from cogs.announce.trial import post_in, show_privately, trial_bodies

if TYPE_CHECKING:
    from bot.app import ZundaBot
    from bot.config import Settings
    from bot.episodes.site import Site

log = logging.getLogger(__name__)

#: Requests per second the announcer allows itself (the pace it shares with follow notices).
ANNOUNCE_RATE = SHARED_RATE


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
        self.jobs = CycleJobs(bot, self.cycle, lambda: self.clock())
        self._cycles = Coalescer()
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
        self.jobs.start()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """The first cycle runs once connected (and again after a reconnect: it is cheap when idle)."""
        self.bot.track(self.cycle())

    async def cog_unload(self) -> None:
        self.jobs.stop()

    @property
    def busy(self) -> bool:
        """Whether a cycle is running now."""
        return self._cycles.running

    async def cycle(self) -> None:
        """Poll the sources, then announce; a call during a running cycle makes it run once more."""
        if not self.bot.is_ready() or self.bot.closing:
            return
        await self._cycles.run(self._round)

    async def _round(self) -> bool:
        if self.bot.closing:
            return False
        try:
            await self._cycle_once()
            self.last_error = None
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("announcement cycle failed")
        self.last_cycle = datetime.now(UTC)
        return False

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
        self.jobs.follow(report)
        self.bot.dispatch("announce_cycle_done")

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

    @commands.Cog.listener()
    async def on_settings_changed(self, guild_id: int, changed_at: datetime) -> None:
        """``/settings`` changed this server's channel: from now on it gets what is published (see
        :meth:`Announcer.sync`)."""
        await self.announcer.sync(changed_at)

    # ---- /announce --------------------------------------------------------------------------

    announce_group = app_commands.Group(name=ls("announce.cmd"), description=ls("announce.cmd.desc"), guild_only=True)

    @announce_group.command(name=ls("announce.cmd.post"), description=ls("announce.cmd.post.desc"))
    @app_commands.rename(episode=ls("announce.opt.episode"))
    @app_commands.describe(episode=ls("announce.opt.episode.desc"))
    async def announce(self, interaction: discord.Interaction[ZundaBot], episode: str | None = None) -> None:
        await require_host(interaction)
        assert interaction.guild_id is not None
        locale = interaction.locale
        found = await find_episode(self.bot.store, episode)
        if found is None:
            raise UserFacingError(i18n.t("announce.no_episode", locale, number=quoted(episode or "?")))
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.announcer.request(interaction.guild_id, found)
        message = request_reply(result, found, self.clock(), locale)
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
        if result is RequestResult.QUEUED:
            self.bot.track(self.cycle())

    @announce_group.command(name=ls("announce.cmd.test"), description=ls("announce.cmd.test.desc"))
    @app_commands.rename(episode=ls("announce.opt.episode"), channel=ls("announce.opt.channel"))
    @app_commands.describe(episode=ls("announce.opt.test_episode.desc"), channel=ls("announce.opt.channel.desc"))
    async def announce_test(
        self,
        interaction: discord.Interaction[ZundaBot],
        episode: str | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        """The next announcement (the newest episode, scheduled ones included), privately or in ``channel``."""
        await require_host(interaction)
        assert interaction.guild_id is not None
        locale = interaction.locale
        found = await find_episode(self.bot.store, episode, scheduled=True)
        if found is None:
            raise UserFacingError(i18n.t("announce.no_episode", locale, number=quoted(episode or "?")))
        member = interaction.user if isinstance(interaction.user, discord.Member) else None
        if channel is not None and (member is None or not channel.permissions_for(member).send_messages):
            raise UserFacingError(i18n.t("announce.test.not_yours", locale, channel=channel.mention))
        await interaction.response.defer(ephemeral=True, thinking=True)
        bodies = await trial_bodies(self.announcer, interaction.guild_id, found)
        label = i18n.t("settings.headline.preview_episode", locale, number=escape_text(found.number))
        try:
            if channel is None:
                await answer(interaction, i18n.t("announce.test.private", locale, episode=label))
                await show_privately(self.bot, interaction, bodies)
                return
            message_id = await post_in(self.bot, channel.id, found, bodies)
        except discord.HTTPException as exc:
            words = explain(f"{exc.status} (error code: {exc.code})", locale) or quoted(str(exc), ERROR_LIMIT)
            await answer(interaction, i18n.t("announce.test.failed", locale, error=words))
            return
        link = f"https://discord.com/channels/{interaction.guild_id}/{channel.id}/{message_id}"
        await answer(interaction, i18n.t("announce.test.posted", locale, episode=label, link=link))

    async def status_fields(self, guild_id: int, locale: discord.Locale) -> list[tuple[str, str]]:
        return await status_fields(self.bot.store, self, guild_id, locale)
