"""The emulator: one aiohttp server on 127.0.0.1 for REST, gateway and attachments, plus the test API."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Self, TypeVar

from aiohttp import web

from .commands import CommandRegistry
from .errors import EmulatorUsageError
from .events import PRIVILEGED_INTENTS, GatewayEvent
from .faults import RestFaults
from .gateway import Gateway, GatewayConfig
from .interactions import InteractionRecord, Interactions, Modal
from .messaging import Messaging
from .models import Channel, Guild, Message, Pings, User
from .permissions import DEFAULT_BOT, DEFAULT_EVERYONE, Permission
from .ratelimit import RateLimitConfig, RateLimiter
from .rest import API_PREFIX, RequestRecord, RestApi
from .results import InteractionResult
from .scheduled_events import ScheduledEvent
from .validation import lone_surrogate_path
from .world import World

T = TypeVar("T")


@dataclass
class EmulatorConfig:
    """Everything tests may tune; the defaults are Discord's."""

    token: str = "emulator.bot.token"
    bot_name: str = "zundabot"
    host: str = "127.0.0.1"
    heartbeat_interval_ms: int = 41_250
    resume_timeout: float = 120.0
    recommended_shards: int = 1
    #: Privileged intents enabled "in the developer portal"; others close IDENTIFY with 4014.
    privileged_intents: int = PRIVILEGED_INTENTS
    interaction_deadline: float = 3.0
    interaction_token_lifetime: float = 900.0
    #: How long ``slash``/``click``... wait after a deferred response for an edit or follow-up.
    defer_wait: float = 5.0
    #: Reject text inputs in action rows (Discord now wants them inside Label components).
    strict_modals: bool = True
    nonce_window: float = 300.0
    ratelimits: RateLimitConfig = field(default_factory=RateLimitConfig)


class DiscordEmulator:
    """Discord API v10 on loopback: start it, point discord.py at it, build state, drive the bot."""

    def __init__(self, config: EmulatorConfig | None = None, **overrides: Any) -> None:
        self.config = replace(config or EmulatorConfig(), **overrides)
        self.world = World(bot_name=self.config.bot_name)
        self.messaging = Messaging(self.world, nonce_window=self.config.nonce_window)
        self.commands = CommandRegistry(self.world)
        self.interactions = Interactions(
            self.world,
            self.messaging,
            self.commands,
            deadline=lambda: self.config.interaction_deadline,
            token_lifetime=lambda: self.config.interaction_token_lifetime,
            strict_modals=lambda: self.config.strict_modals,
        )
        self.ratelimits = RateLimiter(self.config.ratelimits)
        self.faults = RestFaults()
        self.gateway = Gateway(
            self.world,
            GatewayConfig(
                token=self.config.token,
                heartbeat_interval_ms=self.config.heartbeat_interval_ms,
                resume_timeout=self.config.resume_timeout,
                privileged_intents=self.config.privileged_intents,
            ),
            resume_url=lambda: f"ws://{self.config.host}:{self.port}/resume/",
        )
        self.rest = RestApi(
            self.world,
            self.messaging,
            self.commands,
            self.interactions,
            self.ratelimits,
            self.faults,
            token=self.config.token,
            gateway_url=lambda: self.gateway_url,
            recommended_shards=lambda: self.config.recommended_shards,
            privileged_intents=lambda: self.config.privileged_intents,
        )
        self.port = 0
        self._runner: web.AppRunner | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.rest.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/resume/", self.gateway.handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.world.cdn_base = f"http://{self.config.host}:{self.port}"
        return self

    async def stop(self) -> None:
        await self.gateway.shutdown()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _attachment(self, request: web.Request) -> web.Response:
        attachment = self.world.attachments.get(int(request.match_info["attachment_id"]))
        if attachment is None:
            return web.Response(status=404, text="404: Not Found")
        return web.Response(body=attachment.data, content_type=attachment.content_type or "application/octet-stream")

    # --- connection facts ------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"http://{self.config.host}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.config.host}:{self.port}/"

    @property
    def token(self) -> str:
        return self.config.token

    @property
    def bot(self) -> User:
        return self.world.bot

    @property
    def application_id(self) -> int:
        return self.world.application_id

    # --- state builders --------------------------------------------------------------------------

    def create_user(
        self,
        name: str,
        *,
        bot: bool = False,
        dms_open: bool = True,
        locale: str = "ja",
        global_name: str | None = None,
    ) -> User:
        return self.world.create_user(name, bot=bot, dms_open=dms_open, locale=locale, global_name=global_name)

    def create_guild(
        self,
        name: str = "ずんだもんリスナー会",
        *,
        owner: User | None = None,
        bot_permissions: int = DEFAULT_BOT,
        everyone_permissions: int = DEFAULT_EVERYONE,
        locale: str = "ja",
    ) -> Guild:
        """A guild the bot is in (GUILD_CREATE is dispatched if the bot is connected)."""
        return self.world.create_guild(
            name,
            owner=owner,
            bot_permissions=bot_permissions,
            everyone_permissions=everyone_permissions,
            locale=locale,
        )

    def install_for_user(self, user: User) -> None:
        """``user`` adds the app to their account (user install): commands whose ``integration_types`` hold 1
        then work for them in servers without the bot and in DMs, with ``authorizing_integration_owners["1"]``."""
        self.world.user_installs.add(user.id)

    def group_dm(self, owner: User, *members: User, name: str | None = None) -> Channel:
        """A group DM of people (the bot is not in it): commands reach it through a user install (context 2)."""
        return self.world.group_dm(owner, members, name)

    def scheduled_events(self, guild: Guild) -> list[ScheduledEvent]:
        """The guild's scheduled events (deleted ones left out), oldest first."""
        return self.rest.events.in_guild(guild)

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between the bot and ``user`` (for slash commands or messages in DMs)."""
        return self.world.dm_channel(user)

    # --- interactions ----------------------------------------------------------------------------

    async def _run(self, record: InteractionRecord) -> InteractionResult:
        guild_id = record.guild.id if record.guild else None
        if not self.gateway.has_session_for(guild_id):
            raise EmulatorUsageError("the bot has no live gateway session to receive this interaction")
        self.world.emit(GatewayEvent("INTERACTION_CREATE", copy.deepcopy(record.payload), guild_id=guild_id))
        loop_wait = max(0.0, record.deadline - self.interactions._clock()) + 0.25
        try:
            await self.world.wait_until(
                lambda: record.callback_type is not None or record.rejected,
                loop_wait,
                "the interaction callback",
            )
        except TimeoutError:
            return InteractionResult(record, self.world)
        if record.callback_type in (5, 6):
            target = self.world.messages.get(record.original_id) if record.original_id else None
            edits_before = len(target.edits) if target is not None else 0

            def settled() -> bool:
                edited = target is not None and (len(target.edits) > edits_before or target.deleted)
                return edited or bool(record.followup_ids)

            with contextlib.suppress(TimeoutError):
                await self.world.wait_until(settled, self.config.defer_wait, "the deferred response")
        return InteractionResult(record, self.world)

    async def slash(
        self,
        user: User,
        channel: Channel,
        command: str,
        /,
        options: Mapping[str, object] | None = None,
        **kwargs: object,
    ) -> InteractionResult:
        """Run ``/command`` (``"letters list"`` for subcommands) as ``user`` in ``channel``.

        Options go as keyword arguments (or in ``options`` for names that are not identifiers); names may
        be the default or any localized name. Returns once the bot answered (or the deadline passed).
        """
        record = self.interactions.command(user, channel, command, {**(options or {}), **kwargs})
        return await self._run(record)

    async def autocomplete(
        self,
        user: User,
        channel: Channel,
        command: str,
        /,
        focused: str,
        options: Mapping[str, object] | None = None,
        **kwargs: object,
    ) -> InteractionResult:
        """Ask the bot for choices while ``user`` types in option ``focused``; read ``result.choices``."""
        record = self.interactions.command(user, channel, command, {**(options or {}), **kwargs}, focused=focused)
        return await self._run(record)

    async def click(self, user: User, message: Message | int, custom_id: str) -> InteractionResult:
        return await self._run(self.interactions.click(user, message, custom_id))

    async def select(
        self, user: User, message: Message | int, custom_id: str, values: Iterable[object]
    ) -> InteractionResult:
        return await self._run(self.interactions.select(user, message, custom_id, values))

    async def submit_modal(
        self, user: User, channel: Channel, modal: Modal, values: Mapping[str, object]
    ) -> InteractionResult:
        """Submit ``modal`` (from ``result.modal``) with values by custom_id or label text."""
        return await self._run(self.interactions.modal_submit(user, channel, modal, values))

    # --- users acting ----------------------------------------------------------------------------

    def post_message(self, user: User, channel: Channel, content: str, **fields: Any) -> Message:
        """``user`` posts a message in ``channel`` (MESSAGE_CREATE to the bot)."""
        if channel.guild_id is not None:
            needed = Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES
            if self.world.permissions_in(channel, user.id) & (Permission.VIEW_CHANNEL | needed) != (
                Permission.VIEW_CHANNEL | needed
            ):
                raise EmulatorUsageError(f"{user!r} cannot post in {channel!r}")
        body = {"content": content, **fields}
        if lone_surrogate_path(body) is not None:
            raise EmulatorUsageError("a Discord client sends UTF-8 text only: this message has a lone surrogate")
        return self.messaging.create(channel, user, body, check_permissions=False)

    # --- observation -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Every REST request, in order."""
        return list(self.rest.log)

    def requests_for(self, route: str) -> list[RequestRecord]:
        """Requests whose route key is or contains ``route`` (``"POST /channels/{channel_id}/messages"``)."""
        return [r for r in self.rest.log if r.route == route or route in r.route]

    @property
    def schema_violations(self) -> list[RequestRecord]:
        """Requests refused because their body broke Discord's published schema (each a bot bug)."""
        return list(self.rest.violations)

    def take_schema_violations(self) -> list[RequestRecord]:
        """The schema violations so far, forgotten afterwards: for tests that send invalid bodies on purpose."""
        taken = list(self.rest.violations)
        self.rest.violations.clear()
        return taken

    def check_conformance(self) -> None:
        """Fail (AssertionError) if a request broke Discord's schema, an emulator handler failed, or a message of
        the bot has embeds Discord would not show (a later embed with the url of an earlier one).

        The ``emulator`` fixture calls it after every test, so a bot body Discord would refuse fails loudly
        even where the bot catches the 400.
        """
        problems = [f"{r.method} {r.path}: {r.violation}" for r in self.rest.violations]
        problems += [f"{r.method} {r.path}: emulator error {exc!r}" for r, exc in self.rest.crashes]
        problems += [
            f"message {m.id} in channel {m.channel_id}: embeds {m.embeds.index(e)} not shown (url {e['url']} again)"
            for m in self.world.messages.values()
            if m.author.id == self.world.bot.id and not m.deleted
            for e in m.hidden_embeds
        ]
        if problems:
            raise AssertionError("requests Discord would refuse:\n" + "\n".join(problems))

    def count_429(self, route: str | None = None, scope: str | None = None) -> int:
        """429 answers so far, optionally for one route key and/or scope (user, global, shared)."""
        return self.ratelimits.count(route, scope)

    def dms(self, user: User) -> list[Message]:
        """Messages in the bot's DM channel with ``user``."""
        channel_id = self.world.dm_channel_ids.get(user.id)
        return [] if channel_id is None else self.world.channels[channel_id].messages

    def pings(self, message: Message) -> Pings:
        """Who ``message`` actually notified (users, roles, @everyone/@here) given allowed_mentions."""
        return message.pings

    async def wait_until(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> T:
        return await self.world.wait_until(predicate, timeout, what)

    async def wait_for_message(
        self,
        channel: Channel,
        predicate: Callable[[Message], object] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Message:
        """The first visible message in ``channel`` (already there or yet to come) matching ``predicate``."""

        def find() -> Message | None:
            return next((m for m in channel.messages if predicate is None or predicate(m)), None)

        return await self.world.wait_until(find, timeout, f"a message in {channel!r}")

    async def wait_for_messages(self, channel: Channel, count: int, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109
        """Wait until ``channel`` holds at least ``count`` visible messages; return them."""
        await self.world.wait_until(lambda: len(channel.messages) >= count, timeout, f"{count} messages in {channel!r}")
        return channel.messages
