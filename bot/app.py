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
from typing import Any

import aiohttp
import discord
import yarl
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands

import cogs
from bot import __version__, i18n
from bot.announce.pacing import SHARED_RATE, Pacer
from bot.config import DEFAULT_API_BASE, DEFAULT_GATEWAY_URL, Settings
from bot.episodes.site import Site
from bot.store.store import Store
from bot.ui.errors import report_error
from bot.ui.safety import NO_MENTIONS
from bot.ui.translator import CatalogTranslator

log = logging.getLogger("zundabot")

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

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the store is opened in setup_hook")
        return self._store

    async def setup_hook(self) -> None:
        self._store = await Store.open(self.settings.database_path)
        await self.tree.set_translator(CatalogTranslator())
        self.scheduler.start()
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
        target = f"guild:{guild.id}" if guild else "global"
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        key = f"{SYNC_HASH_KEY}:{self.application_id}:{target}"
        if await self.store.kv.get(key) == digest:
            log.info("application commands unchanged (%s): not syncing", target)
            return False
        await self.tree.sync(guild=guild)
        await self.store.kv.set(key, digest)
        log.info("synced %d application commands (%s)", len(payload), target)
        return True

    def add_job(self, func: Callable[[], Awaitable[None]], trigger: Any, **options: Any) -> None:
        """Schedule ``func`` with apscheduler; a run in progress is awaited by :meth:`close`."""

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

    async def close(self) -> None:
        """Stop taking work, let running jobs finish (bounded), then close Discord, scheduler and store.

        Safe to call several times (a signal and ``async with`` both do): every call returns once the
        one shutdown has finished.
        """
        if self._shutdown is None:
            self._shutdown = asyncio.ensure_future(self._close())
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

    async def _close(self) -> None:
        self.closing = True
        log.info("shutting down: waiting for %d running task(s)", len(self._running_work()))
        if self.scheduler.running:
            self.scheduler.pause()
        await self._finish_inflight()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await super().close()
        if self._store is not None:
            await self._store.close()
            self._store = None
        log.info("stopped")


class ShardedZundaBot(ZundaBot, commands.AutoShardedBot):
    """zundabot with automatic sharding, used when SHARD_COUNT is set."""


def build_bot(settings: Settings, **options: Any) -> ZundaBot:
    """The bot exactly as ``zundabot run`` builds it."""
    point_discord_at(settings.discord_api_base, settings.discord_gateway_url)
    cls = ShardedZundaBot if settings.shard_count else ZundaBot
    return cls(settings, **options)


class RedactToken(logging.Filter):
    """Belt and braces: replace the token wherever it would appear in a log record."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "[token]")
            record.args = None
        return True


def setup_logging(settings: Settings, token: str) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    level = logging.getLevelName(settings.log_level)
    discord.utils.setup_logging(level=level, root=True)
    logging.getLogger("aiosqlite").setLevel(max(level, logging.INFO))  # one line per query otherwise
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


#: An unreachable Discord (or proxy), or a request that failed while starting (login, setup_hook's command sync).
CONNECTION_ERRORS = (
    aiohttp.ClientError,
    TimeoutError,
    discord.HTTPException,
    discord.GatewayNotFound,
    discord.ConnectionClosed,
)


def describe_error(exc: BaseException) -> str:
    text = str(exc)
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def never_connected(bot: ZundaBot) -> bool:
    """True until the bot has opened its first gateway connection."""
    return bot.ws is None


class FirstConnectionErrors(logging.Filter):
    """Until the gateway is first reached, discord.py's connection errors are logged in one line, no traceback."""

    def __init__(self, bot: ZundaBot) -> None:
        super().__init__()
        self.bot = bot

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, CONNECTION_ERRORS) and never_connected(self.bot):
            record.msg = f"{record.getMessage()}: {describe_error(error)}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def cannot_connect(settings: Settings, exc: BaseException) -> int:
    """Log why Discord could not be reached, naming the settings that say where it is; the exit code."""
    log.error(
        "cannot connect to Discord (DISCORD_API_BASE %s, DISCORD_GATEWAY_URL %s): %s",
        settings.discord_api_base,
        settings.discord_gateway_url,
        describe_error(exc),
    )
    return 1


async def run_bot(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM or a fatal error; return the exit code."""
    token = settings.token()
    setup_logging(settings, token)
    if settings.discord_api_base != DEFAULT_API_BASE or settings.discord_gateway_url != DEFAULT_GATEWAY_URL:
        log.info("using Discord API %s, gateway %s", settings.discord_api_base, settings.discord_gateway_url)
    bot = build_bot(settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows has no add_signal_handler
            loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.close()))
    log.info("zundabot %s starting", __version__)
    discord_log = logging.getLogger("discord.client")
    first_connection = FirstConnectionErrors(bot)
    discord_log.addFilter(first_connection)
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        log.error("Discord rejected DISCORD_TOKEN: check the token in the developer portal")
        return 2
    except discord.PrivilegedIntentsRequired:
        log.error("Discord refused the gateway intents requested")
        return 2
    except CONNECTION_ERRORS as exc:
        return cannot_connect(settings, exc)
    except AttributeError as exc:
        # discord.py 2.7 (Rapptz/discord.py#10520): when the very first gateway connection fails, its retry
        # reads the sequence of a connection that never existed; the real error is the one being handled.
        if not never_connected(bot) or not isinstance(exc.__context__, CONNECTION_ERRORS):
            raise
        return cannot_connect(settings, exc.__context__)
    finally:
        discord_log.removeFilter(first_connection)
        await bot.close()  # the connection may end before a signal's shutdown has finished: wait for it
    return 0
