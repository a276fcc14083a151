"""Pytest fixtures for tests that drive a bot through the emulator (a pytest plugin, registered by the package)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from .client import use_emulator
from .server import DiscordEmulator, EmulatorConfig


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """Override in a test module to start the emulator with other settings."""
    return EmulatorConfig(heartbeat_interval_ms=1_000)


@pytest.fixture
async def emulator(emulator_config: EmulatorConfig) -> AsyncIterator[DiscordEmulator]:
    """A started emulator on 127.0.0.1 (ephemeral port), stopped after the test.

    After the test it fails if any request broke Discord's schema (see ``take_schema_violations``).
    """
    async with DiscordEmulator(emulator_config) as emu:
        yield emu
    emu.check_conformance()


@pytest.fixture
def emulated_discord(emulator: DiscordEmulator) -> Iterator[DiscordEmulator]:
    """The emulator, with discord.py's REST base and gateway URL pointed at it for the test."""
    with use_emulator(emulator):
        yield emulator
