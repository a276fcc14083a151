"""The studio's web server: the page, a JSON state API, user actions and websocket change notices.

Every action a person takes in the page goes through the emulator's own user API (``slash``,
``autocomplete``, ``click``, ``select``, ``submit_modal``, ``post_message``): nothing is faked here.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from aiohttp import WSMsgType, web

from discord_emulator.errors import EmulatorUsageError
from discord_emulator.events import GatewayEvent
from discord_emulator.interactions import Modal
from discord_emulator.models import Channel, User
from discord_emulator.results import InteractionResult
from discord_emulator.server import DiscordEmulator

from .view import can_see, channel_view, command_entries, world_json

JsonDict = dict[str, Any]

DEFAULT_PORT = 8765
STATIC = resources.files(__package__) / "static"
STATIC_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
#: Browsers may load only the page's own files; images (thumbnails in embeds) from anywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' http: https: data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
#: How long the websocket pump gathers changes before telling the pages.
CHANGE_BATCH = 0.05
#: Forms kept open for submission (the oldest is forgotten first, as a Discord client closes old dialogs).
OPEN_MODALS = 50


class RemoteBindRefused(ValueError):
    """The studio was asked to listen on an address other machines can reach, without being allowed to."""


def check_bind(host: str, *, allow_remote: bool = False) -> None:
    """Refuse a non-loopback address unless ``allow_remote`` (the studio has no login: anyone reaching it acts)."""
    if allow_remote or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise RemoteBindRefused(
            f"refusing to listen on {host}: the studio has no login, so anyone who reaches it can act as every "
            "member; use 127.0.0.1 (the default), or pass --allow-remote if you really mean it"
        )


@dataclass
class Viewer:
    """A member a person can act as, with what the page calls them (``{"ja": "リスナー", "en": "listener"}``)."""

    user: User
    label: Mapping[str, str]


@dataclass
class ControlField:
    """One input of a control: ``text``, ``textarea`` or ``select`` (choices may carry ``fills``: other fields)."""

    name: str
    label: str
    kind: str = "text"
    value: str = ""
    choices: list[JsonDict] = field(default_factory=list)


@dataclass
class Control:
    """An operator's action outside Discord (write a post, poll now); ``run`` returns a line for the page."""

    name: str
    label: str
    run: Callable[[Mapping[str, str]], Awaitable[str]]
    fields: list[ControlField] = field(default_factory=list)
    description: str = ""

    def json(self) -> JsonDict:
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "fields": [vars(f) for f in self.fields],
        }


class StudioError(Exception):
    """Bad input from the page: answered with 400 and the message."""


class Studio:
    """The web page of an emulated world: ``await studio.start()``, open ``studio.url``, ``await studio.stop()``."""

    def __init__(
        self,
        emulator: DiscordEmulator,
        viewers: Sequence[Viewer],
        *,
        controls: Callable[[], Sequence[Control]] = list,  # called in a worker thread
        title: str = "Discord emulator studio",
    ) -> None:
        if not viewers:
            raise ValueError("the studio needs at least one member to act as")
        self.emulator = emulator
        self.viewers = {str(v.user.id): v for v in viewers}
        self.controls = controls
        self.title = title
        self.host = "127.0.0.1"
        self.port = 0
        self.allow_remote = False
        self._modals: dict[str, tuple[Modal, int, int]] = {}
        self._sockets: set[web.WebSocketResponse] = set()
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._pump: asyncio.Task[None] | None = None
        emulator.world.add_listener(self._on_event)
        self.app = self._build_app()

    # --- lifecycle -------------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        app.router.add_get("/", self._index)
        app.router.add_get("/static/{name}", self._static)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/channels/{channel_id}", self._channel)
        app.router.add_get("/api/commands", self._commands)
        app.router.add_get("/api/controls", self._controls)
        app.router.add_post("/api/controls/{name}", self._run_control)
        app.router.add_post("/api/viewer", self._viewer_locale)
        app.router.add_post("/api/slash", self._slash)
        app.router.add_post("/api/autocomplete", self._autocomplete)
        app.router.add_post("/api/click", self._click)
        app.router.add_post("/api/select", self._select)
        app.router.add_post("/api/modal", self._submit_modal)
        app.router.add_post("/api/message", self._post_message)
        app.router.add_get("/api/ws", self._websocket)
        app.on_startup.append(self._start_pump)
        app.on_shutdown.append(self._close_sockets)
        app.on_cleanup.append(self._stop_pump)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *, allow_remote: bool = False) -> str:
        """Listen on ``host:port`` (0: any free port); refuse a non-loopback host unless ``allow_remote``."""
        check_bind(host, allow_remote=allow_remote)
        self.host, self.allow_remote = host, allow_remote
        self._runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def addresses(self) -> list[Any]:
        """The socket addresses the server listens on."""
        return list(self._runner.addresses) if self._runner is not None else []

    # --- change notices --------------------------------------------------------------------------

    def _on_event(self, event: GatewayEvent) -> None:
        self._changed.set()

    async def _start_pump(self, app: web.Application) -> None:
        self._pump = asyncio.create_task(self._notify_loop(), name="studio-notify")

    async def _stop_pump(self, app: web.Application) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None

    async def _notify_loop(self) -> None:
        while True:
            await self._changed.wait()
            await asyncio.sleep(CHANGE_BATCH)
            self._changed.clear()
            for socket in list(self._sockets):
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await socket.send_json({"type": "changed"})

    async def _close_sockets(self, app: web.Application) -> None:
        for socket in list(self._sockets):
            await socket.close()

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(heartbeat=30)
        await socket.prepare(request)
        self._sockets.add(socket)
        try:
            await socket.send_json({"type": "hello"})
            async for message in socket:
                if message.type == WSMsgType.ERROR:
                    break
        finally:
            self._sockets.discard(socket)
        return socket

    # --- guard -----------------------------------------------------------------------------------

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Only this page may drive the studio: Host must be ours (no DNS rebinding), Origin too, bodies JSON."""
        if not self.allow_remote and self.port and request.host not in self._own_hosts():
            return web.json_response({"error": f"unexpected Host {request.host!r}"}, status=403)
        origin = request.headers.get("Origin")
        if origin is not None and origin.split("://", 1)[-1] != request.host:
            return web.json_response({"error": "requests from other sites are refused"}, status=403)
        if request.method == "POST" and request.content_type != "application/json":
            return web.json_response({"error": "send JSON"}, status=415)
        try:
            response = await handler(request)
        except StudioError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        except EmulatorUsageError as exc:
            return web.json_response({"error": str(exc), "refused": True}, status=400)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def _own_hosts(self) -> set[str]:
        names = {self.host, "localhost", "127.0.0.1", "[::1]"}
        return {f"{name}:{self.port}" for name in names}

    # --- reading ---------------------------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=(STATIC / "index.html").read_bytes(), content_type="text/html", charset="utf-8")

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        suffix = name[name.rfind(".") :] if "." in name else ""
        resource = STATIC / name
        if "/" in name or name.startswith(".") or suffix not in STATIC_TYPES or not resource.is_file():
            raise web.HTTPNotFound()
        return web.Response(body=resource.read_bytes(), content_type=STATIC_TYPES[suffix], charset="utf-8")

    def _viewer(self, value: object) -> User:
        viewer = self.viewers.get(str(value))
        if viewer is None:
            raise StudioError(f"unknown member {value!r}")
        return viewer.user

    def _channel_of(self, value: object) -> Channel:
        try:
            channel = self.emulator.world.channels.get(int(str(value)))
        except ValueError:
            channel = None
        if channel is None or channel.deleted:
            raise StudioError(f"unknown channel {value!r}")
        return channel

    async def _state(self, request: web.Request) -> web.Response:
        viewer = self._viewer(request.query.get("viewer") or next(iter(self.viewers)))
        viewers = [
            {"id": key, "label": dict(v.label), "name": v.user.global_name or v.user.username, "locale": v.user.locale}
            for key, v in self.viewers.items()
        ]
        data = world_json(self.emulator.world, viewer) | {"title": self.title, "viewers": viewers}
        return web.json_response(data)

    async def _channel(self, request: web.Request) -> web.Response:
        viewer = self._viewer(request.query.get("viewer"))
        channel = self._channel_of(request.match_info["channel_id"])
        world = self.emulator.world
        if not can_see(world, channel, viewer):
            raise StudioError("this member cannot see that channel")
        view = channel_view(world, channel, viewer)
        labels = {
            entry["path"]: entry["label"]
            for command in self.emulator.commands.all()
            for entry in command_entries(command, viewer.locale)
        }
        for message in view["messages"]:
            used = message.get("interaction")
            if used and used.get("name") in labels:
                used["label"] = labels[used["name"]]  # as the member's client shows it: /検索
        return web.json_response(view)

    async def _commands(self, request: web.Request) -> web.Response:
        """The chat commands ``viewer`` may use in the channel, one entry per subcommand, in their language."""
        viewer = self._viewer(request.query.get("viewer"))
        channel = self._channel_of(request.query.get("channel"))
        emulator = self.emulator
        scopes = [None, channel.guild_id] if channel.guild_id is not None else [None]
        entries: list[JsonDict] = []
        for scope in scopes:
            for command in emulator.commands.list(scope):
                if command.type != 1:
                    continue
                try:
                    emulator.interactions.check_visible(command, viewer, channel)
                except EmulatorUsageError:
                    continue
                entries.extend(command_entries(command, viewer.locale))
        return web.json_response({"commands": sorted(entries, key=lambda e: e["label"])})

    async def _controls(self, request: web.Request) -> web.Response:
        controls = await asyncio.to_thread(self.controls)  # they may read files
        return web.json_response({"controls": [control.json() for control in controls]})

    # --- acting ----------------------------------------------------------------------------------

    async def _body(self, request: web.Request) -> JsonDict:
        try:
            body = await request.json()
        except ValueError:
            raise StudioError("the body is not JSON") from None
        if not isinstance(body, dict):
            raise StudioError("the body must be a JSON object")
        return body

    async def _run_control(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        control = next((c for c in await asyncio.to_thread(self.controls) if c.name == name), None)
        if control is None:
            raise StudioError(f"unknown control {name!r}")
        values = (await self._body(request)).get("values") or {}
        if not isinstance(values, dict):
            raise StudioError("values must be an object")
        try:
            text = await control.run({str(k): str(v) for k, v in values.items()})
        except ValueError as exc:
            raise StudioError(str(exc)) from None
        return web.json_response({"ok": True, "message": text})

    async def _viewer_locale(self, request: web.Request) -> web.Response:
        """The member's Discord client language (``ja`` or ``en-US``): what their interactions carry as locale."""
        body = await self._body(request)
        viewer = self._viewer(body.get("viewer"))
        locale = str(body.get("locale") or "")
        if locale not in ("ja", "en-US"):
            raise StudioError("locale must be ja or en-US")
        viewer.locale = locale
        self._changed.set()
        return web.json_response({"ok": True})

    def _option(self, value: object, kind: int) -> object:
        world = self.emulator.world
        try:
            if kind in (6, 7, 8, 9):
                target = int(str(value))
                if kind in (6, 9) and target in world.users:
                    return world.users[target]
                if kind == 7 and target in world.channels:
                    return world.channels[target]
                for guild in world.guilds.values():
                    if kind in (8, 9) and target in guild.roles:
                        return guild.roles[target]
                raise StudioError(f"unknown user, channel or role {value!r}")
            if kind == 11 and isinstance(value, dict):
                return (str(value.get("filename") or "file"), base64.b64decode(str(value.get("data") or "")))
            if kind == 4:
                return int(str(value))
            if kind == 10:
                return float(str(value))
            if kind == 5:
                return value in (True, "true", "1")
        except ValueError:
            raise StudioError(f"{value!r} is not a valid value") from None
        return value

    def _options(self, body: JsonDict) -> dict[str, object]:
        options = body.get("options") or {}
        types = body.get("types") or {}
        if not isinstance(options, dict) or not isinstance(types, dict):
            raise StudioError("options must be an object")
        return {
            str(name): self._option(value, int(types.get(name) or 3))
            for name, value in options.items()
            if value not in (None, "")
        }

    def _result(self, result: InteractionResult, user: User, channel: Channel) -> JsonDict:
        data: JsonDict = {
            "responded": result.responded,
            "type": result.type.name if result.type is not None else None,
            "ephemeral": result.ephemeral,
            "rejected": result.rejected,
        }
        modal = result.modal
        if modal is not None:
            key = secrets.token_urlsafe(12)
            self._modals[key] = (modal, channel.id, user.id)
            while len(self._modals) > OPEN_MODALS:
                del self._modals[next(iter(self._modals))]
            data["modal"] = {"id": key, "title": modal.title, "components": modal.components}
        if result.record.choices is not None:
            data["choices"] = result.choices
        return data

    async def _slash(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user, channel = self._viewer(body.get("viewer")), self._channel_of(body.get("channel"))
        result = await self.emulator.slash(user, channel, str(body.get("command") or ""), self._options(body))
        return web.json_response(self._result(result, user, channel))

    async def _autocomplete(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user, channel = self._viewer(body.get("viewer")), self._channel_of(body.get("channel"))
        options = self._options(body)
        focused = str(body.get("focused") or "")
        options.setdefault(focused, "")
        result = await self.emulator.autocomplete(user, channel, str(body.get("command") or ""), focused, options)
        return web.json_response(self._result(result, user, channel))

    async def _click(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user = self._viewer(body.get("viewer"))
        message = self._message_id(body)
        result = await self.emulator.click(user, message, str(body.get("custom_id") or ""))
        return web.json_response(self._result(result, user, result.record.channel))

    async def _select(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user = self._viewer(body.get("viewer"))
        values = body.get("values") or []
        if not isinstance(values, list):
            raise StudioError("values must be a list")
        result = await self.emulator.select(user, self._message_id(body), str(body.get("custom_id") or ""), values)
        return web.json_response(self._result(result, user, result.record.channel))

    def _message_id(self, body: JsonDict) -> int:
        try:
            return int(str(body.get("message")))
        except ValueError:
            raise StudioError("message must be a message id") from None

    async def _submit_modal(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user = self._viewer(body.get("viewer"))
        pending = self._modals.get(str(body.get("modal") or ""))
        if pending is None or pending[2] != user.id:
            raise StudioError("this form is no longer open")
        values = body.get("values") or {}
        if not isinstance(values, dict):
            raise StudioError("values must be an object")
        modal, channel_id, _ = pending
        channel = self._channel_of(channel_id)
        result = await self.emulator.submit_modal(user, channel, modal, values)
        del self._modals[str(body.get("modal"))]
        return web.json_response(self._result(result, user, channel))

    async def _post_message(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user, channel = self._viewer(body.get("viewer")), self._channel_of(body.get("channel"))
        if not can_see(self.emulator.world, channel, user):
            raise StudioError("this member cannot see that channel")
        content = str(body.get("content") or "")
        if not content.strip():
            raise StudioError("the message is empty")
        if len(content) > 2000:
            raise StudioError("a message holds at most 2000 characters")
        message = self.emulator.post_message(user, channel, content)
        return web.json_response({"ok": True, "id": str(message.id)})
