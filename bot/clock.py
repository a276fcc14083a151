"""The clock: one injectable source of "now" for the store's visibility rule and the announcer; timestamps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

#: Returns the current time, timezone-aware. Tests pass their own to control time.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def utcnow() -> str:
    """The current UTC time as the store records it (ISO 8601, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")
