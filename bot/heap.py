"""Short garbage-collector pauses: what the bot holds once it is ready is kept out of full collections.

A full (generation 2) collection walks every object the process tracks and pauses every thread, the event
loop's too: with the bot's start-up heap (modules, discord.py's caches, the analyser's objects) one took
79–256 ms under load (bench/RESULTS.md). That heap lives as long as the process, so once the bot is ready it
is collected once and frozen (:func:`gc.freeze`): later collections walk only what was made since. Frozen
objects are still freed when nothing refers to them; only a cycle among them would stay.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


_frozen: list[int] = []


def freeze_startup_heap() -> int:
    """Once per process: collect, then move every object that survived out of the collector's sight; return
    how many objects are frozen."""
    if not _frozen:
        started = time.perf_counter()
        gc.collect()
        gc.freeze()
        _frozen.append(gc.get_freeze_count())
        took = (time.perf_counter() - started) * 1000
        log.info("start-up heap frozen for the garbage collector: %d objects, %.0f ms", _frozen[0], took)
    return _frozen[0]
