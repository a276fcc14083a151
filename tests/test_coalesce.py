"""A job asked for while it runs goes round once more, never twice at once, and never drops the call."""

from __future__ import annotations

import asyncio

import pytest

from bot.coalesce import Coalescer


async def test_a_call_during_a_run_makes_it_go_round_once_more() -> None:
    runs = Coalescer()
    started, release = asyncio.Event(), asyncio.Event()
    rounds: list[int] = []
    active = 0

    async def round_() -> bool:
        nonlocal active
        active += 1
        assert active == 1  # never two rounds at once
        rounds.append(len(rounds))
        if len(rounds) == 1:
            started.set()
            await release.wait()
        active -= 1
        return False

    first = asyncio.create_task(runs.run(round_))
    await started.wait()
    assert runs.running
    assert await runs.run(round_) is False  # taken by the running one
    assert await runs.run(round_) is False  # two calls meanwhile still make one more round
    release.set()
    assert await first is True
    assert rounds == [0, 1]
    assert not runs.running


async def test_rounds_go_on_while_there_is_more_and_an_error_frees_the_runner() -> None:
    runs = Coalescer()
    left = [3]

    async def round_() -> bool:
        left[0] -= 1
        return left[0] > 0

    assert await runs.run(round_) is True
    assert left == [0]

    async def broken() -> bool:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        await runs.run(broken)
    assert not runs.running
    assert await runs.run(round_) is True  # the next call runs again
