"""The clock: one injectable source of "now" for the store's visibility rule and the announcer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

#: Returns the current time, timezone-aware. Tests pass their own to control time.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)
