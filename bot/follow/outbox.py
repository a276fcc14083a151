"""Delivering follow notices: one DM per notice, exactly once across crashes, never retried forever.

A notice is marked ``sending`` durably before its request. Found ``sending`` after a restart, the
DM may or may not exist: the listener's DM channel is searched for the bot's message with the same
text, and adopted if there; otherwise the request is repeated with the notice's deterministic nonce
(Discord then returns the first message instead of creating a second). Closed DMs are recorded
(shown in ``/follow list``) and, for a listener who opted in, replaced by a mention in the episode's
thread; they are not retried. A listener no longer in the server loses their follows there.
Temporary failures (429, 5xx, network) back off per notice, up to :data:`MAX_ATTEMPTS`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.backoff import doubling
from bot.clock import Clock, system_clock
from bot.coalesce import Coalescer
from bot.follow.model import Notice
from bot.follow.notice import notice_body, notice_content, thread_mention_content
from bot.store.follows import SENDING, FollowStore, Outcome

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE = 30.0
BACKOFF_MAX = 3600.0
#: Notices taken per round, and sent at once (the transport paces the requests).
ROUND_SIZE = 500
CONCURRENCY = 16
#: How far before a ``sending`` record a DM may have been created (clock skew).
RECOVERY_MARGIN = timedelta(minutes=10)
NONCE_LENGTH = 25


class DmClosed(Exception):
    """The listener does not accept DMs from the bot (Discord's 50007), or is gone."""


class TemporaryFailure(Exception):
    """Worth trying again later: a 429, a 5xx, a network error."""


class Refused(Exception):
    """Discord refused the request for good (not a closed DM)."""


class Transport(Protocol):
    """What the outbox needs from Discord."""

    async def is_member(self, guild_id: int, user_id: int) -> bool: ...

    async def find_dm(self, user_id: int, content: str, after: datetime) -> int | None:
        """The bot's DM to ``user_id`` with exactly ``content`` sent after ``after``, if any."""
        ...

    async def send_dm(self, user_id: int, body: dict[str, object], nonce: str) -> int: ...

    async def thread_mention(self, thread_id: int, user_id: int, content: str, nonce: str) -> int: ...


#: Called with "send:dm" / "sent:dm" around each DM request; tests raise there to simulate the process dying.
Checkpoint = Callable[[str], Awaitable[None]]


async def _no_checkpoint(step: str) -> None:
    return None


def backoff(attempts: int) -> float:
    """Seconds after the ``attempts``-th failure in a row (1-based): 30 s doubling, at most an hour."""
    return doubling(attempts - 1, BACKOFF_BASE, BACKOFF_MAX)


def notice_nonce(notice_id: int, kind: str = "dm") -> str:
    return f"zbf{kind[0]}{notice_id}"[:NONCE_LENGTH]


@dataclass(slots=True)
class Report:
    sent: int = 0
    mentioned: int = 0
    closed: int = 0
    left: int = 0
    failed: int = 0
    retrying: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.mentioned + self.closed + self.left + self.failed + self.retrying

    def merge(self, other: Report) -> None:
        self.sent += other.sent
        self.mentioned += other.mentioned
        self.closed += other.closed
        self.left += other.left
        self.failed += other.failed
        self.retrying += other.retrying


class FollowOutbox:
    """Drains the notices outbox; safe to call repeatedly (a call during a run makes it go round again)."""

    def __init__(
        self,
        store: FollowStore,
        transport: Transport,
        *,
        clock: Clock = system_clock,
        concurrency: int = CONCURRENCY,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self.store = store
        self.checkpoint = checkpoint or _no_checkpoint
        self.transport = transport
        self.clock = clock
        self.concurrency = concurrency
        self._runs = Coalescer()

    async def run(self) -> Report:
        report = Report()

        async def round_() -> bool:
            notices = await self.store.due(self.clock(), ROUND_SIZE)
            done = await self._round(notices)
            report.merge(done)
            return bool(notices) and done.total != done.retrying

        await self._runs.run(round_)
        return report

    async def _round(self, notices: list[Notice]) -> Report:
        report = Report()
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(notice: Notice) -> None:
            async with semaphore:
                try:
                    await self._deliver(notice, report)
                except TemporaryFailure as exc:
                    await self._later(notice, str(exc), report)
                except Exception as exc:
                    log.exception("follow notice %d to user %d failed", notice.id, notice.user_id)
                    await self._later(notice, f"{type(exc).__name__}: {exc}", report)

        await asyncio.gather(*(one(notice) for notice in notices))
        return report

    async def _later(self, notice: Notice, error: str, report: Report) -> None:
        attempts = notice.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            log.warning(
                "follow notice %d to user %d: giving up after %d tries: %s", notice.id, notice.user_id, attempts, error
            )
            await self.store.finish(notice.id, Outcome.FAILED, error=error)
            report.failed += 1
            return
        await self.store.retry(notice.id, attempts, self.clock() + timedelta(seconds=backoff(attempts)), error)
        report.retrying += 1

    async def _deliver(self, notice: Notice, report: Report) -> None:
        if notice.linked and not await self.transport.is_member(notice.guild_id, notice.user_id):
            removed = await self.store.forget_member(notice.guild_id, notice.user_id)
            log.info("follow: user %d left guild %d; removed %d follow(s)", notice.user_id, notice.guild_id, removed)
            await self.store.finish(notice.id, Outcome.LEFT)
            report.left += 1
            return
        if notice.state == SENDING and notice.started_at is not None:
            after = datetime.fromisoformat(notice.started_at) - RECOVERY_MARGIN
            found = await self.transport.find_dm(notice.user_id, notice_content(notice), after)
            if found is not None:
                log.info("follow notice %d: adopted DM %d sent before a restart", notice.id, found)
                await self.store.finish(notice.id, Outcome.DM, message_id=found)
                report.sent += 1
                return
        await self.store.sending(notice.id)
        await self.checkpoint("send:dm")
        try:
            message_id = await self.transport.send_dm(notice.user_id, notice_body(notice), notice_nonce(notice.id))
            await self.checkpoint("sent:dm")
        except DmClosed as exc:
            await self._closed(notice, str(exc), report)
            return
        except Refused as exc:
            await self.store.finish(notice.id, Outcome.FAILED, error=str(exc))
            report.failed += 1
            return
        await self.store.finish(notice.id, Outcome.DM, message_id=message_id)
        await self.store.dm_state(notice.user_id, closed=False)
        report.sent += 1

    async def _closed(self, notice: Notice, error: str, report: Report) -> None:
        """DMs closed: recorded; the opted-in alternative is one mention in the episode's thread."""
        await self.store.dm_state(notice.user_id, closed=True)
        prefs = await self.store.prefs(notice.user_id)
        if prefs.thread_mention and notice.linked and notice.thread_id is not None:
            try:
                message_id = await self.transport.thread_mention(
                    notice.thread_id, notice.user_id, thread_mention_content(notice), notice_nonce(notice.id, "thread")
                )
            except (DmClosed, Refused) as exc:
                log.info("follow notice %d: thread %d unusable: %s", notice.id, notice.thread_id, exc)
            else:
                await self.store.finish(notice.id, Outcome.THREAD, message_id=message_id, error=error)
                report.mentioned += 1
                return
        await self.store.finish(notice.id, Outcome.CLOSED, error=error)
        report.closed += 1
