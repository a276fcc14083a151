"""The bot runtime end to end: start, command sync, errors, faults, shutdown — through the emulator."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import discord
import pytest

from bot.app import ShardedZundaBot, ZundaBot
from discord_emulator import CallbackType, DiscordEmulator
from tests.harness import BotRunner, Community

ROOT = Path(__file__).resolve().parent.parent


async def status(emu: DiscordEmulator, community: Community, user: object = None) -> dict[str, str]:
    result = await emu.slash(user or community.admin, community.general, "status")
    assert result.ephemeral
    [embed] = result.embeds
    return {field["name"]: field["value"] for field in embed["fields"]}


async def test_starts_syncs_once_and_answers(emulator: DiscordEmulator, community: Community, bot_runner: BotRunner):
    bot = await bot_runner.start()
    assert isinstance(bot, ZundaBot)
    assert bot.intents.value == discord.Intents(guilds=True).value  # minimum intents, nothing privileged
    assert bot.synced is True
    assert emulator.commands.syncs == [(None, len(emulator.commands.list()))]
    names = {command.name for command in emulator.commands.list()}
    assert {"status", "settings"} <= names
    fields = await status(emulator, community)
    assert fields["バージョン"]
    assert fields["サーバー数"] == "1"

    await bot_runner.restart()
    assert bot_runner.bot is not None
    assert bot_runner.bot.synced is False  # unchanged tree: Discord's sync rate limit is spared
    assert len(emulator.commands.syncs) == 1
    assert (await status(emulator, community))["サーバー数"] == "1"


async def test_dev_guild_sync(emulator: DiscordEmulator, community: Community, bot_runner: BotRunner) -> None:
    await bot_runner.start(dev_guild_id=community.guild.id)
    assert emulator.commands.syncs == [(community.guild.id, len(emulator.commands.list(community.guild.id)))]
    assert emulator.commands.list() == []
    assert "status" in {c.name for c in emulator.commands.list(community.guild.id)}


async def test_commands_are_localised(emulator: DiscordEmulator, community: Community, bot_runner: BotRunner):
    await bot_runner.start()
    [command] = [c for c in emulator.commands.list() if c.name == "status"]
    assert command.data["name_localizations"]["ja"] == "ステータス"
    assert command.data["description_localizations"]["en-US"] == "Show the bot's health (hosts)"
    assert re.search(r"[ぁ-んァ-ン一-龥]", command.data["description"])  # Japanese first
    result = await emulator.slash(community.admin, community.general, "ステータス")
    assert result.embeds[0]["title"] == "zundabot ステータス"
    community.guild.set_member_roles(community.english, [community.host_role])
    result = await emulator.slash(community.english, community.general, "status")
    assert result.embeds[0]["title"] == "zundabot status"


async def test_status_is_for_hosts_only(emulator: DiscordEmulator, community: Community, running_bot: ZundaBot):
    result = await emulator.slash(community.listener, community.general, "status")
    assert result.ephemeral
    assert "ホスト" in result.content
    assert result.embeds == []
    fields = await status(emulator, community, community.host)  # the host role is enough
    assert fields["保存済みエピソード"] == "0"


async def test_status_shows_sources(emulator: DiscordEmulator, community: Community, running_bot: ZundaBot) -> None:
    await running_bot.store.sources.succeeded("folder:/srv/posts")
    await running_bot.store.sources.failed("feed:https://example.com/feed.xml", "HTTP 503 Service Unavailable")
    fields = await status(emulator, community)
    sources = fields["取り込み元"]
    assert "**folder\\:posts**" in sources  # the folder by its name: the server's paths are not the hosts' business
    assert "/srv" not in sources
    assert "**feed\\:https\\://example\\.com/feed\\.xml**" in sources
    assert "最後に読めたのは" in sources
    assert "HTTP 503" in sources
    assert "1 回続けて読めていないのだ" in sources


async def test_unexpected_error_gets_an_id(
    emulator: DiscordEmulator,
    community: Community,
    running_bot: ZundaBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken() -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(running_bot.store.episodes, "count", broken)
    with caplog.at_level(logging.ERROR, logger="zundabot.errors"):
        result = await emulator.slash(community.admin, community.general, "status")
    assert result.ephemeral
    match = re.search(r"エラーID: `([0-9a-f]{8})`", result.content)
    assert match, result.content
    [record] = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert record.exc_info is not None
    assert "disk on fire" in str(record.exc_info[1])


async def test_error_after_defer_is_still_answered(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    @running_bot.tree.command(name="explode", description="テスト用")
    async def explode(interaction: discord.Interaction[ZundaBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        raise ValueError("after defer")

    await running_bot.tree.sync()
    result = await emulator.slash(community.admin, community.general, "explode")
    assert result.type is CallbackType.DEFERRED_CHANNEL_MESSAGE
    await result.wait(lambda r: "エラーID" in r.content)
    assert result.ephemeral


FAULTS = {
    "drop": lambda emu: emu.gateway.drop(),
    "close-4000": lambda emu: emu.gateway.close(4000),
    "close-4009": lambda emu: emu.gateway.close(4009),
    "reconnect": lambda emu: emu.gateway.reconnect(),
    "invalid-resumable": lambda emu: emu.gateway.invalidate_session(resumable=True),
    "invalid-not-resumable": lambda emu: emu.gateway.invalidate_session(resumable=False),
    "no-heartbeat-acks": lambda emu: emu.gateway.stop_heartbeat_acks(),
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_survives_gateway_faults(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot, fault: str
) -> None:
    connections = len(emulator.gateway.records)
    FAULTS[fault](emulator)
    await emulator.wait_until(lambda: len(emulator.gateway.records) > connections, 15, "a new gateway connection")
    await emulator.gateway.wait_connected(1, timeout=15)
    fields = await status(emulator, community)
    assert fields["サーバー数"] == "1"


async def test_survives_rest_errors_and_429_storms(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    emulator.faults.fail_next(1, status=502, route="POST /interactions/{interaction_id}/{interaction_token}/callback")
    result = await emulator.slash(community.admin, community.general, "status")
    assert result.embeds  # discord.py retried the 502 within the 3-second deadline
    channel = running_bot.get_partial_messageable(community.general.id)
    emulator.faults.fail_next(2, status=500, route="POST /channels/{channel_id}/messages")
    await channel.send("5xx を越えて")
    # discord.py makes 5 attempts per request: 4 rate-limited answers in a row are absorbed
    emulator.faults.storm_429(4, retry_after=0.05, route="POST /channels/{channel_id}/messages")
    await channel.send("429 を越えて")
    assert emulator.count_429(route="POST /channels/{channel_id}/messages") >= 4
    assert [m.content for m in community.general.messages] == ["5xx を越えて", "429 を越えて"]
    assert (await status(emulator, community))["サーバー数"] == "1"


async def test_keeps_answering_with_network_latency(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    emulator.gateway.latency = 0.3  # every gateway event arrives late
    emulator.faults.latency = 0.3  # and every REST answer
    try:
        fields = await status(emulator, community)
        assert fields["サーバー数"] == "1"
        await emulator.wait_until(lambda: running_bot.latency >= 0.3, 10, "a slow heartbeat ACK")
    finally:
        emulator.gateway.latency = emulator.faults.latency = 0.0


async def test_latency_is_reported(emulator: DiscordEmulator, community: Community, running_bot: ZundaBot) -> None:
    await emulator.wait_until(lambda: running_bot.latency != float("inf"), 10, "a heartbeat ACK")
    fields = await status(emulator, community)
    assert fields["Discord との応答時間"].endswith("ms")


async def test_graceful_shutdown_finishes_running_jobs(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start()
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow_job() -> None:
        started.set()
        await asyncio.sleep(0.5)
        finished.set()

    bot.add_job(slow_job, "date")  # run now
    await asyncio.wait_for(started.wait(), 5)
    store = bot.store
    await bot_runner.stop()
    assert finished.is_set()
    assert not bot.scheduler.running
    assert bot.is_closed()
    with pytest.raises(ValueError, match="no active connection"):
        await store.db.scalar("SELECT 1")


async def test_interactions_during_shutdown_are_answered(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    running_bot.closing = True
    result = await emulator.slash(community.admin, community.general, "status")
    assert result.ephemeral
    assert "再起動中" in result.content
    running_bot.closing = False


async def test_shutdown_lets_a_running_command_finish(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start()
    release = asyncio.Event()

    @bot.tree.command(name="slow", description="時間のかかるコマンド")
    async def slow(interaction: discord.Interaction[ZundaBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await release.wait()
        await interaction.followup.send("おわったのだ", ephemeral=True)

    await bot.tree.sync()
    result = await emulator.slash(community.listener, community.general, "slow")
    assert result.deferred
    stopping = asyncio.create_task(bot_runner.stop())
    await asyncio.sleep(0.2)
    assert not stopping.done()  # shutdown waits for the command under way
    release.set()
    await stopping
    assert "おわったのだ" in result.content


async def test_sharded_bot(emulator: DiscordEmulator, community: Community, bot_runner: BotRunner) -> None:
    second = emulator.create_guild("別のサーバー", owner=community.admin)
    second.create_channel("general")
    bot = await bot_runner.start(shard_count=2)
    assert isinstance(bot, ShardedZundaBot)
    assert bot.shard_count == 2
    assert {g.id for g in bot.guilds} == {community.guild.id, second.id}
    assert len({record.shard for record in emulator.gateway.records}) == 2
    assert (await status(emulator, community))["サーバー数"] == "2"


FROZEN = "objects built at the start left out of full garbage collections"


def test_zundabot_run_against_the_emulator(tmp_path: Path) -> None:
    """The real command in a real process: connects, syncs, answers, stops cleanly on SIGTERM, never logs the token."""

    async def scenario() -> tuple[int, str]:
        async with DiscordEmulator(heartbeat_interval_ms=1000) as emu:
            from tests.harness import build_community

            community = build_community(emu)
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "CONTENT_"))},
                "DISCORD_TOKEN": emu.token,
                "DISCORD_API_BASE": emu.api_base,
                "DISCORD_GATEWAY_URL": emu.gateway_url,
                "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
                "CONTENT_DIR": str(tmp_path),
                "LOG_LEVEL": "DEBUG",
                "PYTHONPATH": str(ROOT),
            }
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=tmp_path,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            lines: list[str] = []

            async def read() -> None:
                assert process.stdout is not None
                async for line in process.stdout:
                    lines.append(line.decode(errors="replace"))

            reader = asyncio.create_task(read())
            try:
                await emu.wait_until(lambda: emu.commands.syncs, 60, "the command sync")
                await emu.wait_until(lambda: emu.gateway.identifies, 30, "IDENTIFY")
                await asyncio.sleep(0.5)
                result = await emu.slash(community.admin, community.general, "status")
                assert result.embeds
                await emu.wait_until(lambda: any(FROZEN in line for line in lines), 30, "the first cycle's end")
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
                await asyncio.wait_for(reader, 30)
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            return process.returncode or 0, "".join(lines)

    code, log = asyncio.run(scenario())
    assert code == 0, log
    assert "stopped" in log
    assert "emulator.bot.token" not in log
    assert "Traceback" not in log
    assert "voice will NOT be supported" not in log  # no noise about features the bot does not have
    assert FROZEN in log  # after the first announcement cycle (bot/heap.py)


def test_zundabot_run_with_a_rejected_token(tmp_path: Path) -> None:
    async def scenario() -> subprocess.CompletedProcess[str]:
        async with DiscordEmulator() as emu:
            env = {
                **os.environ,
                "DISCORD_TOKEN": "wrong-token",
                "DISCORD_API_BASE": emu.api_base,
                "DISCORD_GATEWAY_URL": emu.gateway_url,
                "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
                "PYTHONPATH": str(ROOT),
            }
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
            output, _ = await asyncio.wait_for(process.communicate(), 60)
            return subprocess.CompletedProcess([], process.returncode or 0, output.decode(), "")

    result = asyncio.run(scenario())
    assert result.returncode == 2, result.stdout
    assert "rejected DISCORD_TOKEN" in result.stdout
    assert "wrong-token" not in result.stdout


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def run_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    return {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DISCORD_", "DATABASE_", "CONTENT_", "FEED_", "LOG_"))
        },
        "DISCORD_TOKEN": "secret-token-123",
        "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        "CONTENT_DIR": "off",
        "PYTHONPATH": str(ROOT),
        **settings,
    }


async def zundabot_run(tmp_path: Path, until: str = "retrying in", times: int = 2, **settings: str) -> tuple[int, str]:
    """``zundabot run`` in a real process with these settings, stopped with SIGTERM once it has logged
    ``times`` lines holding ``until`` (or when it exits by itself); its exit code and its whole output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=run_env(tmp_path, **settings),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(60):
            while line := (await process.stdout.readline()).decode(errors="replace"):
                lines.append(line)
                if sum(until in seen for seen in lines) >= times:
                    process.send_signal(signal.SIGTERM)
                    break
            rest, _ = await process.communicate()
            lines.append(rest.decode(errors="replace"))
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode or 0, "".join(lines)


def assert_cannot_connect(code: int, log: str, api_base: str, gateway_url: str, error: str) -> None:
    """Retried (capped backoff, one line per attempt, the reason first), never a crash; SIGTERM stops it."""
    assert code == 0, log
    lines = [line for line in log.splitlines() if "cannot connect to Discord" in line]
    assert len(lines) >= 2, log
    for attempt, line in enumerate(lines[:2], start=1):
        assert f"DISCORD_API_BASE {api_base}" in line
        assert f"DISCORD_GATEWAY_URL {gateway_url}" in line
        assert error in line
        assert f"attempt {attempt}, retrying in {2 ** (attempt - 1)}s" in line
    assert "Attempting a reconnect" not in log  # the bot's own line says it, once per attempt
    assert "Traceback" not in log
    assert "secret-token-123" not in log
    assert log.index("cannot connect to Discord") < log.rindex("stopped")  # the reason comes before the stop


def test_zundabot_run_when_the_api_is_unreachable(tmp_path: Path) -> None:
    api_base = f"http://127.0.0.1:{closed_port()}/api/v10"
    code, log = asyncio.run(zundabot_run(tmp_path, DISCORD_API_BASE=api_base))
    assert_cannot_connect(code, log, api_base, "wss://gateway.discord.gg/", "Cannot connect to host")


def test_zundabot_run_when_the_gateway_is_unreachable(tmp_path: Path) -> None:
    async def scenario() -> tuple[int, str, str]:
        async with DiscordEmulator() as emu:
            gateway_url = f"ws://127.0.0.1:{closed_port()}/"
            code, log = await zundabot_run(
                tmp_path, DISCORD_TOKEN=emu.token, DISCORD_API_BASE=emu.api_base, DISCORD_GATEWAY_URL=gateway_url
            )
            assert emu.commands.syncs  # logged in and synced: only the gateway was missing
            return code, log, emu.api_base

    code, log, api_base = asyncio.run(scenario())
    gateway_url = re.search(r"DISCORD_GATEWAY_URL (\S+)\)", log)
    assert gateway_url, log
    assert_cannot_connect(code, log, api_base, gateway_url.group(1), "Cannot connect to host")


def test_sharded_zundabot_run_when_the_gateway_is_unreachable(tmp_path: Path) -> None:
    """A sharded bot's shards retry the gateway themselves: one line per attempt, no traceback, SIGTERM stops it."""

    async def scenario() -> tuple[int, str]:
        async with DiscordEmulator() as emu:
            gateway_url = f"ws://127.0.0.1:{closed_port()}/"
            return await zundabot_run(
                tmp_path,
                until="Failed to connect for shard_id",
                DISCORD_TOKEN=emu.token,
                DISCORD_API_BASE=emu.api_base,
                DISCORD_GATEWAY_URL=gateway_url,
                SHARD_COUNT="2",
            )

    code, log = asyncio.run(scenario())
    assert code == 0, log
    attempts = [line for line in log.splitlines() if "Failed to connect for shard_id" in line]
    assert len(attempts) >= 2, log
    assert all("Cannot connect to host" in line for line in attempts), log
    assert "Traceback" not in log
    assert "secret-token-123" not in log


def test_zundabot_run_when_discord_fails_during_setup(tmp_path: Path) -> None:
    """The proxy answers 503 to the command sync in setup_hook (Discord unreachable behind it), then recovers."""

    async def scenario() -> tuple[int, str, str, str]:
        async with DiscordEmulator() as emu:
            emu.faults.fail_next(2, status=503, route="PUT /applications/{application_id}/commands")
            code, log = await zundabot_run(
                tmp_path,
                until="ready:",
                times=1,
                DISCORD_TOKEN=emu.token,
                DISCORD_API_BASE=emu.api_base,
                DISCORD_GATEWAY_URL=emu.gateway_url,
            )
            assert emu.faults.pending == 0
            return code, log, emu.api_base, emu.gateway_url

    code, log, api_base, gateway_url = asyncio.run(scenario())
    assert_cannot_connect(code, log, api_base, gateway_url, "503 Service Unavailable")
    assert log.index("attempt 2, retrying") < log.index("ready:")  # and the third attempt connected


class LateProxy:
    """A TCP forwarder to the emulator that starts listening on a fixed port only when asked."""

    def __init__(self, port: int, target: int) -> None:
        self.port, self.target = port, target
        self.server: asyncio.Server | None = None

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def test_zundabot_run_connects_to_a_discord_that_appears_late(tmp_path: Path) -> None:
    """A service started before the network: Discord (here the emulator) becomes reachable a few seconds
    after the start; the bot keeps retrying, then connects, syncs and answers."""

    async def scenario() -> tuple[int, str]:
        async with DiscordEmulator(heartbeat_interval_ms=1000) as emu:
            from tests.harness import build_community

            community = build_community(emu)
            proxy = LateProxy(closed_port(), emu.port)
            base = f"http://127.0.0.1:{proxy.port}"
            env = run_env(
                tmp_path,
                DISCORD_TOKEN=emu.token,
                DISCORD_API_BASE=f"{base}/api/v10",
                DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{proxy.port}/",
            )
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
            assert process.stdout is not None
            lines: list[str] = []
            try:
                async with asyncio.timeout(60):
                    while len([line for line in lines if "retrying in" in line]) < 2:
                        lines.append((await process.stdout.readline()).decode(errors="replace"))
                        assert lines[-1], "".join(lines)
                    await proxy.open()  # the network is up
                    while not any("ready:" in line for line in lines):
                        lines.append((await process.stdout.readline()).decode(errors="replace"))
                        assert lines[-1], "".join(lines)
                    result = await emu.slash(community.admin, community.general, "status")
                    assert result.embeds
                    process.send_signal(signal.SIGTERM)
                    rest, _ = await process.communicate()
                    lines.append(rest.decode(errors="replace"))
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
                await proxy.close()
            return process.returncode or 0, "".join(lines)

    code, log = asyncio.run(scenario())
    assert code == 0, log
    assert "attempt 2, retrying in 2s" in log
    [ready] = [line for line in log.splitlines() if "ready:" in line]
    assert "in 1 server(s)" in ready
    assert "application commands synced (global)" in ready
    assert "sources: none" in ready
    assert "Traceback" not in log
