"""REST fault injection: latency, 5xx answers and storms of 429s for the next requests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Rule:
    remaining: int
    route: str | None
    status: int = 500
    retry_after: float = 0.0
    scope: str = "user"

    def matches(self, route_key: str) -> bool:
        if self.route is None:
            return True
        if "{" in self.route:
            return self.route == route_key
        return self.route in route_key


@dataclass(frozen=True)
class Injected:
    """What to answer instead of handling the request."""

    status: int
    retry_after: float = 0.0
    scope: str = "user"


class RestFaults:
    """Faults the REST API applies to the next matching requests.

    ``route`` is a route key (``"POST /channels/{channel_id}/messages"``) or a substring of one
    (``"/messages"``); None matches every request.
    """

    def __init__(self) -> None:
        self.latency = 0.0
        self._rules: list[_Rule] = []

    def fail_next(self, count: int = 1, *, status: int = 500, route: str | None = None) -> None:
        """Answer the next ``count`` matching requests with ``status`` (500, 502, 503, 504...)."""
        self._rules.append(_Rule(remaining=count, route=route, status=status))

    def storm_429(
        self, count: int, *, retry_after: float = 0.05, scope: str = "user", route: str | None = None
    ) -> None:
        """Answer the next ``count`` matching requests with 429 (scope ``user``, ``shared`` or ``global``)."""
        self._rules.append(_Rule(remaining=count, route=route, status=429, retry_after=retry_after, scope=scope))

    @property
    def pending(self) -> int:
        return sum(rule.remaining for rule in self._rules)

    def take(self, route_key: str) -> Injected | None:
        for rule in self._rules:
            if rule.remaining > 0 and rule.matches(route_key):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._rules.remove(rule)
                return Injected(rule.status, rule.retry_after, rule.scope)
        return None
