"""The stored search requests behind a search answer's buttons: kept a day, shared once."""

from __future__ import annotations

from datetime import timedelta

from bot.search.model import SearchRequest
from bot.store.db import Database
from bot.store.search.requests import REQUEST_LIFETIME
from bot.store.store import Store
from tests.clocks import ManualClock


async def test_a_request_is_kept_a_day_and_shared_once() -> None:
    clock = ManualClock()
    store = Store(await Database.open(":memory:"), clock)
    try:
        asked = SearchRequest(7, "推論 -画像", mc="ずんだもん", site="zenn.dev", since="2025-01-01", until=None)
        first = await store.search_requests.remember(asked)
        assert await store.search_requests.get(first) == asked
        assert await store.search_requests.get(first + 1) is None
        assert await store.search_requests.mark_shared(first)
        assert not await store.search_requests.mark_shared(first)  # one share per answer, whoever races
        shared = await store.search_requests.get(first)
        assert shared is not None
        assert shared.shared

        clock.advance(REQUEST_LIFETIME + timedelta(seconds=1))
        assert await store.search_requests.get(first) is None  # past its lifetime: the answer asks to search again
        second = await store.search_requests.remember(SearchRequest(8, "猫"))
        assert await store.db.scalar("SELECT count(*) FROM search_requests") == 1  # the old one forgotten
        assert await store.search_requests.get(second) == SearchRequest(8, "猫")
    finally:
        await store.close()
