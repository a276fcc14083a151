"""A clock the test moves by hand, for anything that takes a ``Clock`` (a callable returning an aware UTC time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """Returns :attr:`now` until the test sets it or calls :meth:`advance` (``now`` defaults to the real time)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
