"""The due rule and backoff delays of the announcer."""

from __future__ import annotations

from datetime import datetime, timedelta

TARGET_BACKOFF = timedelta(minutes=1)
TARGET_BACKOFF_CAP = timedelta(hours=6)
SOURCE_BACKOFF_CAP = timedelta(hours=1)
#: How long after its date a post that appears late still counts as news.
LATE_WINDOW = timedelta(days=2)


def is_due(*, published: datetime, since: datetime, now: datetime, stored_after_setup: bool) -> bool:
    """Whether an episode is announced in a channel that has received announcements since ``since``.

    It must be published (``published <= now``: the site publishes a post only when its date has
    come), and new to the channel: published after the channel was set up, or stored by the bot
    after that and dated within :data:`LATE_WINDOW` (a post that appears a little late with an
    earlier date). An archive read at the first start, or before the channel was set up, is old:
    nothing of it is announced — nor is an archive that could only be read later (a feed that was
    down at the first start). ``bot.store.deliveries.DeliveryStore.plan_new`` applies the same
    rule in SQL.
    """
    if published > now:
        return False
    return published >= since or (stored_after_setup and published >= now - LATE_WINDOW)


def target_backoff(failures: int) -> timedelta:
    """Delay before retrying a channel after ``failures`` failures in a row: 1, 2, 4… minutes, at most 6 h."""
    if failures <= 0:
        return timedelta(0)
    delay: timedelta = min(TARGET_BACKOFF * 2 ** min(failures - 1, 20), TARGET_BACKOFF_CAP)
    return delay


def source_backoff(failures: int, interval: timedelta) -> timedelta:
    """Delay between polls of a failing source: the interval, doubled per failure, at most an hour."""
    if failures <= 1:
        return interval
    delay: timedelta = max(interval, min(interval * 2 ** min(failures - 1, 20), SOURCE_BACKOFF_CAP))
    return delay
