"""Discord's REST rate limits: per-route buckets keyed by major parameters, a global limit, 429 counters."""

from __future__ import annotations

import hashlib
import math
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

MESSAGE_ROUTE = "POST /channels/{channel_id}/messages"
PUBLISH_ROUTE = "POST /channels/{channel_id}/messages/{message_id}/crosspost"


@dataclass
class RateLimitConfig:
    """Limits as ``(requests, per seconds)``; Discord's values by default, tests may change any of them."""

    enabled: bool = True
    global_limit: int = 50
    global_window: float = 1.0
    route_limit: int = 50
    route_window: float = 1.0
    message_limit: int = 5
    message_window: float = 5.0
    webhook_limit: int = 5
    webhook_window: float = 2.0
    #: Publishing (crossposting) in an announcement channel: 10 messages per hour per channel.
    publish_limit: int = 10
    publish_window: float = 3600.0
    #: Invalid requests (401, 403, and 429 but shared ones) before the IP is banned for ``ban_duration``.
    invalid_limit: int = 10_000
    invalid_window: float = 600.0
    ban_duration: float = 3600.0
    overrides: dict[str, tuple[int, float]] = field(default_factory=dict)

    def limit_for(self, route_key: str) -> tuple[int, float]:
        if route_key in self.overrides:
            return self.overrides[route_key]
        if route_key == MESSAGE_ROUTE:
            return self.message_limit, self.message_window
        if route_key == PUBLISH_ROUTE:
            return self.publish_limit, self.publish_window
        if route_key.split(" ", 1)[1].startswith("/webhooks/{webhook_id}/{webhook_token}"):
            return self.webhook_limit, self.webhook_window
        return self.route_limit, self.route_window


@dataclass
class _Window:
    limit: int
    window: float
    count: int = 0
    reset_at: float = 0.0

    def roll(self, now: float) -> None:
        if now >= self.reset_at:
            self.count = 0
            self.reset_at = now + self.window


@dataclass(frozen=True)
class Limited:
    """A request that must be answered with 429."""

    retry_after: float
    scope: str
    headers: dict[str, str]

    @property
    def is_global(self) -> bool:
        return self.scope == "global"

    def body(self) -> dict[str, object]:
        message = "The resource is being rate limited." if self.scope == "shared" else "You are being rate limited."
        return {"message": message, "retry_after": round(self.retry_after, 3), "global": self.is_global}


def retry_after_header(seconds: float) -> str:
    """``Retry-After`` as Discord sends it: whole seconds, rounded up (the body has the exact value)."""
    return str(max(1, math.ceil(seconds)))


def bucket_hash(route_key: str) -> str:
    return hashlib.md5(route_key.encode(), usedforsecurity=False).hexdigest()


class RateLimiter:
    """Fixed-window buckets as Discord's headers describe them; counts every 429 by (route, scope)."""

    def __init__(self, config: RateLimitConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Window] = {}
        self._global = _Window(config.global_limit, config.global_window)
        self.hits: Counter[tuple[str, str]] = Counter()
        self._invalid: deque[float] = deque()
        #: Every invalid request counted so far, and when the ban (if any) ends.
        self.invalid_total = 0
        self.banned_until = 0.0

    def count(self, route: str | None = None, scope: str | None = None) -> int:
        """How many 429s were answered, optionally only for one route key and/or scope."""
        return sum(
            n for (r, s), n in self.hits.items() if (route is None or r == route) and (scope is None or s == scope)
        )

    def record(self, route_key: str, scope: str) -> None:
        self.hits[(route_key, scope)] += 1

    def note_answer(self, status: int, scope: str | None = None) -> None:
        """Count an invalid request (401, 403, or a 429 that is not ``shared``); too many in the window ban the IP."""
        if status not in (401, 403, 429) or scope == "shared":
            return
        now = self._clock()
        self.invalid_total += 1
        self._invalid.append(now)
        while self._invalid and self._invalid[0] <= now - self.config.invalid_window:
            self._invalid.popleft()
        if len(self._invalid) >= self.config.invalid_limit:
            self.banned_until = now + self.config.ban_duration
            self._invalid.clear()

    def ban_remaining(self) -> float:
        """Seconds the IP stays banned for too many invalid requests (0 when it is not)."""
        return max(0.0, self.banned_until - self._clock())

    def bucket_headers(self, route_key: str, limit: int, retry_after: float) -> dict[str, str]:
        """The route headers of a 429 answered for ``route_key`` (an exhausted bucket resetting in ``retry_after``)."""
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash(route_key),
        }

    def _headers(self, route_key: str, bucket: _Window, now: float) -> dict[str, str]:
        reset_after = max(0.0, bucket.reset_at - now)
        return {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(max(0, bucket.limit - bucket.count)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash(route_key),
        }

    def _bucket(self, route_key: str, major: str, now: float) -> _Window:
        limit, window = self.config.limit_for(route_key)
        bucket = self._buckets.get((route_key, major))
        if bucket is None or (bucket.limit, bucket.window) != (limit, window):
            bucket = self._buckets[(route_key, major)] = _Window(limit, window)
        bucket.roll(now)
        return bucket

    def route_headers(self, route_key: str, major: str) -> dict[str, str]:
        """The route's bucket headers as they stand (every answer carries them, a global 429 too)."""
        now = self._clock()
        return self._headers(route_key, self._bucket(route_key, major, now), now)

    def check(self, route_key: str, major: str, *, global_exempt: bool) -> tuple[Limited | None, dict[str, str]]:
        """Take a token for this request; the 429 to answer (if any) and the headers to send."""
        if not self.config.enabled:
            return None, {}
        now = self._clock()
        bucket = self._bucket(route_key, major, now)
        if not global_exempt:
            self._global.limit, self._global.window = self.config.global_limit, self.config.global_window
            self._global.roll(now)
            if self._global.count >= self._global.limit:
                retry = self._global.reset_at - now
                headers = self._headers(route_key, bucket, now) | {
                    "X-RateLimit-Global": "true",
                    "X-RateLimit-Scope": "global",
                    "Retry-After": retry_after_header(retry),
                }
                self.record(route_key, "global")
                return Limited(retry, "global", headers), {}
            self._global.count += 1
        if bucket.count >= bucket.limit:
            retry = bucket.reset_at - now
            headers = self._headers(route_key, bucket, now) | {
                "X-RateLimit-Scope": "user",
                "Retry-After": retry_after_header(retry),
            }
            self.record(route_key, "user")
            return Limited(retry, "user", headers), {}
        bucket.count += 1
        return None, self._headers(route_key, bucket, now)
