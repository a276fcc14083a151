"""The "visible now" rule of :mod:`bot.episodes.catalogue` in SQL, for every listener-facing read.

``visible(now)`` is the ``WHERE`` condition of episodes a listener may see at ``now``: not withdrawn, and
published by then. ``scheduled=True`` (hosts' tools, the announcer) also admits episodes dated later.
"""

from __future__ import annotations

import math
from datetime import datetime


def visible(now: datetime, alias: str = "", *, scheduled: bool = False) -> str:
    """SQL condition on ``episodes`` (optionally ``alias.``-qualified); ``now`` is inlined as an integer."""
    column = f"{alias}." if alias else ""
    live = f"{column}withdrawn_at IS NULL"
    if scheduled:
        return live
    return f"{live} AND {column}published_ts <= {math.floor(now.timestamp())}"
