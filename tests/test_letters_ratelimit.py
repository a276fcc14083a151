"""Per-listener rate limits: a short window and a rolling day."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.letters.ratelimit import DAY, RateLimits, retry_after

LIMITS = RateLimits(short=2, short_window=60, daily=3)


def test_allowed_below_both_limits() -> None:
    assert retry_after([], 1000, LIMITS) is None
    assert retry_after([990], 1000, LIMITS) is None


def test_short_window_full_waits_for_the_oldest_to_expire() -> None:
    assert retry_after([980, 990], 1000, LIMITS) == 40


def test_the_longer_wait_wins() -> None:
    assert retry_after([100, 980, 990], 1000, LIMITS) == 100 + DAY - 1000


def test_daily_limit() -> None:
    assert retry_after([100, 200, 300], 1000, LIMITS) == 100 + DAY - 1000


def test_old_submissions_do_not_count() -> None:
    assert retry_after([1000 - DAY, 1000 - DAY - 5, 1000 - 2 * DAY], 1000, LIMITS) is None


def test_order_does_not_matter() -> None:
    assert retry_after([990, 980], 1000, LIMITS) == retry_after([980, 990], 1000, LIMITS)


@pytest.mark.parametrize("values", [{"short": 0}, {"daily": 0}, {"short_window": 0}])
def test_limits_must_be_positive(values: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimits(**values)  # type: ignore[arg-type]


def within_limits(times: list[float], now: float, limits: RateLimits) -> bool:
    """Brute force: one more letter at ``now`` keeps both windows within their limits."""
    short = sum(1 for t in times if now - limits.short_window < t <= now) + 1
    daily = sum(1 for t in times if now - DAY < t <= now) + 1
    return short <= limits.short and daily <= limits.daily


@given(
    st.lists(st.integers(min_value=0, max_value=200_000), max_size=30),
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=1, max_value=3600),
    st.integers(min_value=1, max_value=10),
)
def test_retry_after_matches_brute_force(offsets: list[int], short: int, window: int, daily: int) -> None:
    limits = RateLimits(short=short, short_window=window, daily=daily)
    now = 200_000.0
    times = [now - offset for offset in offsets if offset > 0]
    wait = retry_after(times, now, limits)
    assert (wait is None) == within_limits(times, now, limits)
    if wait is not None:
        assert wait > 0
        assert within_limits(times, now + wait, limits)
        assert not within_limits(times, now + wait - 0.5, limits)
