"""REST wire format (statuses, JSON errors, headers), rate limits and 5xx faults: raw HTTP and discord.py."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import discord
import pytest

from discord_emulator import DiscordEmulator, EmulatorConfig, RateLimitConfig, running
from discord_emulator.models import Channel, Guild
from discord_emulator.tests.sample_bot import SampleBot

MESSAGES = "POST /channels/{channel_id}/messages"


@pytest.fixture
def general(emulator: DiscordEmulator) -> Channel:
    return emulator.create_guild("ずんだ会").create_channel("general")


async def call(session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> tuple[int, Any, Any]:
    async with session.request(method, url, **kwargs) as response:
        body = await response.json() if response.content_type == "application/json" else await response.text()
        return response.status, body, response.headers


async def test_errors_have_discord_status_codes_and_bodies(
    emulator: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    base = emulator.api_base
    assert (await call(http, "GET", f"{base}/users/@me"))[0] == 200
    async with aiohttp.ClientSession() as anonymous:
        status, body, _ = await call(anonymous, "GET", f"{base}/users/@me")
    assert (status, body) == (401, {"message": "401: Unauthorized", "code": 0})
    assert (await call(http, "GET", f"{base}/nowhere"))[:2] == (404, {"message": "404: Not Found", "code": 0})
    assert (await call(http, "GET", f"{base}/channels/1"))[1] == {"message": "Unknown Channel", "code": 10003}
    assert (await call(http, "PUT", f"{base}/users/@me"))[0] == 405
    status, body, _ = await call(
        http,
        "POST",
        f"{base}/users/@me/channels",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert (status, body["code"]) == (400, 50109)


async def test_invalid_form_body_is_nested_like_discord(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, general: Channel
) -> None:
    url = f"{emulator.api_base}/channels/{general.id}/messages"
    payload = {
        "content": "x" * 2001,
        "embeds": [{"title": "t" * 257, "fields": [{"name": "", "value": "v"}]}],
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 1, "label": "a", "custom_id": "same"},
                    {"type": 2, "style": 1, "label": "b", "custom_id": "same"},
                    {"type": 2, "style": 5, "label": "link"},
                ],
            }
        ],
        "allowed_mentions": {"parse": ["users"], "users": ["1"]},
    }
    status, body, _ = await call(http, "POST", url, json=payload)
    assert status == 400
    assert body["code"] == 50035
    assert body["message"] == "Invalid Form Body"
    errors = body["errors"]
    assert errors["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    assert "title" in errors["embeds"]["0"]
    assert "name" in errors["embeds"]["0"]["fields"]["0"]
    buttons = errors["components"]["0"]["components"]
    assert buttons["1"]["custom_id"]["_errors"][0]["code"] == "COMPONENT_CUSTOM_ID_DUPLICATED"
    assert "url" in buttons["2"]
    assert "parse" in errors["allowed_mentions"]
    assert general.messages == []
    (violation,) = emulator.take_schema_violations()
    assert "title" in violation.violation["embeds"]["0"]  # the spec's maxLength 256; the rest are rules


async def test_rate_limit_headers_and_429s(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, general: Channel
) -> None:
    limits = emulator.config.ratelimits
    limits.message_limit, limits.message_window = 2, 5.0
    limits.global_limit, limits.global_window = 3, 10.0
    url = f"{emulator.api_base}/channels/{general.id}/messages"
    answers = [await call(http, "POST", url, json={"content": str(i)}) for i in range(3)]
    (s1, _, h1), (s2, _, h2), (s3, body3, h3) = answers
    assert (s1, s2, s3) == (200, 200, 429)
    assert h1["X-RateLimit-Limit"] == "2"
    assert (h1["X-RateLimit-Remaining"], h2["X-RateLimit-Remaining"]) == ("1", "0")
    assert float(h1["X-RateLimit-Reset-After"]) <= 5.0
    assert h1["X-RateLimit-Bucket"] == h2["X-RateLimit-Bucket"]
    assert body3["global"] is False
    assert 0 < body3["retry_after"] <= 5.0
    assert h3["X-RateLimit-Scope"] == "user"
    assert h3["Via"]
    status, body, headers = await call(http, "GET", f"{emulator.api_base}/users/@me")
    assert status == 429
    assert body["global"] is True
    assert headers["X-RateLimit-Global"] == "true"
    assert emulator.count_429(MESSAGES, "user") == 1
    assert emulator.count_429(scope="global") == 1
    assert [m.content for m in general.messages] == ["0", "1"]


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(
        ratelimits=RateLimitConfig(global_limit=6, global_window=0.3, message_limit=100, message_window=1.0)
    )


@pytest.fixture
def guild(emulated_discord: DiscordEmulator) -> Guild:
    return emulated_discord.create_guild("ずんだ会")


async def test_discord_py_survives_global_rate_limits(emulated_discord: DiscordEmulator, guild: Guild) -> None:
    emu = emulated_discord
    channels = [guild.create_channel(f"ch{i}") for i in range(3)]
    async with running(SampleBot(), emu) as bot:
        sends = [
            bot.get_channel(channel.id).send(f"{channel.name}-{n}")  # type: ignore[union-attr]
            for channel in channels
            for n in range(5)
        ]
        await asyncio.gather(*sends)
    assert emu.count_429(scope="global") > 0
    for channel in channels:
        assert sorted(m.content for m in channel.messages) == [f"{channel.name}-{n}" for n in range(5)]


async def test_discord_py_retries_a_storm_of_429s_and_5xx(emulated_discord: DiscordEmulator, guild: Guild) -> None:
    emu = emulated_discord
    channel = guild.create_channel("general")
    async with running(SampleBot(), emu) as bot:
        target = bot.get_channel(channel.id)
        assert isinstance(target, discord.TextChannel)
        emu.faults.storm_429(3, route=MESSAGES, retry_after=0.02)
        await target.send("through the storm")
        emu.faults.fail_next(1, status=500, route=MESSAGES)
        await target.send("after a 500")
        emu.faults.fail_next(1, status=502, route="/messages")
        await target.send("after a 502")
    assert emu.count_429(MESSAGES, "user") == 3
    assert emu.faults.pending == 0
    assert [m.content for m in channel.messages] == ["through the storm", "after a 500", "after a 502"]
    statuses = [r.status for r in emu.requests_for(MESSAGES)]
    assert statuses == [429, 429, 429, 200, 500, 200, 502, 200]


async def test_interaction_callbacks_are_exempt_from_the_global_limit(
    emulated_discord: DiscordEmulator, guild: Guild
) -> None:
    emu = emulated_discord
    channel = guild.create_channel("general")
    alice = emu.create_user("alice")
    guild.add_member(alice)
    async with running(SampleBot(), emu):
        emu.config.ratelimits.global_limit = 0
        results = [await emu.slash(alice, channel, "ping", テキスト=str(i)) for i in range(3)]
    assert [r.content for r in results] == ["pong 0", "pong 1", "pong 2"]
    assert emu.count_429() == 0


async def test_request_log_records_bodies_and_files(emulated_discord: DiscordEmulator, guild: Guild) -> None:
    emu = emulated_discord
    channel = guild.create_channel("general")
    async with running(SampleBot(), emu) as bot:
        target = bot.get_channel(channel.id)
        assert isinstance(target, discord.TextChannel)
        await target.send("with file", file=discord.File(__file__, filename="source.py"))
    sent = emu.requests_for(MESSAGES)[0]
    assert sent.body["content"] == "with file"
    assert sent.files[0].filename == "source.py"
    assert json.dumps(sent.response)
    assert sent.status == 200


async def test_guild_member_and_role_lookups(emulator: DiscordEmulator, http: aiohttp.ClientSession) -> None:
    guild = emulator.create_guild("ずんだ会")
    hosts = guild.create_role("hosts", mentionable=True)
    alice = emulator.create_user("alice")
    guild.add_member(alice, [hosts], nick="アリス")
    stranger = emulator.create_guild("よその会", owner=alice)
    emulator.world.remove_bot(stranger)
    base = f"{emulator.api_base}/guilds/{guild.id}"
    status, body, _ = await call(http, "GET", f"{base}?with_counts=true")
    assert (status, body["name"], body["approximate_member_count"]) == (200, "ずんだ会", 3)
    status, member, _ = await call(http, "GET", f"{base}/members/{alice.id}")
    assert (member["nick"], member["roles"]) == ("アリス", [str(hosts.id)])
    _, roles, _ = await call(http, "GET", f"{base}/roles")
    assert {r["name"] for r in roles} == {"@everyone", "zundabot", "hosts"}
    assert (await call(http, "GET", f"{base}/members/1"))[1]["code"] == 10007
    assert (await call(http, "GET", f"{emulator.api_base}/guilds/{stranger.id}"))[1]["code"] == 50001
