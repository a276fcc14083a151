"""The REST API under ``/api/v10``: routing, auth, bodies (JSON and multipart), rate limits, faults, log."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import errors as err
from . import schema
from .commands import CommandRegistry
from .errors import ApiError, FormErrors
from .events import Intent
from .faults import RestFaults
from .interactions import InteractionRecord, Interactions
from .messaging import Messaging, UploadedFile
from .models import Channel, ChannelType, Guild, Message
from .permissions import Overwrite, Permission
from .ratelimit import Limited, RateLimiter, retry_after_header
from .scheduled_events import ScheduledEvents
from .validation import (
    lone_surrogate_path,
    validate_callback_data,
    validate_command,
    validate_commands,
    validate_message,
)
from .world import World

log = logging.getLogger(__name__)

JsonDict = dict[str, Any]
API_PREFIX = "/api/v10"
_FILE_FIELD = re.compile(r"files\[(\d+)\]")


@dataclass
class RequestRecord:
    """One REST request as the emulator saw and answered it."""

    method: str
    path: str
    route: str
    query: dict[str, str]
    body: Any
    files: list[UploadedFile]
    status: int = 0
    response: Any = None
    at: float = field(default_factory=time.time)
    duration: float = 0.0
    #: The ``errors`` tree when the body broke Discord's published schema (answered 400 50035).
    violation: JsonDict | None = None

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


@dataclass
class Call:
    request: web.Request
    params: dict[str, str]
    body: Any
    files: list[UploadedFile]
    #: Validates the body against Discord's schema (raises 50035); the callback route calls it itself, after
    #: finding the interaction, so that a refused callback counts as refused.
    check: Callable[[], None]

    @property
    def query(self) -> Mapping[str, str]:
        return self.request.query

    def id(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise err.not_found() from None

    def json(self) -> JsonDict:
        if not isinstance(self.body, dict):
            raise err.not_a_dict()
        return self.body


Reply = tuple[int, Any]
Handler = Callable[[Call], Awaitable[Reply]]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    auth: bool = True
    global_exempt: bool = False
    limited: bool = True

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        return re.compile(f"^{regex}$")


def _message_rules(body: Any, errors: FormErrors) -> None:
    if isinstance(body, dict):
        validate_message(body, errors)


def _command_rules(body: Any, errors: FormErrors) -> None:
    if isinstance(body, dict):
        validate_command(body, errors, ())


def _callback_rules(body: Any, errors: FormErrors) -> None:
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        validate_callback_data(body.get("type"), body["data"], errors)


#: The emulator's own rules for a body the schema refused, so that one answer names every problem.
_RULES: dict[str, Callable[[Any, FormErrors], None]] = {
    "POST /channels/{channel_id}/messages": _message_rules,
    "PATCH /channels/{channel_id}/messages/{message_id}": _message_rules,
    "POST /webhooks/{webhook_id}/{webhook_token}": _message_rules,
    "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original": _message_rules,
    "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}": _message_rules,
    "POST /applications/{application_id}/commands": _command_rules,
    "POST /applications/{application_id}/guilds/{guild_id}/commands": _command_rules,
    "PUT /applications/{application_id}/commands": validate_commands,
    "PUT /applications/{application_id}/guilds/{guild_id}/commands": validate_commands,
    "POST /interactions/{interaction_id}/{interaction_token}/callback": _callback_rules,
}


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "yes")


class RestApi:
    """Discord's HTTP API for what a bot does, answered from a :class:`World`."""

    def __init__(
        self,
        world: World,
        messaging: Messaging,
        commands: CommandRegistry,
        interactions: Interactions,
        ratelimits: RateLimiter,
        faults: RestFaults,
        *,
        token: str,
        gateway_url: Callable[[], str],
        recommended_shards: Callable[[], int],
        privileged_intents: Callable[[], int],
    ) -> None:
        self.world = world
        self.messaging = messaging
        self.commands = commands
        self.interactions = interactions
        self.ratelimits = ratelimits
        self.faults = faults
        self.token = token
        self._gateway_url = gateway_url
        self._shards = recommended_shards
        self._privileged = privileged_intents
        self.log: list[RequestRecord] = []
        #: Requests whose body broke the spec, and requests an emulator handler failed on (answered 500).
        self.violations: list[RequestRecord] = []
        self.crashes: list[tuple[RequestRecord, BaseException]] = []
        self.events = ScheduledEvents(world)
        self.routes = self._routes()
        self._compiled = [(route, route.pattern) for route in self.routes]

    # --- plumbing --------------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        r = Route
        app = "/applications/{application_id}"
        return [
            r("GET", "/gateway", self.get_gateway, auth=False),
            r("GET", "/gateway/bot", self.get_gateway_bot),
            r("GET", "/users/@me", self.get_me),
            r("POST", "/users/@me/channels", self.create_dm),
            r("GET", "/users/{user_id}", self.get_user),
            r("GET", "/oauth2/applications/@me", self.get_application),
            r("GET", "/applications/@me", self.get_application),
            r("GET", f"{app}/commands", self.list_commands),
            r("PUT", f"{app}/commands", self.put_commands),
            r("POST", f"{app}/commands", self.post_command),
            r("GET", f"{app}/commands/{{command_id}}", self.get_command),
            r("PATCH", f"{app}/commands/{{command_id}}", self.patch_command),
            r("DELETE", f"{app}/commands/{{command_id}}", self.delete_command),
            r("GET", f"{app}/guilds/{{guild_id}}/commands", self.list_commands),
            r("GET", f"{app}/guilds/{{guild_id}}/commands/permissions", self.list_command_permissions),
            r("PUT", f"{app}/guilds/{{guild_id}}/commands", self.put_commands),
            r("POST", f"{app}/guilds/{{guild_id}}/commands", self.post_command),
            r("GET", f"{app}/guilds/{{guild_id}}/commands/{{command_id}}", self.get_command),
            r("PATCH", f"{app}/guilds/{{guild_id}}/commands/{{command_id}}", self.patch_command),
            r("DELETE", f"{app}/guilds/{{guild_id}}/commands/{{command_id}}", self.delete_command),
            r("GET", "/guilds/{guild_id}", self.get_guild),
            r("GET", "/guilds/{guild_id}/channels", self.get_guild_channels),
            r("POST", "/guilds/{guild_id}/channels", self.create_guild_channel),
            r("GET", "/guilds/{guild_id}/members", self.list_members),
            r("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            r("GET", "/guilds/{guild_id}/roles", self.get_roles),
            r("GET", "/guilds/{guild_id}/threads/active", self.active_threads),
            r("GET", "/guilds/{guild_id}/scheduled-events", self.list_events),
            r("POST", "/guilds/{guild_id}/scheduled-events", self.create_event),
            r("GET", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}", self.get_event),
            r("PATCH", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}", self.modify_event),
            r("DELETE", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}", self.delete_event),
            r("GET", "/channels/{channel_id}", self.get_channel),
            r("PATCH", "/channels/{channel_id}", self.patch_channel),
            r("DELETE", "/channels/{channel_id}", self.delete_channel),
            r("GET", "/channels/{channel_id}/messages", self.list_messages),
            r("POST", "/channels/{channel_id}/messages", self.create_message),
            r("POST", "/channels/{channel_id}/messages/bulk-delete", self.bulk_delete),
            r("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            r("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            r("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            r("POST", "/channels/{channel_id}/messages/{message_id}/crosspost", self.crosspost),
            r("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.thread_from_message),
            r("POST", "/channels/{channel_id}/threads", self.create_thread),
            r("GET", "/channels/{channel_id}/threads/archived/public", self.archived_threads),
            r("PUT", "/channels/{channel_id}/thread-members/@me", self.join_thread),
            r("DELETE", "/channels/{channel_id}/thread-members/@me", self.leave_thread),
            r("GET", "/channels/{channel_id}/thread-members", self.thread_members),
            r("POST", "/channels/{channel_id}/typing", self.typing),
            r("PUT", "/channels/{channel_id}/permissions/{target_id}", self.put_permission),
            r("DELETE", "/channels/{channel_id}/permissions/{target_id}", self.delete_permission),
            r(
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                self.interaction_callback,
                auth=False,
                global_exempt=True,
                limited=False,
            ),
            r(
                "POST",
                "/webhooks/{webhook_id}/{webhook_token}",
                self.execute_webhook,
                auth=False,
                global_exempt=True,
            ),
            r(
                "GET",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                self.get_original,
                auth=False,
                global_exempt=True,
            ),
            r(
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                self.edit_original,
                auth=False,
                global_exempt=True,
            ),
            r(
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                self.delete_original,
                auth=False,
                global_exempt=True,
            ),
            r(
                "GET",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self.get_followup,
                auth=False,
                global_exempt=True,
            ),
            r(
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self.edit_followup,
                auth=False,
                global_exempt=True,
            ),
            r(
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self.delete_followup,
                auth=False,
                global_exempt=True,
            ),
        ]

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        path_matched = False
        for route, pattern in self._compiled:
            match = pattern.match(path)
            if match is None:
                continue
            path_matched = True
            if route.method == method:
                return route, match.groupdict()
        raise err.method_not_allowed() if path_matched else err.not_found()

    async def _parse(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        if request.content_type.startswith("multipart/"):
            body: Any = {}
            files: list[UploadedFile] = []
            reader = await request.multipart()
            async for part in reader:
                if part is None:
                    break
                name = getattr(part, "name", None) or ""
                data = await part.read()  # type: ignore[union-attr]
                if name == "payload_json":
                    try:
                        body = json.loads(data)
                    except ValueError:
                        raise err.invalid_json() from None
                    if lone_surrogate_path(body) is not None:
                        raise err.invalid_json()
                elif (match := _FILE_FIELD.fullmatch(name)) is not None:
                    files.append(
                        UploadedFile(
                            index=int(match.group(1)),
                            filename=getattr(part, "filename", None) or f"file{match.group(1)}",
                            data=bytes(data),
                            content_type=part.headers.get("Content-Type"),
                        )
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return {}, []
        try:
            body = json.loads(raw)
        except ValueError:
            raise err.invalid_json() from None
        if b"\\u" in raw and lone_surrogate_path(body) is not None:
            raise err.invalid_json()
        return body, []

    @staticmethod
    def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
        all_headers = {"Via": "1.1 google", **(headers or {})}
        if body is None:
            return web.Response(status=status, headers=all_headers)
        all_headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(body, ensure_ascii=False).encode(), headers=all_headers)

    @staticmethod
    def _major(params: dict[str, str]) -> str:
        keys = (
            "channel_id",
            "guild_id",
            "webhook_id",
            "webhook_token",
            "interaction_id",
            "interaction_token",
        )
        return "+".join(params[k] for k in keys if k in params)

    def _injected_429(self, route: Route, params: dict[str, str], retry_after: float, scope: str) -> Limited:
        """A 429 with the headers Discord sends: the route's bucket (exhausted for ``retry_after`` unless the limit
        is global), ``X-RateLimit-Global`` when it is, ``Retry-After`` in whole seconds."""
        self.ratelimits.record(route.key, scope)
        headers = {"X-RateLimit-Scope": scope, "Retry-After": retry_after_header(retry_after)}
        if scope == "global":
            headers = self.ratelimits.route_headers(route.key, self._major(params)) | headers
            headers["X-RateLimit-Global"] = "true"
        else:
            limit, _ = self.ratelimits.config.limit_for(route.key)
            headers |= self.ratelimits.bucket_headers(route.key, limit, retry_after)
        return Limited(retry_after, scope, headers)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        response = await self._handle(request)
        scope = response.headers.get("X-RateLimit-Scope")
        self.ratelimits.note_answer(response.status, scope)
        return response

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        path = request.path[len(API_PREFIX) :] or "/"
        record = RequestRecord(
            method=request.method,
            path=path,
            route=f"{request.method} {path}",
            query=dict(request.query),
            body=None,
            files=[],
        )
        self.log.append(record)
        headers: dict[str, str] = {}
        banned = self.ratelimits.ban_remaining()
        if banned:
            # Cloudflare answers a banned IP, not Discord: no JSON, no Via header (discord.py tells it apart by that).
            record.status, record.response = 429, "error code: 1015"
            return web.Response(
                status=429, text="error code: 1015", headers={"Retry-After": retry_after_header(banned)}
            )
        try:
            if self.faults.latency:
                await asyncio.sleep(self.faults.latency)
            route, params = self._match(request.method, path)
            record.route = route.key
            if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise err.unauthorized()
            injected = self.faults.take(route.key)
            if injected is not None:
                if injected.status == 429:
                    limited = self._injected_429(route, params, injected.retry_after, injected.scope)
                    record.status, record.response = 429, limited.body()
                    return self._json(429, limited.body(), limited.headers)
                record.status = injected.status
                if injected.status == 502:
                    return web.Response(
                        status=502, text="<html><body>502 Bad Gateway</body></html>", content_type="text/html"
                    )
                record.response = {"message": f"{injected.status}: Internal Server Error", "code": 0}
                return self._json(injected.status, record.response)
            if route.limited:
                limited_or_none, headers = self.ratelimits.check(
                    route.key, self._major(params), global_exempt=route.global_exempt
                )
                if limited_or_none is not None:
                    record.status, record.response = 429, limited_or_none.body()
                    return self._json(429, limited_or_none.body(), limited_or_none.headers)
            body, files = await self._parse(request)
            record.body, record.files = body, files
            call = Call(request, params, body, files, check=lambda: self._check_schema(route, params, body, record))
            if route.handler != self.interaction_callback:
                call.check()
            status, payload = await route.handler(call)
        except ApiError as exc:
            status, payload = exc.status, exc.body()
        except web.HTTPRequestEntityTooLarge:
            status, payload = err.entity_too_large().status, err.entity_too_large().body()
        except Exception as exc:  # an emulator bug must not look like a dead Discord: answer as Discord does
            log.exception("emulator failed on %s %s", request.method, path)
            self.crashes.append((record, exc))
            status, payload = 500, {"message": "500: Internal Server Error", "code": 0}
        finally:
            record.duration = time.monotonic() - started
        record.status, record.response = status, payload
        return self._json(status, payload, headers)

    # --- lookups and checks ----------------------------------------------------------------------

    def _schema_variant(self, route: Route, params: dict[str, str], body: Any = None) -> str | None:
        """The branch of a route's union that applies, told by the target (Discord knows the channel's type),
        or for scheduled events by the entity type."""
        event_variant = self.events.variant(route.method, route.template, params, body)
        if event_variant is not None:
            return event_variant
        if route.template == "/webhooks/{webhook_id}/{webhook_token}":
            return "IncomingWebhookRequestPartial"
        if route.template not in ("/channels/{channel_id}", "/channels/{channel_id}/threads"):
            return None
        try:
            channel = self.world.channels.get(int(params["channel_id"]))
        except ValueError:
            channel = None
        if channel is None:
            return None
        if route.template == "/channels/{channel_id}/threads":
            forum = channel.type in (ChannelType.FORUM, ChannelType.MEDIA)
            return "CreateForumThreadRequest" if forum else "CreateTextThreadWithoutMessageRequest"
        if channel.is_thread:
            return "UpdateThreadRequestPartial"
        return "UpdateDMRequestPartial" if channel.type == ChannelType.DM else "UpdateGuildChannelRequestPartial"

    def _check_schema(self, route: Route, params: dict[str, str], body: Any, record: RequestRecord) -> None:
        """Refuse a body that breaks Discord's published request schema for this route (400 50035).

        The answer also names what the emulator's own rules refuse in the same body, as Discord reports every
        problem at once.
        """
        if route.method not in ("POST", "PUT", "PATCH"):
            return
        variant = self._schema_variant(route, params, body)
        if variant is None and route.template in ("/channels/{channel_id}", "/channels/{channel_id}/threads"):
            return  # unknown channel: the handler answers 10003
        errors = FormErrors()
        schema.validate_body(route.method, route.template, body, errors, variant=variant)
        if errors:
            record.violation = errors.to_dict()
            self.violations.append(record)
            rules = _RULES.get(route.key)
            if rules is not None:
                rules(body, errors)
            errors.raise_if_any()

    def _channel(self, call: Call, *, view: bool = True) -> Channel:
        channel = self.world.channels.get(call.id("channel_id"))
        if channel is None or channel.deleted:
            raise err.unknown_channel()
        if view and not self.world.bot_permissions(channel) & Permission.VIEW_CHANNEL:
            raise err.missing_access()
        return channel

    def _message(self, channel: Channel, message_id: int) -> Message:
        message = self.world.messages.get(message_id)
        if message is None or message.deleted or message.channel_id != channel.id or message.ephemeral:
            raise err.unknown_message()
        return message

    def _guild(self, call: Call) -> Guild:
        guild = self.world.guilds.get(call.id("guild_id"))
        if guild is None:
            raise err.unknown_guild()
        if not self.world.bot_in(guild):
            raise err.missing_access()
        return guild

    def _application(self, call: Call) -> None:
        if call.id("application_id") != self.world.application_id:
            raise ApiError(403, 20012, "You are not authorized to perform this action on this application")

    def _scope(self, call: Call) -> int | None:
        self._application(call)
        if "guild_id" in call.params:
            return self._guild(call).id
        return None

    def _require(self, channel: Channel, wanted: int) -> None:
        if self.world.bot_permissions(channel) & wanted != wanted:
            raise err.missing_permissions()

    # --- users, gateway, application -------------------------------------------------------------

    async def get_gateway(self, call: Call) -> Reply:
        return 200, {"url": self._gateway_url()}

    async def get_gateway_bot(self, call: Call) -> Reply:
        return 200, {
            "url": self._gateway_url(),
            "shards": self._shards(),
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }

    async def get_me(self, call: Call) -> Reply:
        return 200, self.world.bot.payload() | {
            "verified": True,
            "mfa_enabled": False,
            "email": None,
            "locale": "ja",
        }

    async def get_user(self, call: Call) -> Reply:
        user = self.world.users.get(call.id("user_id"))
        if user is None:
            raise err.unknown_user()
        return 200, user.payload()

    async def create_dm(self, call: Call) -> Reply:
        try:
            user = self.world.users.get(int(call.json().get("recipient_id")))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            user = None
        if user is None:
            raise err.unknown_user()
        return 200, self.world.channel_payload(self.world.dm_channel(user))

    async def get_application(self, call: Call) -> Reply:
        world = self.world
        owner = world.users.get(next(iter(world.guilds.values())).owner_id) if world.guilds else world.bot
        flags = 1 << 23
        privileged = self._privileged()
        if privileged & Intent.GUILD_PRESENCES:
            flags |= 1 << 13
        if privileged & Intent.GUILD_MEMBERS:
            flags |= 1 << 15
        if privileged & Intent.MESSAGE_CONTENT:
            flags |= 1 << 19
        return 200, {
            "id": str(world.application_id),
            "name": world.bot.username,
            "icon": None,
            "description": "",
            "summary": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": flags,
            "owner": (owner or world.bot).payload(),
            "team": None,
            "bot": world.bot.payload(),
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": sum(1 for g in world.guilds.values() if world.bot_in(g)),
            "integration_types_config": {"0": {}},
        }

    # --- application commands --------------------------------------------------------------------

    async def list_commands(self, call: Call) -> Reply:
        return 200, [c.payload() for c in self.commands.list(self._scope(call))]

    async def put_commands(self, call: Call) -> Reply:
        return 200, [c.payload() for c in self.commands.bulk_overwrite(self._scope(call), call.body)]

    async def post_command(self, call: Call) -> Reply:
        command, created = self.commands.upsert(self._scope(call), call.json())
        return (201 if created else 200), command.payload()

    async def list_command_permissions(self, call: Call) -> Reply:
        """The overrides admins set in Server Settings → Integrations for this application's global commands."""
        self._application(call)
        guild = self._guild(call)
        by_name = {command.name: command for command in self.commands.list(None)}
        found = []
        for (guild_id, name), overrides in self.commands.overrides.items():
            command = by_name.get(name)
            if guild_id != guild.id or command is None:
                continue
            entries = [
                {"id": str(target), "type": 1 if target in guild.roles else 2, "permission": allowed}
                for target, allowed in overrides.items()
            ]
            found.append(
                {
                    "id": str(command.id),
                    "application_id": str(command.application_id),
                    "guild_id": str(guild.id),
                    "permissions": entries,
                }
            )
        return 200, found

    async def get_command(self, call: Call) -> Reply:
        return 200, self.commands.get(self._scope(call), call.id("command_id")).payload()

    async def patch_command(self, call: Call) -> Reply:
        return 200, self.commands.edit(self._scope(call), call.id("command_id"), call.json()).payload()

    async def delete_command(self, call: Call) -> Reply:
        self.commands.delete(self._scope(call), call.id("command_id"))
        return 204, None

    # --- guilds ----------------------------------------------------------------------------------

    async def get_guild(self, call: Call) -> Reply:
        guild = self._guild(call)
        data = self.world.guild_payload(guild)
        if _truthy(call.query.get("with_counts")):
            data.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
        return 200, data

    async def get_guild_channels(self, call: Call) -> Reply:
        guild = self._guild(call)
        return 200, [self.world.channel_payload(c) for c in self.world.guild_channels(guild)]

    async def create_guild_channel(self, call: Call) -> Reply:
        guild = self._guild(call)
        if not self.world.guild_permissions(guild, self.world.bot.id) & Permission.MANAGE_CHANNELS:
            raise err.missing_permissions()
        body = call.json()
        errors = FormErrors()
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            errors.add(("name",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        kind = body.get("type", 0)
        if kind not in (0, 2, 4, 5, 13, 15, 16):
            errors.add(("type",), "BASE_TYPE_CHOICES", "Value must be one of {0, 2, 4, 5, 13, 15, 16}.")
        errors.raise_if_any()
        parent = self.world.channels.get(int(body["parent_id"])) if body.get("parent_id") else None
        channel = self.world.create_channel(
            guild,
            str(name),
            type=int(kind),
            topic=body.get("topic"),
            parent=parent,
            tags=[t["name"] for t in body.get("available_tags") or []],
            raw_overwrites=[
                Overwrite(
                    id=int(o["id"]),
                    type=int(o["type"]),
                    allow=int(o.get("allow", 0)),
                    deny=int(o.get("deny", 0)),
                )
                for o in body.get("permission_overwrites") or []
            ],
        )
        return 201, self.world.channel_payload(channel)

    async def list_members(self, call: Call) -> Reply:
        guild = self._guild(call)
        if not self._privileged() & Intent.GUILD_MEMBERS:
            raise err.missing_access()
        limit = min(int(call.query.get("limit", "1")), 1000)
        after = int(call.query.get("after", "0"))
        members = sorted((m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id)
        return 200, [m.payload() for m in members[:limit]]

    async def get_member(self, call: Call) -> Reply:
        guild = self._guild(call)
        member = guild.members.get(call.id("user_id"))
        if member is None:
            raise err.unknown_member()
        return 200, member.payload()

    async def get_roles(self, call: Call) -> Reply:
        guild = self._guild(call)
        return 200, [role.payload() for role in guild.roles.values()]

    async def active_threads(self, call: Call) -> Reply:
        guild = self._guild(call)
        threads = [t for t in self.world.guild_threads(guild) if not t.archived and self.world.bot_permissions(t)]
        return 200, {"threads": [self.world.channel_payload(t) for t in threads], "members": []}

    # --- scheduled events (rules in scheduled_events.py) ------------------------------------------

    async def list_events(self, call: Call) -> Reply:
        guild = self._guild(call)
        counted = _truthy(call.query.get("with_user_count"))
        payloads = [self.events.payload(e) for e in self.events.in_guild(guild)]
        return 200, [p | {"user_count": 0} for p in payloads] if counted else payloads

    async def create_event(self, call: Call) -> Reply:
        guild = self._guild(call)
        return 200, self.events.payload(self.events.create(guild, call.json()))

    async def get_event(self, call: Call) -> Reply:
        guild = self._guild(call)
        return 200, self.events.payload(self.events.get(guild, call.id("guild_scheduled_event_id")))

    async def modify_event(self, call: Call) -> Reply:
        guild = self._guild(call)
        return 200, self.events.payload(self.events.modify(guild, call.id("guild_scheduled_event_id"), call.json()))

    async def delete_event(self, call: Call) -> Reply:
        guild = self._guild(call)
        self.events.delete(guild, call.id("guild_scheduled_event_id"))
        return 204, None

    # --- channels --------------------------------------------------------------------------------

    async def get_channel(self, call: Call) -> Reply:
        return 200, self.world.channel_payload(self._channel(call))

    async def patch_channel(self, call: Call) -> Reply:
        channel = self._channel(call)
        return 200, self.world.channel_payload(self.messaging.update_channel(channel, call.json()))

    async def delete_channel(self, call: Call) -> Reply:
        channel = self._channel(call)
        if channel.guild_id is not None:
            self._require(channel, Permission.MANAGE_THREADS if channel.is_thread else Permission.MANAGE_CHANNELS)
            self.world.delete_channel(channel)
        return 200, self.world.channel_payload(channel)

    async def list_messages(self, call: Call) -> Reply:
        channel = self._channel(call)
        try:
            limit = int(call.query.get("limit", "50"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            errors = FormErrors()
            errors.add(
                ("limit",),
                "NUMBER_TYPE_MAX" if limit > 100 else "NUMBER_TYPE_MIN",
                "Must be between 1 and 100.",
            )
            errors.raise_if_any()
        if channel.guild_id is not None and not self.world.bot_permissions(channel) & Permission.READ_MESSAGE_HISTORY:
            return 200, []
        messages = sorted(channel.messages, key=lambda m: m.id)
        if "around" in call.query:
            around = int(call.query["around"])
            older = [m for m in messages if m.id < around][-(limit // 2) :] if limit > 1 else []
            rest = [m for m in messages if m.id >= around][: limit - len(older)]
            chosen = older + rest
        elif "after" in call.query:
            after = int(call.query["after"])
            chosen = [m for m in messages if m.id > after][:limit]
        else:
            before = int(call.query["before"]) if "before" in call.query else None
            candidates = [m for m in messages if before is None or m.id < before]
            chosen = candidates[-limit:]
        return 200, [m.payload() for m in sorted(chosen, key=lambda m: m.id, reverse=True)]

    async def get_message(self, call: Call) -> Reply:
        channel = self._channel(call)
        if channel.guild_id is not None and not self.world.bot_permissions(channel) & Permission.READ_MESSAGE_HISTORY:
            raise err.missing_permissions()
        return 200, self._message(channel, call.id("message_id")).payload()

    async def create_message(self, call: Call) -> Reply:
        channel = self.world.channels.get(call.id("channel_id"))
        if channel is None or channel.deleted:
            raise err.unknown_channel()
        message = self.messaging.create(channel, self.world.bot, call.json(), call.files)
        return 200, message.payload()

    async def edit_message(self, call: Call) -> Reply:
        channel = self._channel(call)
        message = self._message(channel, call.id("message_id"))
        return 200, self.messaging.edit(message, call.json(), call.files, editor=self.world.bot).payload()

    async def delete_message(self, call: Call) -> Reply:
        channel = self._channel(call)
        self.messaging.delete(self._message(channel, call.id("message_id")), by=self.world.bot)
        return 204, None

    async def bulk_delete(self, call: Call) -> Reply:
        channel = self._channel(call)
        self._require(channel, Permission.MANAGE_MESSAGES)
        ids = call.json().get("messages") or []
        if not 2 <= len(ids) <= 100:
            errors = FormErrors()
            errors.add(("messages",), "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")
            errors.raise_if_any()
        for message_id in ids:
            self.messaging.delete(self._message(channel, int(message_id)), by=self.world.bot)
        return 204, None

    async def crosspost(self, call: Call) -> Reply:
        channel = self._channel(call)
        return 200, self.messaging.crosspost(self._message(channel, call.id("message_id"))).payload()

    async def thread_from_message(self, call: Call) -> Reply:
        channel = self._channel(call)
        message = self._message(channel, call.id("message_id"))
        thread = self.messaging.thread_from_message(channel, message, call.json())
        return 201, self.world.channel_payload(thread)

    async def create_thread(self, call: Call) -> Reply:
        channel = self._channel(call)
        if channel.type in (ChannelType.FORUM, ChannelType.MEDIA):
            thread, message = self.messaging.forum_post(channel, call.json(), call.files)
            return 201, self.world.channel_payload(thread) | {"message": message.payload()}
        return 201, self.world.channel_payload(self.messaging.thread_without_message(channel, call.json()))

    async def archived_threads(self, call: Call) -> Reply:
        channel = self._channel(call)
        threads = [t for t in channel.threads if t.archived and t.type != ChannelType.PRIVATE_THREAD]
        return 200, {
            "threads": [self.world.channel_payload(t) for t in threads],
            "members": [],
            "has_more": False,
        }

    async def join_thread(self, call: Call) -> Reply:
        self.messaging.join_thread(self._channel(call), self.world.bot)
        return 204, None

    async def leave_thread(self, call: Call) -> Reply:
        self.messaging.leave_thread(self._channel(call), self.world.bot)
        return 204, None

    async def thread_members(self, call: Call) -> Reply:
        thread = self._channel(call)
        return 200, [
            {"id": str(thread.id), "user_id": str(user_id), "join_timestamp": joined.isoformat(), "flags": 0}
            for user_id, joined in thread.member_ids.items()
        ]

    async def typing(self, call: Call) -> Reply:
        channel = self._channel(call)
        if channel.guild_id is not None:
            self._require(
                channel,
                Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES,
            )
        return 204, None

    async def put_permission(self, call: Call) -> Reply:
        channel = self._channel(call)
        self._require(channel, Permission.MANAGE_ROLES)
        body = call.json()
        target = call.id("target_id")
        overwrite = Overwrite(
            id=target,
            type=int(body.get("type", 0)),
            allow=int(body.get("allow") or 0),
            deny=int(body.get("deny") or 0),
        )
        channel.overwrites = [o for o in channel.overwrites if o.id != target] + [overwrite]
        self.world.channel_update(channel)
        return 204, None

    async def delete_permission(self, call: Call) -> Reply:
        channel = self._channel(call)
        self._require(channel, Permission.MANAGE_ROLES)
        target = call.id("target_id")
        channel.overwrites = [o for o in channel.overwrites if o.id != target]
        self.world.channel_update(channel)
        return 204, None

    # --- interactions and follow-ups -------------------------------------------------------------

    async def interaction_callback(self, call: Call) -> Reply:
        response = self.interactions.callback(
            call.id("interaction_id"),
            call.params["interaction_token"],
            call.body,
            call.files,
            with_response=_truthy(call.query.get("with_response")),
            check=call.check,
        )
        return (204, None) if response is None else (200, response)

    def _record(self, call: Call, *, require_callback: bool = True) -> InteractionRecord:
        return self.interactions.by_token(
            call.id("webhook_id"), call.params["webhook_token"], require_callback=require_callback
        )

    async def execute_webhook(self, call: Call) -> Reply:
        record = self._record(call)
        return 200, self.interactions.followup(record, call.json(), call.files).payload()

    async def get_original(self, call: Call) -> Reply:
        record = self._record(call)
        return 200, self.interactions.original(record).payload()

    async def edit_original(self, call: Call) -> Reply:
        record = self._record(call)
        message = self.interactions.original(record)
        return 200, self.interactions.edit(record, message, call.json(), call.files).payload()

    async def delete_original(self, call: Call) -> Reply:
        record = self._record(call)
        self.interactions.delete(record, self.interactions.original(record))
        return 204, None

    async def get_followup(self, call: Call) -> Reply:
        record = self._record(call)
        return 200, self.interactions.owned(record, call.id("message_id")).payload()

    async def edit_followup(self, call: Call) -> Reply:
        record = self._record(call)
        message = self.interactions.owned(record, call.id("message_id"))
        return 200, self.interactions.edit(record, message, call.json(), call.files).payload()

    async def delete_followup(self, call: Call) -> Reply:
        record = self._record(call)
        self.interactions.delete(record, self.interactions.owned(record, call.id("message_id")))
        return 204, None
