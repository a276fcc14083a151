"""Capped exponential backoff: the one formula behind every retry delay (channels, sources, outboxes, start-up)."""

from __future__ import annotations

#: Doubling stops here (2**20 times the base is past every cap).
_MAX_STEP = 20


def doubling(step: int, base: float, cap: float) -> float:
    """``base`` doubled ``step`` times (a negative ``step`` counts as none), at most ``cap``."""
    return float(min(base * 2.0 ** min(max(step, 0), _MAX_STEP), cap))
