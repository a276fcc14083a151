"""The objects the start builds, kept out of the garbage collector's full collections (``zundabot run`` only).

A full (generation 2) collection walks every tracked object, with every thread stopped: the modules, the
command tree and the caches the start builds are some 80,000 of them, 40-60 ms of stalled event loop each time,
a few times a minute under load. They live as long as the process, so walking them finds nothing. Frozen, a
full collection walks only what was made since (under 10 ms). A frozen object that becomes garbage is still
freed when its last reference goes; only a cycle among frozen objects would stay, and the start's objects are
not released before the process ends.
"""

from __future__ import annotations

import gc

_frozen: list[int] = []


def freeze_once() -> int | None:
    """Collect the garbage, then freeze every object alive now; once per process. Return how many were frozen
    (None when already done)."""
    if _frozen:
        return None
    gc.collect()
    gc.freeze()
    _frozen.append(gc.get_freeze_count())
    return _frozen[0]
