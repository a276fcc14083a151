"""Per-listener rate limits: a short window and a rolling day."""

from __future__ import annotations

import pytest

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
