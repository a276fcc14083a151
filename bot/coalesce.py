"""One job at a time, with calls that arrive meanwhile folded into it (the outboxes and the announce cycle).

A job such as "drain the outbox" or "poll and announce" is asked for by timers, commands and events, often
while it is already running. Running it twice at once would race; dropping the call could leave work that
arrived after the running round looked. :class:`Coalescer` does neither: a call during a run returns at
once and makes that run go round once more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable


class Coalescer:
    """Runs rounds of one job, never two at once; see the module docstring."""

    def __init__(self) -> None:
        self._running = False
        self._again = False

    @property
    def running(self) -> bool:
        return self._running

    async def run(self, round_: Callable[[], Awaitable[bool]]) -> bool:
        """Run ``round_`` until it says there is nothing more (returns ``False``) and no call came in
        meanwhile. ``False`` when a run was already going on: it takes this call as one more round."""
        if self._running:
            self._again = True
            return False
        self._running = True
        try:
            while True:
                self._again = False
                more = await round_()
                if not (more or self._again):
                    return True
        finally:
            self._running = False
