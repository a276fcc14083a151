"""Gateway: compression, reconnecting and resuming after every injected fault, shards and intents."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from discord_emulator import FAST_CLIENT_OPTIONS, DiscordEmulator, EmulatorConfig, running
from discord_emulator.models import Channel, Guild, User
from discord_emulator.tests.sample_bot import SampleBot


@dataclass
class Scene:
    emu: DiscordEmulator
    guild: Guild
    channel: Channel
    alice: User


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(heartbeat_interval_ms=200)


@pytest.fixture
def scene(emulated_discord: DiscordEmulator) -> Scene:
    emu = emulated_discord
    guild = emu.create_guild("ずんだ会")
    channel = guild.create_channel("general")
    alice = emu.create_user("alice")
    guild.add_member(alice)
    return Scene(emu, guild, channel, alice)


class ZlibStreamContext:
    """What discord.py uses when zstandard is missing: a zlib-stream decompressor."""

    COMPRESSION_TYPE = "zlib-stream"

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.context = zlib.decompressobj()

    def decompress(self, data: bytes, /) -> str | None:
        self.buffer.extend(data)
        if len(data) < 4 or data[-4:] != b"\x00\x00\xff\xff":
            return None
        message = self.context.decompress(self.buffer)
        self.buffer = bytearray()
        return message.decode("utf-8")


async def test_zstd_stream_is_used_when_available(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu):
        result = await scene.emu.slash(scene.alice, scene.channel, "ping")
    assert result.content == "pong"
    assert scene.emu.gateway.records[0].compress == "zstd-stream"
    assert scene.emu.gateway.records[0].heartbeats >= 1


async def test_zlib_stream_when_discord_py_asks_for_it(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.utils, "_ActiveDecompressionContext", ZlibStreamContext)
    async with running(SampleBot(), scene.emu):
        result = await scene.emu.slash(scene.alice, scene.channel, "ping", テキスト="zlib")
    assert result.content == "pong zlib"
    assert scene.emu.gateway.records[0].compress == "zlib-stream"


Fault = Callable[[DiscordEmulator], None]
FAULTS: dict[str, tuple[Fault, bool]] = {
    # name: (inject, whether the client can resume the same session)
    "abnormal close 1006": (lambda emu: emu.gateway.drop(), True),
    "close 4000": (lambda emu: emu.gateway.close(4000), True),
    "close 4009": (lambda emu: emu.gateway.close(4009), False),
    "RECONNECT op 7": (lambda emu: emu.gateway.reconnect(), True),
    "INVALID_SESSION resumable": (lambda emu: emu.gateway.invalidate_session(resumable=True), True),
    "INVALID_SESSION not resumable": (lambda emu: emu.gateway.invalidate_session(resumable=False), False),
    "no heartbeat ACKs": (lambda emu: emu.gateway.stop_heartbeat_acks(), True),
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_reconnects_after_fault_and_keeps_answering(scene: Scene, fault: str) -> None:
    emu = scene.emu
    inject, resumable = FAULTS[fault]
    async with running(SampleBot(heartbeat_timeout=0.8), emu) as bot:
        first_session = emu.gateway.records[0].session_id
        inject(emu)
        missed = emu.post_message(scene.alice, scene.channel, "while reconnecting")
        if resumable:
            await emu.wait_until(lambda: emu.gateway.resumes == 1, timeout=10, what="RESUME")
            await emu.wait_until(lambda: "resumed" in bot.events, what="on_resumed")
        else:
            await emu.wait_until(lambda: emu.gateway.identifies == 2, timeout=10, what="a new IDENTIFY")
        await emu.gateway.wait_connected()
        if resumable:
            # Missed events are replayed on resume; a new session starts from the current state instead.
            await emu.wait_until(lambda: any(e.startswith(f"message:{missed.id}") for e in bot.events))
        result = await emu.slash(scene.alice, scene.channel, "ping", テキスト="again")
    assert result.content == "pong again"
    last = emu.gateway.records[-1]
    assert last.resumed is resumable
    assert (last.session_id == first_session) is resumable
    if resumable:
        assert last.path == "/resume/"
    assert emu.gateway.identifies == (1 if resumable else 2)


async def test_events_for_a_disconnected_session_are_replayed_in_order(scene: Scene) -> None:
    emu = scene.emu
    async with running(SampleBot(), emu) as bot:
        emu.gateway.drop()
        posted = [emu.post_message(scene.alice, scene.channel, str(i)) for i in range(3)]
        await emu.wait_until(lambda: "resumed" in bot.events, timeout=10)
        await emu.wait_until(lambda: sum(e.startswith("message:") for e in bot.events) >= 3)
    seen = [int(e.split(":")[1]) for e in bot.events if e.startswith("message:")]
    assert seen == [m.id for m in posted]
    resumed_at = bot.events.index("resumed")
    assert all(bot.events.index(f"message:{m.id}:") < resumed_at for m in posted)


async def test_shards_get_their_guilds(emulated_discord: DiscordEmulator) -> None:
    emu = emulated_discord
    emu.config.recommended_shards = 2
    guilds: dict[int, Guild] = {}
    while len(guilds) < 2:
        guild = emu.create_guild(f"guild{len(guilds)}")
        guilds.setdefault((guild.id >> 22) % 2, guild)
        await asyncio.sleep(0.002)
    alice = emu.create_user("alice")
    channels = {}
    for shard, guild in guilds.items():
        guild.add_member(alice)
        channels[shard] = guild.create_channel("general")

    client = discord.AutoShardedClient(intents=discord.Intents.default(), **FAST_CLIENT_OPTIONS)
    tree = app_commands.CommandTree(client)

    @tree.command(name="where", description="シャード番号")
    async def where(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(str(interaction.guild.shard_id if interaction.guild else -1))

    async def sync() -> None:
        await tree.sync()

    client.setup_hook = sync  # type: ignore[method-assign]
    async with running(client, emu):
        assert client.shard_count == 2
        answers = {shard: (await emu.slash(alice, channels[shard], "where")).content for shard in guilds}
    assert answers == {0: "0", 1: "1"}
    shards = sorted(r.shard for r in emu.gateway.records if r.shard is not None)
    assert shards == [(0, 2), (1, 2)]
    for session in emu.gateway.sessions.values():
        ready = next(f for f in session.buffer if f["t"] == "READY")
        assert [int(g["id"]) for g in ready["d"]["guilds"]] == [
            g.id for g in emu.world.guilds.values() if session.owns(g.id)
        ]


async def test_privileged_intents_must_be_enabled(emulated_discord: DiscordEmulator) -> None:
    emulated_discord.config.privileged_intents = 0
    emulated_discord.gateway.config.privileged_intents = 0
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running(SampleBot(intents=discord.Intents.all()), emulated_discord):
            pass
    assert emulated_discord.gateway.records[0].close_code == 4014


async def test_members_intent_chunks_guilds(scene: Scene) -> None:
    intents = discord.Intents.default()
    intents.members = True
    async with running(SampleBot(intents=intents), scene.emu) as bot:
        guild = bot.get_guild(scene.guild.id)
        assert guild is not None
        await scene.emu.wait_until(lambda: guild.chunked, what="member chunks")
        assert guild.get_member(scene.alice.id) is not None
        bob = scene.emu.create_user("bob")
        scene.guild.add_member(bob)
        await scene.emu.wait_until(lambda: guild.get_member(bob.id), what="GUILD_MEMBER_ADD")
    chunks = scene.emu.gateway.dispatched("GUILD_MEMBERS_CHUNK")
    assert {m["user"]["id"] for m in chunks[0]["d"]["members"]} >= {str(scene.alice.id)}


async def _open(emu: DiscordEmulator, session: aiohttp.ClientSession, query: str = "?v=10&encoding=json") -> Any:
    ws = await session.ws_connect(emu.gateway_url + query)
    hello = await ws.receive_json(timeout=5)
    assert hello["op"] == 10
    assert hello["d"]["heartbeat_interval"] == 200
    return ws


def _identify(emu: DiscordEmulator, **changes: Any) -> dict[str, Any]:
    data = {"token": emu.token, "properties": {}, "intents": int(discord.Intents.default().value)} | changes
    return {"op": 2, "d": data}


async def test_gateway_protocol_without_discord_py(emulator: DiscordEmulator) -> None:
    guild = emulator.create_guild("ずんだ会")
    async with aiohttp.ClientSession() as http:
        ws = await _open(emulator, http)
        await ws.send_json({"op": 1, "d": None})
        assert (await ws.receive_json(timeout=5))["op"] == 11
        await ws.send_json(_identify(emulator, large_threshold=50))
        ready = await ws.receive_json(timeout=5)
        created = await ws.receive_json(timeout=5)
        assert (ready["t"], ready["s"]) == ("READY", 1)
        assert ready["d"]["guilds"] == [{"id": str(guild.id), "unavailable": True}]
        assert (created["t"], created["s"], created["d"]["unavailable"]) == ("GUILD_CREATE", 2, False)
        assert [m["user"]["id"] for m in created["d"]["members"]] == [str(emulator.bot.id)]
        await ws.send_json({"op": 8, "d": {"guild_id": str(guild.id), "query": "", "limit": 0, "nonce": "n"}})
        chunk = await ws.receive_json(timeout=5)
        assert (chunk["t"], chunk["d"]["members"], chunk["d"]["nonce"]) == ("GUILD_MEMBERS_CHUNK", [], "n")
        await ws.send_json(_identify(emulator))
        await ws.receive(timeout=5)
        assert ws.close_code == 4005

        expectations = [
            ("?v=9&encoding=json", None, 4012),
            ("?v=10&encoding=json", _identify(emulator, token="wrong"), 4004),
            ("?v=10&encoding=json", _identify(emulator, intents=1 << 30), 4013),
            ("?v=10&encoding=json", _identify(emulator, shard=[2, 2]), 4010),
            ("?v=10&encoding=json", {"op": 8, "d": {}}, 4003),
            ("?v=10&encoding=json", {"op": 99, "d": {}}, 4003),
            ("?v=10&encoding=json", {"nonsense": True}, 4002),
        ]
        for query, frame, code in expectations:
            ws = await http.ws_connect(emulator.gateway_url + query)
            if frame is not None:
                assert (await ws.receive_json(timeout=5))["op"] == 10
                await ws.send_json(frame)
            while not ws.closed:
                await ws.receive(timeout=5)
            assert ws.close_code == code, (query, frame)

        ws = await _open(emulator, http)
        await ws.send_json({"op": 6, "d": {"token": emulator.token, "session_id": "unknown", "seq": 1}})
        assert await ws.receive_json(timeout=5) == {"op": 9, "d": False, "s": None, "t": None}
        await ws.close()


async def test_latency_faults_slow_things_down_but_nothing_breaks(scene: Scene) -> None:
    emu = scene.emu
    async with running(SampleBot(), emu):
        emu.faults.latency = 0.15
        emu.gateway.latency = 0.15
        result = await emu.slash(scene.alice, scene.channel, "ping", テキスト="slow")
        emu.faults.latency = emu.gateway.latency = 0.0
    assert result.content == "pong slow"
    callback = emu.requests_for("/callback")[-1]
    assert callback.duration >= 0.15
    assert result.record.callback_at is not None
    assert result.record.callback_at - result.record.created >= 0.3
