"""The gateway: websocket sessions with HELLO, IDENTIFY/READY, heartbeats, RESUME, dispatches and faults."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .compression import Compressor, compressor_for
from .events import ALL_INTENTS, GatewayEvent, Intent, SessionView
from .world import World

JsonDict = dict[str, Any]

# opcodes
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11
_ALLOWED_AFTER_IDENTIFY = {HEARTBEAT, PRESENCE, VOICE_STATE, REQUEST_MEMBERS}
#: Close codes after which Discord forgets the session.
_ENDS_SESSION = {1000, 1001, 4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014}
BUFFER_LIMIT = 10_000


@dataclass
class GatewayConfig:
    token: str
    heartbeat_interval_ms: int = 41_250
    resume_timeout: float = 120.0
    privileged_intents: int = int(Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT)


@dataclass
class ConnectionRecord:
    """One websocket connection, for tests to inspect."""

    path: str
    compress: str | None
    opened: float
    shard: tuple[int, int] | None = None
    session_id: str | None = None
    resumed: bool = False
    identified: bool = False
    heartbeats: int = 0
    close_code: int | None = None
    closed_by: str | None = None
    closed: float | None = None


@dataclass(eq=False)
class Session:
    id: str
    shard: tuple[int, int] | None
    intents: int
    large_threshold: int
    seq: int = 0
    valid: bool = True
    buffer: deque[JsonDict] = field(default_factory=lambda: deque(maxlen=BUFFER_LIMIT))
    connection: Connection | None = None
    disconnected_at: float | None = None
    presence: JsonDict | None = None

    @property
    def view(self) -> SessionView:
        return SessionView(intents=self.intents, large_threshold=self.large_threshold)

    @property
    def shard_id(self) -> int:
        return 0 if self.shard is None else self.shard[0]

    def owns(self, guild_id: int | None) -> bool:
        if self.shard is None:
            return True
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id

    def dispatch(self, name: str, data: JsonDict) -> None:
        self.seq += 1
        frame = {"op": DISPATCH, "s": self.seq, "t": name, "d": data}
        self.buffer.append(frame)
        if self.connection is not None:
            self.connection.send(frame)


class Connection:
    """A live websocket: an ordered outgoing queue (latency applied in the writer) and compression."""

    def __init__(self, gateway: Gateway, ws: web.WebSocketResponse, request: web.Request, record: ConnectionRecord):
        self.gateway = gateway
        self.ws = ws
        self.request = request
        self.record = record
        self.compressor: Compressor | None = compressor_for(record.compress)
        self.session: Session | None = None
        self.acks = True
        self.closing = False
        self._queue: asyncio.Queue[JsonDict | tuple[str, int]] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop(), name="emulator-gateway-writer")

    def send(self, frame: JsonDict) -> None:
        if not self.closing:
            self._queue.put_nowait(frame)

    def close_after_queue(self, code: int) -> None:
        """Close with ``code`` once everything queued before has been sent."""
        if not self.closing:
            self.closing = True
            self._queue.put_nowait(("close", code))

    async def _write_loop(self) -> None:
        try:
            while True:
                item = await self._queue.get()
                if isinstance(item, tuple):
                    self.record.closed_by = "server"
                    self.record.close_code = item[1]
                    await self.ws.close(code=item[1])
                    return
                if self.gateway.latency:
                    await asyncio.sleep(self.gateway.latency)
                text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
                try:
                    data = text.encode("utf-8")
                except UnicodeEncodeError:  # text that is not Unicode still goes out, \u-escaped, never a dead writer
                    data = json.dumps(item, separators=(",", ":")).encode("ascii")
                if self.compressor is None:
                    await self.ws.send_str(data.decode("utf-8"))
                else:
                    await self.ws.send_bytes(self.compressor.compress(data))
        except (ConnectionError, RuntimeError):
            return

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (the client sees 1006)."""
        self.closing = True
        self.record.closed_by = "server-abort"
        self.record.close_code = 1006
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def stop(self) -> None:
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer


class Gateway:
    """Serves the gateway websocket and delivers world events to sessions."""

    def __init__(self, world: World, config: GatewayConfig, *, resume_url: Callable[[], str]) -> None:
        self.world = world
        self.config = config
        self._resume_url = resume_url
        self.latency = 0.0
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        self.records: list[ConnectionRecord] = []
        self.identifies = 0
        self.resumes = 0
        self.invalid_sessions = 0
        world.add_listener(self.deliver)

    # --- observation -----------------------------------------------------------------------------

    @property
    def live(self) -> list[Connection]:
        return [c for c in self.connections if c.session is not None and not c.closing and not c.ws.closed]

    def connected_shards(self) -> set[int]:
        return {c.session.shard_id for c in self.live if c.session is not None}

    def dispatched(self, name: str | None = None) -> list[JsonDict]:
        """Dispatch frames kept for resuming (every session), optionally only events called ``name``."""
        frames = [frame for session in self.sessions.values() for frame in session.buffer]
        return [f for f in frames if name is None or f["t"] == name]

    async def wait_connected(self, shards: int = 1, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until ``shards`` shards have a live, identified or resumed connection."""
        await self.world.wait_until(
            lambda: len(self.connected_shards()) >= shards, timeout, f"{shards} connected shard(s)"
        )

    # --- delivery --------------------------------------------------------------------------------

    def deliver(self, event: GatewayEvent) -> None:
        for session in list(self.sessions.values()):
            if not session.valid or not session.owns(event.guild_id):
                continue
            if event.intents and not session.intents & event.intents:
                continue
            session.dispatch(event.name, event.payload_for(session.view))

    def has_session_for(self, guild_id: int | None) -> bool:
        return any(c.session is not None and c.session.owns(guild_id) for c in self.live)

    # --- websocket handling ----------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        compress = request.query.get("compress")
        record = ConnectionRecord(path=request.path, compress=compress, opened=time.monotonic())
        self.records.append(record)
        try:
            connection = Connection(self, ws, request, record)
        except ValueError:
            record.close_code = 4000
            await ws.close(code=4000, message=b"unsupported compression")
            return ws
        self.connections.append(connection)
        self.world.touch()
        if request.query.get("v") != "10":
            connection.close_after_queue(4012)
        elif request.query.get("encoding", "json") != "json":
            connection.close_after_queue(4002)
        else:
            connection.send(
                {
                    "op": HELLO,
                    "d": {"heartbeat_interval": self.config.heartbeat_interval_ms},
                    "s": None,
                    "t": None,
                }
            )
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._frame(connection, message.data)
                elif message.type is WSMsgType.BINARY:
                    connection.close_after_queue(4002)
        except (ConnectionError, RuntimeError):
            pass
        finally:
            await self._closed(connection)
        return ws

    async def _closed(self, connection: Connection) -> None:
        record = connection.record
        record.closed = time.monotonic()
        if record.close_code is None:
            record.close_code = connection.ws.close_code
        if record.closed_by is None:
            record.closed_by = "client"
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
            session.disconnected_at = time.monotonic()
            if record.closed_by == "client" and record.close_code in (1000, 1001):
                session.valid = False
        connection.closing = True
        await connection.stop()
        self.world.touch()

    async def _frame(self, connection: Connection, text: str) -> None:
        try:
            frame = json.loads(text)
            op = frame["op"]
        except (ValueError, KeyError, TypeError):
            connection.close_after_queue(4002)
            return
        data = frame.get("d")
        if op == HEARTBEAT:
            connection.record.heartbeats += 1
            if connection.acks:
                connection.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
            self.world.touch()
        elif op == IDENTIFY:
            self._identify(connection, data or {})
        elif op == RESUME:
            self._resume(connection, data or {})
        elif connection.session is None:
            connection.close_after_queue(4003)
        elif op == PRESENCE:
            connection.session.presence = data
        elif op == REQUEST_MEMBERS:
            self._request_members(connection.session, data or {})
        elif op not in _ALLOWED_AFTER_IDENTIFY:
            connection.close_after_queue(4001)

    def _may_start_session(self, connection: Connection, data: JsonDict) -> bool:
        """IDENTIFY and RESUME: 4005 on a connection that already has a session, 4004 for a wrong token."""
        if connection.session is not None:
            connection.close_after_queue(4005)
            return False
        if data.get("token") != self.config.token:
            connection.close_after_queue(4004)
            return False
        return True

    def _identify(self, connection: Connection, data: JsonDict) -> None:
        if not self._may_start_session(connection, data):
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents & ~ALL_INTENTS:
            connection.close_after_queue(4013)
            return
        privileged = int(Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT)
        if intents & privileged & ~self.config.privileged_intents:
            connection.close_after_queue(4014)
            return
        shard = data.get("shard")
        if shard is not None:
            if not isinstance(shard, list) or len(shard) != 2 or not 0 <= shard[0] < shard[1]:
                connection.close_after_queue(4010)
                return
            shard = (int(shard[0]), int(shard[1]))
        threshold = int(data.get("large_threshold") or 50)
        session = Session(
            id=secrets.token_hex(16),
            shard=shard,
            intents=intents,
            large_threshold=max(50, min(250, threshold)),
            presence=data.get("presence"),
        )
        self.sessions[session.id] = session
        session.connection = connection
        connection.session = session
        record = connection.record
        record.identified, record.session_id, record.shard = True, session.id, shard
        self.identifies += 1
        world = self.world
        guilds = [g for g in world.guilds.values() if world.bot_in(g) and session.owns(g.id)]
        ready: JsonDict = {
            "v": 10,
            "user": world.bot.payload() | {"verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "resume_gateway_url": self._resume_url(),
            "application": {"id": str(world.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "session_type": "normal",
            "auth": {},
            "_trace": ['["zundabot-emulator"]'],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        session.dispatch("READY", ready)
        if intents & Intent.GUILDS:
            for guild in guilds:
                session.dispatch("GUILD_CREATE", world.guild_create_payload(guild, session.view))
        world.touch()

    @property
    def application_flags(self) -> int:
        flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        enabled = self.config.privileged_intents
        if enabled & Intent.GUILD_PRESENCES:
            flags |= 1 << 13
        if enabled & Intent.GUILD_MEMBERS:
            flags |= 1 << 15
        if enabled & Intent.MESSAGE_CONTENT:
            flags |= 1 << 19
        return flags

    def _resume(self, connection: Connection, data: JsonDict) -> None:
        if not self._may_start_session(connection, data):
            return
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        now = time.monotonic()
        expired = (
            session is not None
            and session.connection is None
            and session.disconnected_at is not None
            and now - session.disconnected_at > self.config.resume_timeout
        )
        if session is None or not session.valid or expired:
            if session is not None:
                session.valid = False
            self.invalid_sessions += 1
            connection.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            self.world.touch()
            return
        if not isinstance(seq, int) or seq > session.seq:
            connection.close_after_queue(4007)
            return
        replay = [frame for frame in session.buffer if frame["s"] > seq]
        if (replay and replay[0]["s"] != seq + 1) or (not replay and seq < session.seq):
            session.valid = False
            self.invalid_sessions += 1
            connection.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        previous = session.connection
        if previous is not None and previous is not connection:
            previous.session = None
            previous.close_after_queue(4000)
        session.connection = connection
        session.disconnected_at = None
        connection.session = session
        record = connection.record
        record.resumed, record.session_id, record.shard = True, session.id, session.shard
        for frame in replay:
            connection.send(frame)
        session.dispatch("RESUMED", {"_trace": ['["zundabot-emulator"]']})
        self.resumes += 1
        self.world.touch()

    def _request_members(self, session: Session, data: JsonDict) -> None:
        world = self.world
        try:
            guild = world.guilds[int(data["guild_id"])]
        except (KeyError, TypeError, ValueError):
            return
        query = data.get("query")
        limit = int(data.get("limit") or 0)
        user_ids = data.get("user_ids")
        members = list(guild.members.values())
        not_found: list[str] = []
        if user_ids is not None:
            wanted = [int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
            members = [m for m in members if m.user.id in wanted]
            not_found = [str(u) for u in wanted if u not in guild.members]
        elif query:
            lowered = str(query).lower()
            members = [
                m
                for m in members
                if m.user.username.lower().startswith(lowered) or (m.nick or "").lower().startswith(lowered)
            ][: min(limit or 100, 100)]
        elif not session.intents & Intent.GUILD_MEMBERS:
            members = []
        elif limit:
            members = members[:limit]
        chunks = [members[i : i + 1000] for i in range(0, len(members), 1000)] or [[]]
        for index, chunk in enumerate(chunks):
            payload: JsonDict = {
                "guild_id": str(guild.id),
                "members": [m.payload() for m in chunk],
                "chunk_index": index,
                "chunk_count": len(chunks),
            }
            if not_found and index == 0:
                payload["not_found"] = not_found
            if data.get("nonce"):
                payload["nonce"] = data["nonce"]
            session.dispatch("GUILD_MEMBERS_CHUNK", payload)

    # --- faults ----------------------------------------------------------------------------------

    def _targets(self, shard: int | None) -> list[Connection]:
        targets = [c for c in self.live if shard is None or (c.session is not None and c.session.shard_id == shard)]
        if not targets:
            raise RuntimeError(f"no live gateway connection{'' if shard is None else f' for shard {shard}'}")
        return targets

    def drop(self, shard: int | None = None) -> None:
        """Cut the TCP connection without a close frame (abnormal closure, 1006 on the client)."""
        for connection in self._targets(shard):
            connection.abort()

    def close(self, code: int = 4000, shard: int | None = None) -> None:
        """Close with ``code``; 4009 (session timed out) and other non-resumable codes end the session."""
        for connection in self._targets(shard):
            if code in _ENDS_SESSION and connection.session is not None:
                connection.session.valid = False
            connection.close_after_queue(code)

    def reconnect(self, shard: int | None = None) -> None:
        """Send RECONNECT (op 7): the client should resume on a new connection."""
        for connection in self._targets(shard):
            connection.send({"op": RECONNECT, "d": None, "s": None, "t": None})

    def invalidate_session(self, *, resumable: bool = False, shard: int | None = None) -> None:
        """Send INVALID_SESSION (op 9); unless ``resumable`` the session is gone."""
        for connection in self._targets(shard):
            if not resumable and connection.session is not None:
                connection.session.valid = False
            self.invalid_sessions += 1
            connection.send({"op": INVALID_SESSION, "d": resumable, "s": None, "t": None})

    def stop_heartbeat_acks(self, shard: int | None = None) -> None:
        """Stop acknowledging heartbeats on the current connection(s); new connections ack again."""
        for connection in self._targets(shard):
            connection.acks = False

    async def shutdown(self) -> None:
        for connection in list(self.connections):
            if not connection.ws.closed:
                connection.closing = True
                with contextlib.suppress(Exception):
                    await connection.ws.close(code=1001)
            await connection.stop()
