"""Pointing discord.py at an emulator, and running a client against it in a test."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .server import DiscordEmulator

ClientT = TypeVar("ClientT", bound=discord.Client)

#: Client options that keep tests fast: READY is not held back 2 s waiting for more guilds,
#: and a silent gateway is noticed after 2 s instead of 60.
FAST_CLIENT_OPTIONS: dict[str, Any] = {"guild_ready_timeout": 0.05, "heartbeat_timeout": 2.0}


async def _identify_now(self: discord.Client, shard_id: int | None, *, initial: bool = False) -> None:
    """``before_identify_hook`` without the 5 s sleep discord.py does before every re-IDENTIFY."""


@contextlib.contextmanager
def use_emulator(emulator: DiscordEmulator, *, fast_identify: bool = True) -> Iterator[DiscordEmulator]:
    """Point discord.py's REST base and gateway URL at ``emulator``; restore Discord's afterwards.

    With ``fast_identify`` the 5 s wait before each re-IDENTIFY (and each extra shard) is skipped.
    """
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY, discord.Client.before_identify_hook)
    Route.BASE = emulator.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emulator.gateway_url)
    if fast_identify:
        discord.Client.before_identify_hook = _identify_now  # type: ignore[method-assign]
    try:
        yield emulator
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY, discord.Client.before_identify_hook = saved  # type: ignore[method-assign]


@contextlib.asynccontextmanager
async def running(
    client: ClientT,
    emulator: DiscordEmulator,
    *,
    timeout: float = 10.0,  # noqa: ASYNC109
) -> AsyncIterator[ClientT]:
    """Start ``client`` with the emulator's token, wait until ready with every guild; close it after."""
    task = asyncio.create_task(client.start(emulator.token), name="emulated-discord-client")
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
            raise RuntimeError("the client stopped before it was ready")
        if ready not in done:
            raise TimeoutError(f"the client was not ready after {timeout}s")
        wanted = {g.id for g in emulator.world.guilds.values() if emulator.world.bot_in(g)}
        await emulator.wait_until(lambda: wanted <= {g.id for g in client.guilds}, timeout, "the client's guilds")
        yield client
    finally:
        ready.cancel()
        await client.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, timeout)
