"""One thread for the CPU work of lookups (query analysis, pages of results), off the event loop.

Python holds the GIL while it works. With the default pool, 200 searches at once kept six threads busy in
Python, each taking its turn at the GIL with the event loop, which then ran late by 0.3-0.4 s. One thread
does the same work in order (each search waits for the ones before it, as it did for the GIL), and the loop
gets the GIL back at every switch.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zundabot-lookup")


async def off_loop(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``func(*args, **kwargs)`` on the lookup thread."""
    return await asyncio.get_running_loop().run_in_executor(_POOL, functools.partial(func, *args, **kwargs))
