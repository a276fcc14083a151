"""One announcement cycle: which channels, which episodes are due, deliver them all concurrently.

Targets come from each server's ``/settings announce`` (channel and role) and from the
environment (``ANNOUNCE_CHANNEL_IDS`` with ``ANNOUNCE_ROLE_ID``) for servers that did not choose a
channel of their own. Every target is served by its own task: a channel that is gone or forbids
the bot is put on backoff (recorded in the store, shown in ``/status``) without holding up the rest.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

from bot.announce.ledger import Checkpoint, Deliverer
from bot.announce.model import OpenDelivery, TargetState, WantedTarget
from bot.announce.planner import LATE_WINDOW, target_backoff
from bot.announce.port import ChannelInfo, ChannelKind, DeliveryError, PayloadRejected, Port
from bot.announce.style import style_for
from bot.announce.wording import announcement
from bot.card import CardStyle
from bot.clock import Clock, system_clock
from bot.episodes.catalogue import is_visible
from bot.episodes.model import Episode
from bot.render import DEFAULT_ZONE, Rendered, forum_tags, thread_name
from bot.store.store import Store

log = logging.getLogger(__name__)

BACKFILL_KEY = "announce.backfill"
HELD_HORIZON = timedelta(days=3660)


@dataclass(frozen=True, slots=True)
class AnnounceOptions:
    """Environment defaults and rendering choices."""

    env_channel_ids: tuple[int, ...] = ()
    env_role_id: int | None = None
    backfill: int = 0
    site_name: str | None = None
    zone: tzinfo = DEFAULT_ZONE
    concurrency: int = 64


@dataclass(slots=True)
class TargetOutcome:
    channel_id: int
    guild_id: int | None
    delivered: int = 0
    #: Episodes Discord refused as invalid: set aside (see ``DeliveryStore.reject``), the others go on.
    rejected: int = 0
    error: str | None = None
    retry_at: datetime | None = None


@dataclass(slots=True)
class CycleReport:
    """What one cycle did, and when the next one is needed."""

    planned: int = 0
    delivered: int = 0
    outcomes: list[TargetOutcome] = field(default_factory=list)
    waiting: int = 0
    next_retry: datetime | None = None
    held: list[tuple[str, datetime]] = field(default_factory=list)

    @property
    def failed(self) -> list[TargetOutcome]:
        return [outcome for outcome in self.outcomes if outcome.error]


@dataclass(frozen=True, slots=True)
class Announced:
    """An announcement completed in one channel, for one revision of its episode (the Discord side
    dispatches it as ``episode_announced``; following a topic listens)."""

    episode: Episode
    guild_id: int | None
    channel_id: int
    message_id: int | None
    thread_id: int | None
    forum: bool
    revision: int
    at: datetime


class RequestResult(StrEnum):
    QUEUED = "queued"
    EXISTS = "exists"
    NO_CHANNEL = "no_channel"


class Announcer:
    """Plans and delivers announcements; safe to run repeatedly, one run at a time."""

    def __init__(
        self,
        store: Store,
        port: Port,
        options: AnnounceOptions,
        *,
        clock: Clock = system_clock,
        checkpoint: Checkpoint | None = None,
        announced: Callable[[Announced], None] | None = None,
    ) -> None:
        self.store = store
        self.announced = announced
        self.port = port
        self.options = options
        self.clock = clock
        self.deliverer = Deliverer(store.deliveries, port, checkpoint=checkpoint)
        self._lock = asyncio.Lock()

    async def wanted(self) -> list[WantedTarget]:
        """The channels that should receive announcements, per the settings now."""
        wanted: dict[int, WantedTarget] = {}
        own_channel: set[int] = set()
        for row in await self.store.guilds.all():
            if row.announce_channel_id:
                wanted[row.announce_channel_id] = WantedTarget(
                    row.announce_channel_id, row.guild_id, "guild", row.announce_role_id
                )
                own_channel.add(row.guild_id)
        for channel_id in self.options.env_channel_ids:
            if channel_id in wanted:
                continue
            guild_id = await self._guild_of(channel_id)
            if guild_id is not None and guild_id in own_channel:
                continue
            wanted[channel_id] = WantedTarget(channel_id, guild_id, "env", self.options.env_role_id)
        return list(wanted.values())

    async def run(self) -> CycleReport:
        """Sync targets, plan what became due, deliver everything open; one cycle at a time."""
        async with self._lock:
            return await self._run()

    async def _run(self) -> CycleReport:
        now = self.clock()
        wanted = await self.wanted()
        targets = {target.channel_id: target for target in await self.store.deliveries.sync_targets(wanted)}
        roles = {target.channel_id: target.role_id for target in wanted}
        await self._backfill_once(list(targets.values()), now)
        report = CycleReport(planned=await self.store.deliveries.plan_new(now, late_window=LATE_WINDOW))
        work: dict[int, list[OpenDelivery]] = defaultdict(list)
        for item in await self.store.deliveries.open(now):
            work[item.channel_id].append(item)
        episodes = await self.store.episodes.get_many(
            sorted({i.episode_key for items in work.values() for i in items}), scheduled=True
        )
        semaphore = asyncio.Semaphore(self.options.concurrency)
        tasks = []
        for channel_id, items in work.items():
            target = targets[channel_id]
            retry_at = _parse(target.retry_at)
            if retry_at is not None and retry_at > now:
                report.waiting += 1
                report.next_retry = min(filter(None, (report.next_retry, retry_at)))
                continue
            tasks.append(self._serve(target, roles.get(channel_id), items, episodes, semaphore, now))
        report.outcomes = list(await asyncio.gather(*tasks))
        report.delivered = sum(outcome.delivered for outcome in report.outcomes)
        for outcome in report.failed:
            report.next_retry = min(filter(None, (report.next_retry, outcome.retry_at)))
        after_now = now.replace(microsecond=0) + timedelta(seconds=1)  # the store keeps whole seconds
        held = await self.store.episodes.published_between(after_now, now + HELD_HORIZON, scheduled=True)
        report.held = [(episode.key, episode.published) for episode in held]
        return report

    async def sync(self, changed_at: datetime) -> None:
        """Take the settings as they are now: a channel chosen at ``changed_at`` gets what is published from
        then on (without this, from the next cycle on: a post published in between would count as old)."""
        async with self._lock:
            stamp = changed_at.astimezone(UTC).isoformat(timespec="seconds")
            await self.store.deliveries.sync_targets(await self.wanted(), now=stamp)

    async def request(self, guild_id: int, episode: Episode) -> RequestResult:
        """A host asks for an episode in their server's announcement channel (old ones included)."""
        async with self._lock:
            synced = await self.store.deliveries.sync_targets(await self.wanted())
            targets = [target for target in synced if target.guild_id == guild_id]
            if not targets:
                return RequestResult.NO_CHANNEL
            created = [
                await self.store.deliveries.request(episode.key, target.channel_id, guild_id, "request")
                for target in targets
            ]
        return RequestResult.QUEUED if any(created) else RequestResult.EXISTS

    async def _serve(
        self,
        target: TargetState,
        role_id: int | None,
        items: list[OpenDelivery],
        episodes: dict[str, Episode],
        semaphore: asyncio.Semaphore,
        now: datetime,
    ) -> TargetOutcome:
        outcome = TargetOutcome(target.channel_id, target.guild_id)
        async with semaphore:
            try:
                channel = await self.port.channel(target.channel_id)
                for item in items:
                    episode = episodes.get(item.episode_key)
                    if episode is None:
                        continue
                    try:
                        await self._deliver(item, episode, channel, role_id)
                    except PayloadRejected as exc:
                        await self._rejected(target, item, exc)
                        outcome.rejected += 1
                    else:
                        outcome.delivered += 1
            except DeliveryError as exc:
                await self._failed(target, outcome, f"{type(exc).__name__}: {exc}", now)
            except Exception as exc:
                log.exception(
                    "announcing in channel %s (guild %s) failed unexpectedly", target.channel_id, target.guild_id
                )
                await self._failed(target, outcome, f"{type(exc).__name__}: {exc}", now)
            else:
                if outcome.delivered or target.failures:
                    await self.store.deliveries.target_succeeded(target.channel_id)
        return outcome

    async def _deliver(self, item: OpenDelivery, episode: Episode, channel: ChannelInfo, role_id: int | None) -> None:
        delivery = await self.store.deliveries.get(item.episode_key, item.channel_id)
        if delivery is None:
            return
        wording = await self.store.guilds.wording(channel.guild_id)
        # A delivery keeps the layout it was first sent in; a channel's new choice applies to its next episodes.
        style = CardStyle(delivery.card) if delivery.card else await self.style(channel)
        # Off the event loop: splitting a long summary is pure CPU work.
        payloads = await asyncio.to_thread(
            announcement,
            episode,
            wording,
            role_id=role_id,
            site_name=self.options.site_name,
            zone=self.options.zone,
            style=style,
        )
        tags = tuple(channel.tags_for(forum_tags(episode.actors, dict(channel.tags))))
        rendered = Rendered(payloads, thread_name(episode), tags, style)
        await self.deliverer.deliver(delivery, item.revision, channel, rendered)
        main = delivery.parts.get(0)
        if self.announced is not None and delivery.done and main is not None:
            forum = delivery.kind == ChannelKind.FORUM.value
            self.announced(
                Announced(
                    episode,
                    delivery.guild_id,
                    delivery.channel_id,
                    main.message_id,
                    delivery.thread_id,
                    forum,
                    item.revision,
                    self.clock(),
                )
            )

    async def style(self, channel: ChannelInfo) -> CardStyle:
        """The layout of a new announcement in ``channel``: its choice, where its kind takes it."""
        return style_for(await self.store.cards.get(channel.id), channel.kind)

    async def _rejected(self, target: TargetState, item: OpenDelivery, exc: PayloadRejected) -> None:
        error = f"{type(exc).__name__}: {exc}"
        await self.store.deliveries.reject(item.episode_key, item.channel_id, item.revision, error)
        log.error(
            "Discord rejected the announcement of %s in channel %s (guild %s): %s; set aside until the post "
            "changes or a host asks with /announce",
            item.episode_key,
            target.channel_id,
            target.guild_id,
            error,
        )

    async def _failed(self, target: TargetState, outcome: TargetOutcome, error: str, now: datetime) -> None:
        failures = target.failures + 1
        retry_at = now + target_backoff(failures)
        await self.store.deliveries.target_failed(
            target.channel_id, error, retry_at=retry_at.astimezone(UTC).isoformat(timespec="seconds")
        )
        outcome.error, outcome.retry_at = error, retry_at
        log.warning(
            "announcements to channel %s in guild %s failed (%d in a row): %s; next try at %s",
            target.channel_id,
            target.guild_id,
            failures,
            error,
            retry_at.isoformat(timespec="seconds"),
        )

    async def _backfill_once(self, targets: list[TargetState], now: datetime) -> None:
        """ANNOUNCE_BACKFILL: the latest N published episodes, once, to the channels known at that time."""
        count = self.options.backfill
        if count <= 0 or not targets or await self.store.kv.get(BACKFILL_KEY) is not None:
            return
        latest = [
            e for e in await self.store.episodes.latest(count + 64, scheduled=True) if is_visible(e.published, now)
        ][:count]
        if not latest:
            return  # nothing stored yet (e.g. the feed is down at the first start): back-fill once there is
        for target in targets:
            for episode in latest:
                await self.store.deliveries.request(episode.key, target.channel_id, target.guild_id, "backfill")
        await self.store.kv.set(
            BACKFILL_KEY, json.dumps({"count": len(latest), "at": now.isoformat(), "channels": len(targets)})
        )
        log.info("backfill: %d episode(s) queued for %d channel(s)", len(latest), len(targets))

    async def _guild_of(self, channel_id: int) -> int | None:
        try:
            return (await self.port.channel(channel_id)).guild_id
        except DeliveryError:
            known = await self.store.deliveries.target(channel_id)
            return known.guild_id if known else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
