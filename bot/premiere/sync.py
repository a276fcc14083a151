"""Keeping a server's scheduled events in step with the store's future episodes, exactly once.

One pass per server (:meth:`PremiereSync.run`): an episode dated in the future gets an event; a changed post
updates it; a withdrawn post (``published: false``, deleted from the folder) cancels it. Once an episode is
public its event is left to Discord, which starts an external event at its start time and ends it at its end
time. A ``creating`` record is committed before the create request; found again (a crash, or no answer),
the server's events are searched for the episode's marker (:func:`bot.premiere.model.marks`) before creating, so an
episode never gets two events. Temporary failures (429s discord.py gave up on, 5xx, network) back off per
event; a refusal (no permission) is recorded and not retried until the post or the settings change.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.backoff import doubling
from bot.clock import Clock
from bot.premiere.model import LEAD, EventStatus, Premiere, marks, premiere_of
from bot.store.premieres import EventRecord, EventState
from bot.store.store import Store

log = logging.getLogger(__name__)

BACKOFF_BASE = 30.0
BACKOFF_MAX = 3600.0
#: Episodes further ahead than this get no event yet (a post dated years ahead is most likely a typo).
HORIZON = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class ExistingEvent:
    """A scheduled event as Discord lists it."""

    id: int
    status: EventStatus
    description: str | None
    creator_id: int | None


class Refused(Exception):
    """Discord refused for good (missing permission, a body it will not take)."""


class TemporaryFailure(Exception):
    """Worth trying again later: a 5xx, a 429 discord.py gave up on, a network error."""

    def __init__(self, message: str, *, retry_after: float = 0.0) -> None:
        super().__init__(message)
        #: At least this many seconds before the next try (a rate limit's ``retry_after``).
        self.retry_after = retry_after


class Gone(Exception):
    """The event is no longer there to edit: deleted, or canceled by a person (a changed post makes a new one)."""


class Port(Protocol):
    """What the sync needs from Discord (through discord.py's HTTP client, which keeps the rate limits)."""

    async def list_events(self, guild_id: int) -> list[ExistingEvent]: ...

    async def create_event(self, guild_id: int, body: dict[str, Any]) -> int: ...

    async def edit_event(self, guild_id: int, event_id: int, body: dict[str, Any]) -> EventStatus: ...


@dataclass(slots=True)
class SyncReport:
    """What one pass did in one server."""

    created: int = 0
    updated: int = 0
    canceled: int = 0
    refused: int = 0
    failed: int = 0
    next_retry: datetime | None = None
    errors: list[str] = field(default_factory=list)


async def _no_checkpoint(step: str) -> None:
    return None


class PremiereSync:
    """Runs one server's events against the store; ``checkpoint`` lets tests stop it between two steps."""

    def __init__(self, store: Store, port: Port, *, home_url: str, bot_id: Callable[[], int | None]) -> None:
        self.store = store
        self.port = port
        self.home_url = home_url
        self.bot_id = bot_id
        self.checkpoint: Callable[[str], Awaitable[None]] = _no_checkpoint

    @property
    def clock(self) -> Clock:
        return self.store.clock

    async def run(self, guild_id: int) -> SyncReport:
        report = SyncReport()
        now = self.clock()
        episodes = await self.store.episodes.published_between(now + LEAD, now + HORIZON, scheduled=True)
        wanted = {episode.key: premiere_of(episode, self.home_url) for episode in episodes}
        records = await self.store.premieres.for_guild(guild_id)
        listed: list[ExistingEvent] | None = None

        async def events() -> list[ExistingEvent]:
            nonlocal listed
            if listed is None:
                listed = await self.port.list_events(guild_id)
            return listed

        for key, premiere in wanted.items():
            record = records.get(key)
            if record is not None and record.next_attempt_ts > now.timestamp():
                report.next_retry = _earliest(report.next_retry, record.next_attempt_ts)
                continue
            await self._guarded(guild_id, premiere, report, self._keep(guild_id, premiere, record, events, report))
        for key, record in records.items():
            if key in wanted or record.state not in (EventState.CREATING, EventState.SCHEDULED):
                continue
            if record.next_attempt_ts > now.timestamp():
                report.next_retry = _earliest(report.next_retry, record.next_attempt_ts)
                continue
            await self._guarded(guild_id, None, report, self._retire(guild_id, record, now, events, report), key)
        return report

    async def _guarded(
        self,
        guild_id: int,
        premiere: Premiere | None,
        report: SyncReport,
        step: Awaitable[None],
        key: str | None = None,
    ) -> None:
        """Run one event's step; a failure is recorded on that event, and the others go on."""
        episode_key = premiere.episode_key if premiere is not None else key
        assert episode_key is not None
        try:
            await step
        except Refused as exc:
            fingerprint = premiere.fingerprint if premiere is not None else ""
            await self.store.premieres.refused(guild_id, episode_key, fingerprint, str(exc))
            report.refused += 1
            report.errors.append(str(exc))
            log.warning("scheduled event of %s in guild %s refused: %s", episode_key, guild_id, exc)
        except TemporaryFailure as exc:
            records = await self.store.premieres.for_guild(guild_id)
            attempts = records[episode_key].attempts if episode_key in records else 0
            delay = max(doubling(attempts, BACKOFF_BASE, BACKOFF_MAX), exc.retry_after)
            retry = self.clock() + timedelta(seconds=delay)
            await self.store.premieres.failed(guild_id, episode_key, str(exc), retry.timestamp())
            report.failed += 1
            report.next_retry = _earliest(report.next_retry, retry.timestamp())
            report.errors.append(str(exc))
            log.warning(
                "scheduled event of %s in guild %s failed, retrying at %s: %s", episode_key, guild_id, retry, exc
            )

    async def _keep(
        self,
        guild_id: int,
        premiere: Premiere,
        record: EventRecord | None,
        events: Callable[[], Awaitable[list[ExistingEvent]]],
        report: SyncReport,
    ) -> None:
        """Make the episode's event exist with ``premiere``'s body."""
        fingerprint = premiere.fingerprint
        if record is not None and record.state is EventState.REFUSED and record.fingerprint == fingerprint:
            return
        kept = (EventState.SCHEDULED, EventState.REFUSED)  # a refused edit still has its event: edit it again
        event_id = record.event_id if record is not None and record.state in kept else None
        if event_id is None and record is not None and record.state is EventState.CREATING:
            event_id = self._find(premiere.page_url, await events())
        if event_id is not None:
            if record is not None and record.state is EventState.SCHEDULED and record.fingerprint == fingerprint:
                return
            try:
                status = await self.port.edit_event(guild_id, event_id, premiere.body())
            except Gone:
                event_id = None
            else:
                if status is EventStatus.SCHEDULED:
                    await self.store.premieres.scheduled(
                        guild_id, premiere.episode_key, event_id, fingerprint, premiere.start.timestamp()
                    )
                    report.updated += 1
                    return
                event_id = None  # canceled or over: the episode is scheduled again, so it gets a new event
        await self.store.premieres.creating(
            guild_id, premiere.episode_key, premiere.page_url, fingerprint, premiere.start.timestamp()
        )
        await self.checkpoint("premiere.creating")
        event_id = await self.port.create_event(guild_id, premiere.body())
        await self.checkpoint("premiere.created")
        await self.store.premieres.scheduled(
            guild_id, premiere.episode_key, event_id, fingerprint, premiere.start.timestamp()
        )
        report.created += 1

    async def _retire(
        self,
        guild_id: int,
        record: EventRecord,
        now: datetime,
        events: Callable[[], Awaitable[list[ExistingEvent]]],
        report: SyncReport,
    ) -> None:
        """The episode is no longer ahead: leave its event to Discord once due or public, else cancel it.

        An event whose start has come is Discord's (it starts and ends external events itself, and a started
        event cannot be canceled); one still ahead is canceled when its episode was withdrawn, or went public
        earlier than the event says.
        """
        if record.start_ts <= (now + LEAD).timestamp():
            await self.store.premieres.finished(guild_id, record.episode_key, EventState.DONE)
            return
        event_id = record.event_id
        if event_id is None:
            event_id = self._find(record.page_url, await events())
        if event_id is not None:
            try:
                await self.port.edit_event(guild_id, event_id, {"status": int(EventStatus.CANCELED)})
            except Gone:
                pass
            else:
                report.canceled += 1
        await self.store.premieres.finished(guild_id, record.episode_key, EventState.CANCELED)

    def _find(self, page_url: str, events: list[ExistingEvent]) -> int | None:
        """The bot's own scheduled event marked with ``page_url``, if an earlier attempt created one."""
        me = self.bot_id()
        mine = (event for event in events if me is None or event.creator_id in (None, me))
        return next((e.id for e in mine if e.status is EventStatus.SCHEDULED and marks(e.description, page_url)), None)


def _earliest(current: datetime | None, ts: float) -> datetime:
    moment = datetime.fromtimestamp(ts, UTC)
    return moment if current is None or moment < current else current
