"""Per-listener rate limits: at most N letters in a short window and M in a rolling day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DAY = 86400.0


@dataclass(frozen=True, slots=True)
class RateLimits:
    """``short`` letters per ``short_window`` seconds and ``daily`` letters per rolling 24 hours."""

    short: int = 3
    short_window: float = 600.0
    daily: int = 20

    def __post_init__(self) -> None:
        if self.short < 1 or self.daily < 1 or self.short_window <= 0:
            raise ValueError("rate limits must be positive")

    @property
    def horizon(self) -> float:
        """How far back submissions matter, in seconds."""
        return max(self.short_window, DAY)


def retry_after(recent: Iterable[float], now: float, limits: RateLimits) -> float | None:
    """Seconds until one more letter is allowed, or ``None`` when it is allowed now.

    ``recent`` holds the epoch times of the listener's earlier submissions (any order; older
    ones than :attr:`RateLimits.horizon` are ignored).
    """
    times = sorted(t for t in recent if t > now - limits.horizon)
    waits: list[float] = []
    for limit, window in ((limits.short, limits.short_window), (limits.daily, DAY)):
        inside = [t for t in times if t > now - window]
        if len(inside) >= limit:
            waits.append(inside[-limit] + window - now)
    return max(waits) if waits else None
