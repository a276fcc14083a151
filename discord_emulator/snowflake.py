"""Snowflake ids made like Discord's: milliseconds since the Discord epoch, worker, process, increment."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeGenerator:
    """Strictly increasing, timestamp-based ids (``discord.utils.snowflake_time`` works on them)."""

    def __init__(self, *, worker_id: int = 1, process_id: int = 0, clock: Callable[[], float] = time.time) -> None:
        self._worker = worker_id & 0x1F
        self._process = process_id & 0x1F
        self._clock = clock
        self._last_ms = -1
        self._increment = 0

    def next(self) -> int:
        """A new id for the current time."""
        ms = int(self._clock() * 1000) - DISCORD_EPOCH_MS
        if ms <= self._last_ms:
            ms = self._last_ms
            self._increment += 1
            if self._increment > 0xFFF:
                ms += 1
                self._increment = 0
        else:
            self._increment = 0
        self._last_ms = ms
        return (ms << 22) | (self._worker << 17) | (self._process << 12) | self._increment


def snowflake_time(snowflake: int) -> datetime:
    """The creation time encoded in ``snowflake``."""
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 as Discord writes it (always with an offset)."""
    return moment.astimezone(UTC).isoformat()


def utcnow() -> datetime:
    return datetime.now(UTC)
