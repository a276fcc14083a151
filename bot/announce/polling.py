"""Polling the episode sources: each on its own backoff, and a one-time warning for a failing feed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.announce.planner import source_backoff
from bot.clock import Clock, system_clock
from bot.episodes.sources import Source
from bot.ingest import Ingestor, IngestReport
from bot.store.store import Store

log = logging.getLogger(__name__)

ALERT_KEY = "announce.feed_alert:"


@dataclass(frozen=True, slots=True)
class FeedAlert:
    """A feed has failed ``failures`` polls in a row: the hosts are told once."""

    source: str
    error: str
    failures: int


@dataclass(slots=True)
class PollOutcome:
    reports: list[IngestReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    alerts: list[FeedAlert] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(report.new or report.changed or report.withdrawn for report in self.reports)


class Poller:
    """Polls every source that is due; a failing source is polled less and less often."""

    def __init__(
        self,
        store: Store,
        sources: Sequence[Source],
        *,
        interval: timedelta,
        alert_after: int,
        clock: Clock = system_clock,
    ) -> None:
        self.store = store
        self.sources = list(sources)
        self.ingestor = Ingestor(store, self.sources)
        self.interval = interval
        self.alert_after = alert_after
        self.clock = clock

    async def poll(self) -> PollOutcome:
        outcome = PollOutcome()
        now = self.clock()
        for source in self.sources:
            state = await self.store.sources.get(source.name)
            if state.failures and state.last_attempt:
                wait = source_backoff(state.failures, self.interval) - (self.interval / 2)
                if datetime.fromisoformat(state.last_attempt) + wait > now:
                    outcome.skipped.append(source.name)
                    continue
            report = await self.ingestor.ingest(source)
            outcome.reports.append(report)
            alert = await self._alert(source, report)
            if alert is not None:
                outcome.alerts.append(alert)
        return outcome

    async def _alert(self, source: Source, report: IngestReport) -> FeedAlert | None:
        """A :class:`FeedAlert` the first time a feed reaches FEED_FAILURE_ALERT failures in a row."""
        if not source.name.startswith("feed:"):
            return None
        key = ALERT_KEY + source.name
        if report.error is None:
            if await self.store.kv.get(key) is not None:
                await self.store.kv.set(key, "")
                log.info("%s recovered", source.name)
            return None
        if report.failures_in_row < self.alert_after or await self.store.kv.get(key):
            return None
        await self.store.kv.set(key, self.clock().isoformat())
        return FeedAlert(source.name, report.error, report.failures_in_row)
