"""Delivering letters to the hosts' channel (and notices to listeners) until it succeeds.

The outbox is a table: a letter is committed together with its "post" item, so nothing is lost
when the channel is missing, not writable or Discord is down. :class:`OutboxWorker` drains it
through a :class:`Transport` (the Discord shell implements it), backing off per server when its
channel is unusable and per item on other errors, and starting again at once when a server's
channel setting changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.backoff import doubling
from bot.clock import Clock, system_clock
from bot.coalesce import Coalescer
from bot.letters.model import Letter

log = logging.getLogger(__name__)

BACKOFF_BASE = 30.0
#: At most this long between tries: once the hosts' channel works again, letters wait no longer than this.
BACKOFF_MAX = 300.0
#: Items fetched per round.
ROUND_SIZE = 200


class OutboxKind(StrEnum):
    """Work the outbox delivers: the first post to the hosts' channel, an edit of it, a listener notice."""

    POST = "post"
    UPDATE = "update"
    NOTIFY = "notify"


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One piece of queued work for a letter, with its retry state."""

    id: int
    letter_id: int
    guild_id: int
    kind: OutboxKind
    attempts: int
    next_attempt_ts: float
    last_error: str | None
    last_channel_id: int | None
    #: Set when a post was attempted (ISO time, channel): it may have reached Discord unrecorded.
    sending_at: str | None = None
    sending_channel_id: int | None = None


@dataclass(frozen=True, slots=True)
class Backlog:
    """Undelivered work of one server: how many items, since when, and the last error."""

    pending: int
    oldest: str | None
    last_error: str | None


class OutboxStore(Protocol):
    """What the worker needs from the store (``bot.store.letters`` implements it)."""

    async def get_by_id(self, guild_id: int, letter_id: int) -> Letter | None: ...

    async def due(self, now: datetime, limit: int = 100) -> list[OutboxItem]: ...

    async def items_for(self, letter_id: int) -> list[OutboxItem]: ...

    async def outbox_guilds(self) -> list[tuple[int, int | None]]: ...

    async def retry_now(self, guild_id: int, channel_id: int) -> int: ...

    async def pending_for_guild(self, guild_id: int, now: datetime) -> list[OutboxItem]: ...

    async def sending(self, item: OutboxItem, channel_id: int | None, at: datetime | None) -> None: ...

    async def posted(self, item: OutboxItem, letter: Letter, channel_id: int, message_id: int) -> None: ...

    async def notified(
        self, item: OutboxItem, letter: Letter, outcome: str, *, now: datetime | None = None
    ) -> None: ...

    async def done(self, item: OutboxItem) -> None: ...

    async def failed(
        self, items: Sequence[OutboxItem], error: str, next_attempt: datetime, channel_id: int | None
    ) -> None: ...


class DeliveryUnavailable(Exception):
    """The hosts' channel of a server is not set, gone or not writable: all its deliveries wait."""


class MessageGone(Exception):
    """The hosts' message to edit was deleted: nothing left to update."""


class Transport(Protocol):
    """What the worker needs from Discord."""

    async def channel_for(self, guild_id: int) -> int | None:
        """The hosts' channel configured for a server, or ``None``."""
        ...

    async def post(self, letter: Letter, channel_id: int) -> int:
        """Post the letter to the hosts' channel; return the message id (idempotent per letter)."""
        ...

    async def find_posted(self, letter: Letter, channel_id: int, since: datetime) -> int | None:
        """The bot's message of this letter in the channel, posted at ``since`` or later, if there is one."""
        ...

    async def update(self, letter: Letter, channel_id: int, message_id: int) -> None:
        """Re-render the hosts' message of a letter."""
        ...

    async def notify(self, letter: Letter) -> str:
        """Tell the author their letter was read on air; return how (see :mod:`bot.letters.notify`)."""
        ...


def backoff(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failure in a row (0-based): 30 s doubling, at most five minutes."""
    return doubling(attempts, BACKOFF_BASE, BACKOFF_MAX)


@dataclass(slots=True)
class Report:
    """What one run did."""

    posted: int = 0
    updated: int = 0
    notified: int = 0
    failed: int = 0
    waiting_guilds: set[int] = field(default_factory=set)
    outcomes: dict[OutboxKind, str] = field(default_factory=dict)

    def merge(self, other: Report) -> None:
        self.posted += other.posted
        self.updated += other.updated
        self.notified += other.notified
        self.failed += other.failed
        self.waiting_guilds |= other.waiting_guilds
        self.outcomes.update(other.outcomes)


def _order(item: OutboxItem) -> tuple[int, int]:
    """Notices first (they need no hosts' channel), then posts and edits in the order they were queued."""
    return (0 if item.kind is OutboxKind.NOTIFY else 1, item.id)


class OutboxWorker:
    """Drains the letters outbox. Safe to call from a periodic job and right after a submission at once."""

    def __init__(
        self,
        store: OutboxStore,
        transport: Transport,
        *,
        clock: Clock = system_clock,
    ) -> None:
        self.store = store
        self.transport = transport
        self.clock = clock
        self._claimed: set[int] = set()
        self._runs = Coalescer()
        #: Posts that reached Discord but could not be recorded: item id -> (channel, message id). Only
        #: the record is retried for them, never the post.
        self._unrecorded: dict[int, tuple[int, int]] = {}
        #: Items whose failure could not be recorded either: item id -> when to try again (timestamp).
        self._held: dict[int, float] = {}

    async def run(self) -> Report:
        """Deliver everything due; a call while a run is going on makes that run go round once more."""
        report = Report()

        async def round_() -> bool:
            # Per round: a call that arrived during this run may be about a hosts' channel just changed.
            await self._reset_changed_channels()
            done = await self._round()
            report.merge(done)
            return bool(done.posted + done.updated + done.notified + done.failed)

        await self._runs.run(round_)
        return report

    async def deliver_letter(self, letter: Letter) -> Report:
        """Deliver one letter's due items now (e.g. the notice right after ``/letters aired``)."""
        now = self.clock()
        items = [item for item in await self.store.items_for(letter.id) if item.next_attempt_ts <= now.timestamp()]
        return await self._guild(letter.guild_id, items)

    async def _reset_changed_channels(self) -> None:
        for guild_id, last_channel in await self.store.outbox_guilds():
            channel = await self.transport.channel_for(guild_id)
            if channel is not None and channel != last_channel:
                await self.store.retry_now(guild_id, channel)

    async def _round(self) -> Report:
        items = await self.store.due(self.clock(), ROUND_SIZE)
        by_guild: dict[int, list[OutboxItem]] = defaultdict(list)
        for item in items:
            if item.id not in self._claimed:
                by_guild[item.guild_id].append(item)
        report = Report()
        for done in await asyncio.gather(*(self._guild(g, group) for g, group in by_guild.items())):
            report.merge(done)
        return report

    async def _guild(self, guild_id: int, items: Iterable[OutboxItem]) -> Report:
        report = Report()
        channel: int | None = None
        channel_known = False
        for item in sorted(items, key=_order):
            if item.id in self._claimed or self._held.get(item.id, 0.0) > self.clock().timestamp():
                continue
            self._claimed.add(item.id)
            try:
                if item.kind is not OutboxKind.NOTIFY and not channel_known:
                    channel = await self.transport.channel_for(guild_id)
                    channel_known = True
                await self._deliver(item, channel, report)
            except DeliveryUnavailable as exc:
                report.waiting_guilds.add(guild_id)
                report.failed += 1
                try:
                    await self._hold_guild(guild_id, channel, str(exc) or "hosts' channel unavailable")
                except Exception as error:
                    self._hold_in_memory(item, error)
                break
            except Exception as exc:
                log.warning("letters outbox: %s for letter %d failed: %r", item.kind, item.letter_id, exc)
                report.failed += 1
                try:
                    await self.store.failed([item], repr(exc), self._later(item.attempts), channel)
                except Exception as error:
                    self._hold_in_memory(item, error)
            else:
                self._held.pop(item.id, None)
            finally:
                self._claimed.discard(item.id)
        return report

    def _hold_in_memory(self, item: OutboxItem, error: Exception) -> None:
        """The store cannot even record a failure (disk full): back off in memory instead."""
        self._held[item.id] = self._later(item.attempts).timestamp()
        log.error("letters outbox: cannot record the failure of letter %d either: %r", item.letter_id, error)

    def _later(self, attempts: int) -> datetime:
        return self.clock() + timedelta(seconds=backoff(attempts))

    async def _hold_guild(self, guild_id: int, channel: int | None, error: str) -> None:
        """Back off every due post and edit of a server whose channel cannot be used."""
        now = self.clock()
        held = [i for i in await self.store.pending_for_guild(guild_id, now) if i.kind is not OutboxKind.NOTIFY]
        attempts = max((i.attempts for i in held), default=0)
        await self.store.failed(held, error, self._later(attempts), channel)

    async def _deliver(self, item: OutboxItem, channel: int | None, report: Report) -> None:
        letter = await self.store.get_by_id(item.guild_id, item.letter_id)
        if letter is None:
            await self.store.done(item)
            return
        if item.kind is OutboxKind.NOTIFY:
            if letter.deleted or letter.author_id is None:
                await self.store.done(item)
                return
            outcome = await self.transport.notify(letter)
            await self.store.notified(item, letter, outcome, now=self.clock())
            report.notified += 1
            report.outcomes[item.kind] = outcome
            return
        if channel is None:
            raise DeliveryUnavailable("no hosts' channel is set")
        if item.kind is OutboxKind.POST:
            await self._post(item, letter, channel)
            report.posted += 1
            report.outcomes[item.kind] = "posted"
            return
        await self._update(item, letter, report)

    async def _post(self, item: OutboxItem, letter: Letter, channel: int) -> None:
        """Post exactly once: a ledger step before the request, a search of the channel after any attempt
        that may have reached Discord, and a failed record retried on its own, never by posting again."""
        unrecorded = self._unrecorded.get(item.id)
        if unrecorded is None and item.sending_at is not None and item.sending_channel_id is not None:
            since = datetime.fromisoformat(item.sending_at)
            found = await self.transport.find_posted(letter, item.sending_channel_id, since)
            if found is not None:
                unrecorded = (item.sending_channel_id, found)
                log.info("letters outbox: letter %d was already posted (message %d)", letter.id, found)
        if unrecorded is None:
            await self.store.sending(item, channel, self.clock())
            try:
                message_id = await self.transport.post(letter, channel)
            except DeliveryUnavailable:  # refused by Discord: nothing was posted
                await self.store.sending(item, None, None)
                raise
            unrecorded = (channel, message_id)
            self._unrecorded[item.id] = unrecorded
        else:
            self._unrecorded[item.id] = unrecorded
        await self.store.posted(item, letter, *unrecorded)
        del self._unrecorded[item.id]

    async def _update(self, item: OutboxItem, letter: Letter, report: Report) -> None:
        if letter.host_message_id is None or letter.host_channel_id is None:
            waiting = [i for i in await self.store.items_for(letter.id) if i.kind is OutboxKind.POST]
            if waiting:  # edit after the first post exists
                when = datetime.fromtimestamp(max(waiting[0].next_attempt_ts, self.clock().timestamp()) + 1, UTC)
                await self.store.failed([item], "waiting for the first post", when, None)
            else:
                await self.store.done(item)
            return
        try:
            await self.transport.update(letter, letter.host_channel_id, letter.host_message_id)
        except MessageGone:
            log.info("letters outbox: hosts' message of letter %d is gone; not re-posting", letter.id)
        await self.store.done(item)
        report.updated += 1
        report.outcomes[item.kind] = "updated"
