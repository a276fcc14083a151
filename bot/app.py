"""The bot process: the discord.py Bot subclass, its start-up, command sync and graceful shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import pkgutil
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import discord
import yarl
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands

import cogs
from bot import health, heap, i18n
from bot.announce.pacing import SHARED_RATE, Pacer
from bot.backoff import doubling
from bot.config import DEFAULT_API_BASE, DEFAULT_GATEWAY_URL, Settings
from bot.episodes.site import Site
from bot.logs import setup_logging
from bot.store.backup import BackupError, backup_database, backup_target, prune_backups
from bot.store.store import Store
from bot.ui.errors import report_error
from bot.ui.safety import NO_MENTIONS, public_url
from bot.ui.translator import CatalogTranslator
from bot.version import VERSION

log = logging.getLogger("zundabot")

BACKUP_JOB = "store.backup"

SHUTDOWN_GRACE = 20.0
#: Names discord.py gives the tasks that run an interaction's callback (app command, view item, modal,
#: dynamic item): shutdown lets them finish before it closes the HTTP session.
INTERACTION_TASKS = (
    "CommandTree-invoker",
    "discord-ui-view-dispatch-",
    "discord-ui-modal-dispatch-",
    "discord-ui-dynamic-item-",
)
SYNC_HASH_KEY = "commands.synced"
#: A rate limit longer than this (e.g. a channel's hourly publish limit) raises discord.RateLimited instead of
#: sleeping inside the request, so the announcer sets that delivery aside and moves on (discord.py's minimum).
MAX_RATELIMIT_WAIT = 30.0


def point_discord_at(api_base: str, gateway_url: str) -> None:
    """Send REST calls to ``api_base`` and connect the gateway to ``gateway_url`` (a proxy, or the emulator)."""
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def extension_names() -> list[str]:
    """Every module of the ``cogs`` package is an extension."""
    return sorted(f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.name.startswith("_"))


class ZundaTree(app_commands.CommandTree["ZundaBot"]):
    """The command tree: refuses new work while shutting down; reports every error the same way."""

    async def interaction_check(self, interaction: discord.Interaction[ZundaBot]) -> bool:
        if self.client.closing:
            await interaction.response.send_message(
                i18n.t("error.shutting_down", interaction.locale), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return False
        return True

    async def on_error(self, interaction: discord.Interaction[ZundaBot], error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)


class ZundaBot(commands.Bot):
    """zundabot: opens the store, starts the scheduler, loads the cogs and syncs commands in ``setup_hook``."""

    def __init__(self, settings: Settings, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        # The bot has no voice features: discord.py's warnings about voice libraries are noise in its log.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            tree_cls=ZundaTree,
            # Installed in servers; only the commands that say so (lookup, /follow) are installable by users too.
            allowed_installs=app_commands.AppInstallationType(guild=True, user=False),
            shard_count=settings.shard_count,
            **options,
        )
        self.settings = settings
        self.site: Site = settings.make_site()
        self.started_at = time.monotonic()
        self.closing = False
        self.scheduler = AsyncIOScheduler(timezone=settings.zone)
        #: One pace for every bulk sender, so that together they stay under the global rate limit.
        self.pacer = Pacer(SHARED_RATE)
        self._store: Store | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        self._shutdown: asyncio.Future[None] | None = None
        self.synced: bool | None = None
        self.sync_target = "global"
        self._announced_ready = False

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the store is opened in setup_hook")
        return self._store

    async def setup_hook(self) -> None:
        self._store = await Store.open(self.settings.database_path)
        self._store.search.synonyms = await asyncio.to_thread(self.settings.synonyms)
        await self.tree.set_translator(CatalogTranslator())
        self.scheduler.start()
        if self.settings.health_file is not None:
            self.add_job(self.heartbeat, "interval", seconds=health.BEAT_EVERY, id="health.heartbeat")
        if self.settings.backup_dir is not None:
            self.add_job(self.backup, "cron", hour=4, minute=30, timezone=self.settings.zone, id=BACKUP_JOB)
        for name in extension_names():
            await self.load_extension(name)
        self.synced = await self.sync_commands()

    async def sync_commands(self) -> bool:
        """Sync the command tree (to DEV_GUILD_ID when set) unless it is unchanged since the last sync."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        translator = self.tree.translator
        payload = [
            await command.get_translated_payload(self.tree, translator) if translator else command.to_dict(self.tree)
            for command in self.tree.get_commands(guild=guild)
        ]
        target = self.sync_target = f"guild:{guild.id}" if guild else "global"
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        key = f"{SYNC_HASH_KEY}:{self.application_id}:{target}"
        if await self.store.kv.get(key) == digest:
            log.info("application commands unchanged (%s): not syncing", target)
            return False
        await self.tree.sync(guild=guild)
        await self.store.kv.set(key, digest)
        log.info("synced %d application commands (%s)", len(payload), target)
        return True

    async def backup(self) -> None:
        """The daily backup (BACKUP_DIR): a dated copy of the database, then only the newest BACKUP_KEEP kept."""
        folder = self.settings.backup_dir
        if folder is None:
            return
        target = backup_target(folder, datetime.now(self.settings.zone))

        def run() -> list[Path]:
            folder.mkdir(parents=True, exist_ok=True)
            backup_database(self.settings.database_path, target)
            return prune_backups(folder, self.settings.backup_keep)

        try:
            removed = await asyncio.to_thread(run)
        except (BackupError, OSError) as exc:
            log.error("daily backup failed: %s", exc)
            return
        log.info("database backed up to %s (%d old backup(s) removed)", target, len(removed))

    async def heartbeat(self) -> None:
        """Rewrite HEALTH_FILE while connected to Discord (the container's healthcheck reads it)."""
        ws = self.ws  # None for a sharded bot, whose shards reconnect behind is_ready
        connected = self.is_ready() and not self.is_closed() and (ws is None or ws.open)
        if self.settings.health_file is None or not connected:
            return
        try:
            await asyncio.to_thread(health.beat, self.settings.health_file)
        except OSError as exc:
            log.warning("cannot write HEALTH_FILE %s: %s", self.settings.health_file, exc)

    async def on_ready(self) -> None:
        """Tell the operator, once per process, what the bot is connected to and what it does."""
        if self._announced_ready:
            log.info("connected again as %s in %d server(s)", self.user, len(self.guilds))
            return
        self._announced_ready = True
        await self.heartbeat()
        commands_state = "synced" if self.synced else "unchanged"
        log.info(
            "ready: %s (id %s) in %d server(s); %d application commands %s (%s); sources: %s; "
            "announcement channels: %s",
            self.user,
            self.user.id if self.user else "?",
            len(self.guilds),
            len(
                self.tree.get_commands(
                    guild=discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
                )
            ),
            commands_state,
            self.sync_target,
            describe_sources(self.settings, self.site),
            await self.describe_announcement_channels(),
        )

    async def describe_announcement_channels(self) -> str:
        """Each server's announcement channel (``/settings announce``) and the ANNOUNCE_CHANNEL_IDS defaults."""
        chosen = {
            row.announce_channel_id: row.guild_id for row in await self.store.guilds.all() if row.announce_channel_id
        }
        named = [f"{self.channel_label(channel_id)}" for channel_id in chosen]
        named += [
            f"{self.channel_label(channel_id)} (ANNOUNCE_CHANNEL_IDS)"
            for channel_id in self.settings.announce_channel_ids
            if channel_id not in chosen
        ]
        return ", ".join(named) or "none yet (/settings announce)"

    def channel_label(self, channel_id: int) -> str:
        channel = self.get_channel(channel_id)
        if isinstance(channel, discord.abc.GuildChannel):
            return f"#{channel.name} in {channel.guild.name} ({channel_id})"
        return f"{channel_id} (not visible to the bot)"

    def add_job(self, func: Callable[[], Awaitable[None]], trigger: Any, **options: Any) -> None:
        """Schedule ``func`` with apscheduler, named by its ``id`` (else the function's name); a run in
        progress is awaited by :meth:`close`."""

        async def tracked() -> None:
            if self.closing:
                return
            task = asyncio.current_task()
            assert task is not None
            self._inflight.add(task)
            try:
                await func()
            finally:
                self._inflight.discard(task)

        options.setdefault("name", options.get("id") or getattr(func, "__qualname__", "job"))
        self.scheduler.add_job(tracked, trigger, **options)

    def track(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        """Run background work that shutdown waits for."""
        task = asyncio.ensure_future(coro)
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return task

    @property
    def uptime(self) -> float:
        return time.monotonic() - self.started_at

    async def close(self, *, quiet: bool = False) -> None:
        """Stop taking work, let running jobs finish (bounded), then close Discord, scheduler and store.

        Safe to call several times (a signal and ``async with`` both do): every call returns once the
        one shutdown has finished. ``quiet`` logs it at DEBUG (a start that failed and will be retried).
        """
        if self._shutdown is None:
            self._shutdown = asyncio.ensure_future(self._close(logging.DEBUG if quiet else logging.INFO))
        await asyncio.shield(self._shutdown)

    def _running_work(self) -> set[asyncio.Task[Any]]:
        """Tracked jobs, and the tasks discord.py runs interactions in (commands, buttons, forms)."""
        current = asyncio.current_task()
        answering = {
            task
            for task in asyncio.all_tasks()
            if task.get_name().startswith(INTERACTION_TASKS) and task is not current and not task.done()
        }
        return answering | {task for task in self._inflight if not task.done()}

    async def _finish_inflight(self) -> None:
        """Wait (at most SHUTDOWN_GRACE) for running work, including work that starts meanwhile."""
        deadline = asyncio.get_running_loop().time() + SHUTDOWN_GRACE
        while running := self._running_work():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                log.warning("shutting down: cancelling %d task(s) still running", len(running))
                for task in running:
                    task.cancel()
                await asyncio.wait(running, timeout=1.0)
                return
            await asyncio.wait(running, timeout=remaining)

    async def _close(self, level: int) -> None:
        self.closing = True
        log.log(level, "shutting down: waiting for %d running task(s)", len(self._running_work()))
        if self.scheduler.running:
            self.scheduler.pause()
        await self._finish_inflight()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await super().close()
        if self._store is not None:
            await self._store.close()
            self._store = None
        log.log(level, "stopped")


class ShardedZundaBot(ZundaBot, commands.AutoShardedBot):
    """zundabot with automatic sharding, used when SHARD_COUNT is set."""

    async def launch_shard(self, gateway: Any, shard_id: int, *, initial: bool = False) -> None:
        """discord.py retries a shard that cannot reach the gateway every 5 s, even after the bot is closed:
        a stop (SIGTERM) during those retries ends them instead of leaving the process running."""
        if self.is_closed():
            raise ConnectionError(f"stopped before shard {shard_id} could reach the gateway")
        await super().launch_shard(gateway, shard_id, initial=initial)


def build_bot(settings: Settings, **options: Any) -> ZundaBot:
    """The bot exactly as ``zundabot run`` builds it."""
    point_discord_at(settings.discord_api_base, settings.discord_gateway_url)
    cls = ShardedZundaBot if settings.shard_count else ZundaBot
    return cls(settings, **options)


def describe_sources(settings: Settings, site: Site) -> str:
    """The sources polled, for the log: folders by path, feeds without credentials, query and fragment."""
    names = []
    for source in settings.make_sources(settings.content_dir, settings.feed_url, site):
        kind, _, location = source.name.partition(":")
        names.append(f"feed {public_url(location)}" if kind == "feed" else f"{kind} {location}")
    return ", ".join(names) or "none"


#: An unreachable Discord (or proxy), or a request that failed while starting (login, setup_hook's command sync).
CONNECTION_ERRORS = (
    aiohttp.ClientError,
    OSError,
    TimeoutError,
    discord.HTTPException,
    discord.GatewayNotFound,
    discord.ConnectionClosed,
)
#: Seconds before the first retry of a start that could not reach Discord; doubled per attempt up to RETRY_CAP.
RETRY_FIRST, RETRY_CAP = 1.0, 60.0


def describe_error(exc: BaseException) -> str:
    text = str(exc)
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def never_connected(bot: ZundaBot) -> bool:
    """True until the bot has opened its first gateway connection (for a sharded bot: its first shard's)."""
    if isinstance(bot, commands.AutoShardedBot):
        return not bot.shards
    return bot.ws is None


class FirstConnectionErrors(logging.Filter):
    """Until the gateway is first reached, zundabot's own retry line says what failed: discord.py's
    reconnect attempts are dropped and its other connection errors are logged in one line, no traceback.

    A sharded bot retries an unreachable gateway itself, every 5 s per shard: each attempt is one line."""

    def __init__(self, bot: ZundaBot) -> None:
        super().__init__()
        self.bot = bot

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, CONNECTION_ERRORS) and never_connected(self.bot):
            if record.msg.startswith("Attempting a reconnect"):
                return False
            record.msg = f"{record.getMessage()}: {describe_error(error)}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def retry_delay(attempt: int) -> float:
    """Capped exponential backoff: 1, 2, 4, ... seconds, at most :data:`RETRY_CAP`."""
    return doubling(attempt - 1, RETRY_FIRST, RETRY_CAP)


async def start_once(bot: ZundaBot, token: str) -> BaseException | None:
    """Run ``bot`` until it stops; the connection error when it never reached Discord (worth a retry)."""
    try:
        await bot.start(token)
    except CONNECTION_ERRORS as exc:
        if never_connected(bot):
            return exc
        raise
    except AttributeError as exc:
        # discord.py 2.7 (Rapptz/discord.py#10520): when the very first gateway connection fails, its retry
        # reads the sequence of a connection that never existed; the real error is the one being handled.
        if not never_connected(bot) or not isinstance(exc.__context__, CONNECTION_ERRORS):
            raise
        return exc.__context__
    return None


async def _freeze_heap() -> None:
    """After the first announcement cycle, the archive read and indexed: see :func:`bot.heap.freeze_once`."""
    if (frozen := heap.freeze_once()) is not None:
        log.debug("%d objects built at the start left out of full garbage collections", frozen)


async def run_bot(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM or a fatal error; return the exit code.

    Until Discord is first reached (an unreachable network, proxy or API at start), each failed attempt is
    logged once and retried with capped backoff. A rejected token or refused intents exit with code 2.
    """
    token = settings.token()
    setup_logging(settings.log_level, settings.log_format, token)
    if settings.discord_api_base != DEFAULT_API_BASE or settings.discord_gateway_url != DEFAULT_GATEWAY_URL:
        log.info("using Discord API %s, gateway %s", settings.discord_api_base, settings.discord_gateway_url)
    log.info("zundabot %s starting", VERSION)
    stop = asyncio.Event()
    bots: list[ZundaBot] = []
    closing: list[asyncio.Future[None]] = []

    def on_signal() -> None:
        stop.set()
        if bots:
            closing.append(asyncio.ensure_future(bots[-1].close()))

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows has no add_signal_handler
            loop.add_signal_handler(signum, on_signal)
    attempt = 0
    while not stop.is_set():
        attempt += 1
        bot = build_bot(settings)
        bot.add_listener(_freeze_heap, "on_announce_cycle_done")
        bots.append(bot)
        try:
            error = await start_guarded(bot, token)
        except discord.LoginFailure:
            log.error("Discord rejected DISCORD_TOKEN: check the token in the developer portal")
            await bot.close()
            return 2
        except discord.PrivilegedIntentsRequired:
            log.error("Discord refused the gateway intents requested")
            await bot.close()
            return 2
        if error is None or stop.is_set():
            await bot.close()  # the connection may end before a signal's shutdown has finished: wait for it
            return 0
        delay = retry_delay(attempt)
        log.warning(
            "cannot connect to Discord (DISCORD_API_BASE %s, DISCORD_GATEWAY_URL %s): %s; attempt %d, retrying in %gs",
            settings.discord_api_base,
            settings.discord_gateway_url,
            describe_error(error),
            attempt,
            delay,
        )
        await bot.close(quiet=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
    log.info("stopped before connecting")
    return 0


async def start_guarded(bot: ZundaBot, token: str) -> BaseException | None:
    """:func:`start_once` with discord.py's first connection errors logged in one line."""
    loggers = [logging.getLogger(name) for name in ("discord.client", "discord.shard")]
    first_connection = FirstConnectionErrors(bot)
    for logger in loggers:
        logger.addFilter(first_connection)
    try:
        return await start_once(bot, token)
    finally:
        for logger in loggers:
            logger.removeFilter(first_connection)
