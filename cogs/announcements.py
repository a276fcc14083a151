"""Episode announcements in Discord: the poll job, held-episode and retry jobs, ``/announce``, ``/status``.

The domain (what is due where, the crash-safe ledger) lives in :mod:`bot.announce`; this cog
implements its :class:`~bot.announce.port.Port` with discord.py's HTTP client, sending the exact
JSON bodies :mod:`bot.render` produced (``zundabot preview`` prints the same bodies).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands
from discord.ext import commands
from discord.http import Route

from bot import i18n
from bot.announce.announcer import AnnounceOptions, Announcer, CycleReport, RequestResult
from bot.announce.pacing import SHARED_RATE, Pacer
from bot.announce.polling import FeedAlert, Poller
from bot.announce.port import (
    ChannelGone,
    ChannelInfo,
    ChannelKind,
    DeliveryError,
    Message,
    MessageGone,
    MissingAccess,
    Payload,
    PayloadRejected,
    TemporaryFailure,
)
from bot.clock import Clock
from bot.episodes.catalogue import episode_number
from bot.episodes.model import Episode
from bot.episodes.sources import Source
from bot.ui.checks import require_host
from bot.ui.errors import UserFacingError
from bot.ui.safety import ERROR_LIMIT, NO_MENTIONS, public_error, public_source, quoted
from bot.ui.translator import ls

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
CHANNEL_KINDS = {
    discord.ChannelType.text: ChannelKind.TEXT,
    discord.ChannelType.news: ChannelKind.NEWS,
    discord.ChannelType.forum: ChannelKind.FORUM,
}
ALREADY_CROSSPOSTED = 40033
THREAD_ALREADY_CREATED = 160004
UNKNOWN_MESSAGE = 10008
THREAD_ARCHIVED = 50083
REQUIRE_TAG = 1 << 4

i18n.register(
    {
        "announce.cmd": {"default": "announce", "ja": "告知する", "en": "announce"},
        "announce.cmd.desc": {
            "ja": "エピソードをこのサーバーの告知チャンネルに投稿します（ホスト用・過去回も可）",
            "en": "Post an episode to this server's announcement channel (hosts; old ones too)",
        },
        "announce.opt.episode": {"default": "episode", "ja": "エピソード", "en": "episode"},
        "announce.opt.episode.desc": {
            "ja": "エピソード番号（省略時は最新回）",
            "en": "Episode number (default: the latest)",
        },
        "announce.queued": {
            "ja": "「{title}」を告知チャンネルに投稿するのだ。少し待っててほしいのだ。",
            "en": "Posting “{title}” to the announcement channel shortly.",
        },
        "announce.queued_later": {
            "ja": "「{title}」は {when} 公開なので、その時に投稿するのだ。",
            "en": "“{title}” is published {when}; it will be posted then.",
        },
        "announce.exists": {
            "ja": "「{title}」はもう告知チャンネルに投稿済み（または投稿中）なのだ。",
            "en": "“{title}” has already been posted (or is being posted).",
        },
        "announce.no_channel": {
            "ja": "告知チャンネルが未設定なのだ。先に `/設定 告知` で設定してほしいのだ。",
            "en": "No announcement channel is set: use `/settings announce` first.",
        },
        "announce.no_episode": {
            "ja": "エピソード「{number}」が見つからないのだ。",
            "en": "Episode “{number}” was not found.",
        },
        "announce.feed_alert": {
            "ja": "⚠️ フィード `{source}` の取得が {failures} 回続けて失敗しているのだ。間隔をあけて再試行を続けるのだ。"
            "\n最後のエラー: {error}",
            "en": "⚠️ Polling the feed `{source}` has failed {failures} times in a row; retrying with backoff."
            "\nLast error: {error}",
        },
        "announce.status": {"ja": "告知", "en": "Announcements"},
        "announce.status.rejected": {
            "ja": "⛔ Discord が受け付けなかった告知 {count} 件（{episodes}）: {error}\n"
            "投稿を直すか `/告知する` で再送できるのだ",
            "en": "⛔ {count} announcement(s) refused by Discord ({episodes}): {error}\n"
            "Fix the post or resend with `/announce`",
        },
        "announce.status.none": {
            "ja": "告知チャンネル未設定（`/設定 告知`）",
            "en": "No announcement channel (`/settings announce`)",
        },
        "announce.status.ok": {"ja": "✅ {channel} 正常", "en": "✅ {channel} healthy"},
        "announce.status.failing": {
            "ja": "⚠️ {channel} で失敗（{failures} 回連続）: {error}\n次の再試行: {retry}",
            "en": "⚠️ {channel} failing ({failures} in a row): {error}\nNext try: {retry}",
        },
        "announce.status.counts": {
            "ja": "告知済み {done} 件・未完了 {pending} 件",
            "en": "{done} delivered, {pending} pending",
        },
        "announce.status.last": {"ja": "最新の告知: {episode}（{when}）", "en": "Last announced: {episode} ({when})"},
        "announce.status.cycle": {"ja": "最終チェック: {when}", "en": "Last check: {when}"},
        "announce.status.cycle_error": {"ja": "前回のチェックでエラー: {error}", "en": "Last check failed: {error}"},
        "announce.status.held": {"ja": "公開待ち: {count} 件（次: {when}）", "en": "Held: {count} (next {when})"},
    }
)


def _http_error(exc: discord.HTTPException, channel_id: int) -> DeliveryError:
    """The domain error for a failed request about ``channel_id``."""
    message = str(exc)
    if isinstance(exc, discord.NotFound):
        cls: type[DeliveryError] = MessageGone if exc.code == UNKNOWN_MESSAGE else ChannelGone
    elif isinstance(exc, discord.Forbidden):
        cls = MissingAccess
    elif isinstance(exc, discord.DiscordServerError) or exc.status == 429:
        cls = TemporaryFailure
    else:
        cls = PayloadRejected
    return cls(message, channel_id=channel_id, status=exc.status, code=exc.code)


class DiscordPort:
    """:class:`bot.announce.port.Port` over discord.py's HTTP client (its retries and rate-limit buckets)."""

    def __init__(self, bot: commands.Bot, pacer: Pacer) -> None:
        self.bot = bot
        self.pacer = pacer

    @property
    def bot_user_id(self) -> int:
        assert self.bot.user is not None
        return self.bot.user.id

    async def _request(self, route: Route, channel_id: int, **kwargs: Any) -> Any:
        await self.pacer.wait()
        try:
            return await self.bot.http.request(route, **kwargs)
        except discord.HTTPException as exc:
            raise _http_error(exc, channel_id) from exc
        except discord.RateLimited as exc:
            raise TemporaryFailure(f"rate limited for {exc.retry_after:.0f} s", channel_id=channel_id) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}", channel_id=channel_id) from exc

    async def channel(self, channel_id: int) -> ChannelInfo:
        cached = self.bot.get_channel(channel_id)
        guild_id: int | None
        if isinstance(cached, discord.abc.GuildChannel):
            kind = CHANNEL_KINDS.get(cached.type)
            tags: dict[str, int] = {}
            requires_tag = False
            if isinstance(cached, discord.ForumChannel):
                tags = {tag.name: tag.id for tag in cached.available_tags}
                requires_tag = cached.flags.require_tag
            guild_id = cached.guild.id
            type_name = str(cached.type)
        else:
            data = await self._request(Route("GET", "/channels/{channel_id}", channel_id=channel_id), channel_id)
            kind = CHANNEL_KINDS.get(discord.ChannelType(int(data["type"])))
            tags = {tag["name"]: int(tag["id"]) for tag in data.get("available_tags", [])}
            requires_tag = bool(int(data.get("flags") or 0) & REQUIRE_TAG)
            guild_id = int(data["guild_id"]) if data.get("guild_id") else None
            type_name = str(data["type"])
        if kind is None:
            raise PayloadRejected(
                f"channel {channel_id} is a {type_name} channel, not a text, announcement or forum channel",
                channel_id=channel_id,
            )
        return ChannelInfo(channel_id, guild_id, kind, tags, requires_tag)

    async def _unarchived(self, route: Route, channel_id: int, **kwargs: Any) -> Any:
        """A request in a thread that, if the thread is archived, unarchives it and tries once more."""
        try:
            return await self._request(route, channel_id, **kwargs)
        except PayloadRejected as exc:
            if exc.code != THREAD_ARCHIVED:
                raise
        await self.edit_channel(channel_id, {"archived": False})
        return await self._request(route, channel_id, **kwargs)

    async def create_message(self, channel_id: int, body: Payload) -> Message:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        data: Message = await self._unarchived(route, channel_id, json=body)
        return data

    async def edit_message(self, channel_id: int, message_id: int, body: Payload) -> Message:
        route = Route(
            "PATCH", "/channels/{channel_id}/messages/{message_id}", channel_id=channel_id, message_id=message_id
        )
        data: Message = await self._unarchived(route, channel_id, json=body)
        return data

    async def delete_message(self, channel_id: int, message_id: int) -> None:
        route = Route(
            "DELETE", "/channels/{channel_id}/messages/{message_id}", channel_id=channel_id, message_id=message_id
        )
        try:
            await self._unarchived(route, channel_id)
        except MessageGone:
            return

    async def crosspost(self, channel_id: int, message_id: int) -> None:
        route = Route(
            "POST",
            "/channels/{channel_id}/messages/{message_id}/crosspost",
            channel_id=channel_id,
            message_id=message_id,
        )
        try:
            await self._request(route, channel_id)
        except PayloadRejected as exc:
            if exc.code != ALREADY_CROSSPOSTED:
                raise

    async def start_thread(self, channel_id: int, message_id: int, body: Payload) -> int:
        route = Route(
            "POST", "/channels/{channel_id}/messages/{message_id}/threads", channel_id=channel_id, message_id=message_id
        )
        try:
            data = await self._request(route, channel_id, json=body)
        except PayloadRejected as exc:
            if exc.code == THREAD_ALREADY_CREATED:
                return message_id  # a thread started from a message has the message's id
            raise
        return int(data["id"])

    async def create_forum_post(self, channel_id: int, body: Payload) -> int:
        route = Route("POST", "/channels/{channel_id}/threads", channel_id=channel_id)
        data = await self._request(route, channel_id, json=body)
        return int(data["id"])

    async def edit_channel(self, channel_id: int, body: Payload) -> None:
        await self._request(Route("PATCH", "/channels/{channel_id}", channel_id=channel_id), channel_id, json=body)

    async def messages_after(self, channel_id: int, after: int, limit: int = 100) -> list[Message]:
        route = Route("GET", "/channels/{channel_id}/messages", channel_id=channel_id)
        data: list[Message] = await self._request(route, channel_id, params={"after": after, "limit": limit})
        return data

    async def forum_threads(self, channel_id: int, guild_id: int | None) -> list[Message]:
        threads: list[Message] = []
        if guild_id is not None:
            route = Route("GET", "/guilds/{guild_id}/threads/active", guild_id=guild_id)
            threads += (await self._request(route, channel_id))["threads"]
        route = Route("GET", "/channels/{channel_id}/threads/archived/public", channel_id=channel_id)
        threads += (await self._request(route, channel_id, params={"limit": 100}))["threads"]
        return threads


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

    # ---- /status ----------------------------------------------------------------------------

    async def status_fields(self, guild_id: int, locale: discord.Locale) -> list[tuple[str, str]]:
        """This server's announcement channel(s): health, backlog, last announcement; the poll cycle."""
        store = self.bot.store
        lines: list[str] = []
        for target in await store.deliveries.targets(active_only=True):
            if target.guild_id != guild_id:
                continue
            channel = f"<#{target.channel_id}>"
            if target.failures:
                retry = (
                    discord.utils.format_dt(datetime.fromisoformat(target.retry_at), "R") if target.retry_at else "—"
                )
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
        if self.last_report is not None and self.last_report.held:
            first = min(published for _, published in self.last_report.held)
            lines.append(
                i18n.t(
                    "announce.status.held",
                    locale,
                    count=len(self.last_report.held),
                    when=discord.utils.format_dt(first, "R"),
                )
            )
        if self.last_cycle is not None:
            lines.append(i18n.t("announce.status.cycle", locale, when=discord.utils.format_dt(self.last_cycle, "R")))
        if self.last_error:
            lines.append(i18n.t("announce.status.cycle_error", locale, error=quoted(self.last_error, ERROR_LIMIT)))
        return [(i18n.t("announce.status", locale), "\n".join(lines))]


def _episode_label(episode: Episode) -> str:
    return f"#{episode.number}" if episode.number else discord.utils.escape_markdown(episode.title[:50])


async def setup(bot: ZundaBot) -> None:
    await bot.add_cog(Announcements(bot))
