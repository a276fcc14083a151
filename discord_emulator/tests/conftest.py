"""Fixtures shared by the emulator's own tests: a bot-authorised HTTP session, a server and its channel."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from discord_emulator import Channel, DiscordEmulator, Guild


@pytest.fixture
async def http(emulator: DiscordEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP session that authenticates as the emulated bot, for requests made by hand."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {emulator.token}"}) as session:
        yield session


@pytest.fixture
def guild(emulator: DiscordEmulator) -> Guild:
    return emulator.create_guild("ずんだ会")


@pytest.fixture
def general(guild: Guild) -> Channel:
    return guild.create_channel("general")
