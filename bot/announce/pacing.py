"""Spacing requests so that a burst of announcements stays under Discord's global rate limit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

#: Requests per second the bot's bulk senders (announcements, follow notices) share through one
#: :class:`Pacer` (``ZundaBot.pacer``): just under Discord's global 50, leaving room for the rest.
SHARED_RATE = 47.0


class Pacer:
    """Lets at most ``rate`` callers per second through :meth:`wait`, evenly spaced.

    Discord allows 50 requests per second per bot and answers a burst over it with 429s, which
    cost the whole retry delay; spacing requests slightly under the limit keeps the fan-out of
    one episode to hundreds of channels close to the theoretical minimum time.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0

    async def wait(self) -> None:
        """Return when this caller's slot has come (slots are handed out in call order)."""
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)
