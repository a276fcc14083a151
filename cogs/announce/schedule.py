"""When the announcement cycle runs: every POLL_INTERVAL, at each held episode's time, and at the earliest retry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.announce.announcer import CycleReport
from bot.clock import Clock

if TYPE_CHECKING:
    from bot.app import ZundaBot

POLL_JOB = "announce:poll"
RETRY_JOB = "announce:retry"
RELEASE_JOB = "announce:release:"


class CycleJobs:
    """The scheduler's jobs that run ``cycle``; all named ``announce:…``."""

    def __init__(self, bot: ZundaBot, cycle: Callable[[], Awaitable[None]], clock: Clock) -> None:
        self.bot = bot
        self.cycle = cycle
        self.clock = clock

    def start(self) -> None:
        """The periodic poll (POLL_INTERVAL, with POLL_JITTER)."""
        settings = self.bot.settings
        self.bot.add_job(
            self.cycle,
            IntervalTrigger(seconds=settings.poll_interval, jitter=settings.poll_jitter or None),
            id=POLL_JOB,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
        )

    def stop(self) -> None:
        for job in self.bot.scheduler.get_jobs():
            if job.id.startswith("announce:"):
                job.remove()

    def follow(self, report: CycleReport) -> None:
        """A date job per held episode (at its publication time) and one for the earliest retry."""
        now = self.clock()
        wanted = {RELEASE_JOB + key: published for key, published in report.held}
        for job in self.bot.scheduler.get_jobs():
            if job.id.startswith(RELEASE_JOB) and job.id not in wanted:
                job.remove()
        for job_id, published in wanted.items():
            self._at(job_id, published, now)
        if report.next_retry is not None:
            self._at(RETRY_JOB, report.next_retry, now)

    def _at(self, job_id: str, moment: datetime, now: datetime) -> None:
        """Run a cycle when the announcer's clock reaches ``moment`` (converted to the real clock)."""
        delay = max((moment - now).total_seconds(), 0.0)
        existing = self.bot.scheduler.get_job(job_id)
        run_date = datetime.now(UTC) + timedelta(seconds=delay)
        next_run = existing.next_run_time if existing is not None else None
        if next_run is not None and abs((next_run - run_date).total_seconds()) < 1:
            return
        self.bot.add_job(self.cycle, DateTrigger(run_date=run_date), id=job_id, replace_existing=True)
