"""Guild scheduled events: create, list, get, modify, delete, with the rules Discord's docs state.

* A guild holds at most 100 events that are SCHEDULED or ACTIVE (30038).
* Creating one needs Manage Events, or Create Events (which also lets the creator edit and delete their own).
* An external event (``entity_type`` 3) needs ``entity_metadata.location`` and ``scheduled_end_time``, and has
  no channel; a start time must be in the future and the end after the start.
* Statuses go SCHEDULED → ACTIVE → COMPLETED, or SCHEDULED → CANCELED; a completed or canceled event cannot
  be updated (180000). An external event starts by itself at its start time and ends at its end time (read
  lazily, from the real clock).
* Changes are dispatched as GUILD_SCHEDULED_EVENT_CREATE / _UPDATE / _DELETE to sessions with the
  GUILD_SCHEDULED_EVENTS intent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from . import errors as err
from .errors import ApiError, FormErrors
from .events import GatewayEvent, Intent
from .models import Guild
from .permissions import Permission
from .snowflake import iso
from .world import World

JsonDict = dict[str, Any]

EXTERNAL = 3
#: The request schema of each entity type (Discord tells the union's branches apart by ``entity_type``).
_VARIANTS = {
    "POST": {
        1: "StageScheduledEventCreateRequest",
        2: "VoiceScheduledEventCreateRequest",
        3: "ExternalScheduledEventCreateRequest",
    },
    "PATCH": {
        1: "StageScheduledEventPatchRequestPartial",
        2: "VoiceScheduledEventPatchRequestPartial",
        3: "ExternalScheduledEventPatchRequestPartial",
    },
}
COLLECTION = "/guilds/{guild_id}/scheduled-events"
ITEM = "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"


class EventStatus(IntEnum):
    SCHEDULED = 1
    ACTIVE = 2
    COMPLETED = 3
    CANCELED = 4


_OPEN = frozenset({EventStatus.SCHEDULED, EventStatus.ACTIVE})
_MOVES = {
    EventStatus.SCHEDULED: {EventStatus.ACTIVE, EventStatus.CANCELED},
    EventStatus.ACTIVE: {EventStatus.COMPLETED},
}


def unknown_event() -> ApiError:
    return ApiError(404, 10070, "Unknown Guild Scheduled Event")


#: Events a guild may have SCHEDULED or ACTIVE at once.
MAX_OPEN_EVENTS = 100


def too_many_events() -> ApiError:
    return ApiError(400, 30038, "Maximum number of uncompleted guild scheduled events reached (100)")


def finished_event() -> ApiError:
    return ApiError(400, 180000, "Cannot update a finished event")


@dataclass
class ScheduledEvent:
    """One guild scheduled event as the emulator keeps it."""

    id: int
    guild_id: int
    creator_id: int
    name: str
    description: str | None
    start: datetime
    end: datetime | None
    privacy_level: int
    entity_type: int
    location: str | None
    channel_id: int | None
    status: EventStatus = EventStatus.SCHEDULED
    deleted: bool = False

    def current(self, now: datetime) -> EventStatus:
        """The status by now: an external event starts and ends by itself at its times."""
        if self.entity_type == EXTERNAL:
            if self.status is EventStatus.SCHEDULED and now >= self.start:
                self.status = EventStatus.ACTIVE
            if self.status is EventStatus.ACTIVE and self.end is not None and now >= self.end:
                self.status = EventStatus.COMPLETED
        return self.status

    def payload(self, world: World, now: datetime) -> JsonDict:
        creator = world.users.get(self.creator_id)
        return {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "channel_id": str(self.channel_id) if self.channel_id else None,
            "creator_id": str(self.creator_id),
            "creator": creator.payload() if creator else None,
            "name": self.name,
            "description": self.description,
            "scheduled_start_time": iso(self.start),
            "scheduled_end_time": iso(self.end) if self.end else None,
            "privacy_level": self.privacy_level,
            "status": int(self.current(now)),
            "entity_type": self.entity_type,
            "entity_id": None,
            "entity_metadata": {"location": self.location} if self.location is not None else None,
            "image": None,
            "recurrence_rule": None,
        }


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ScheduledEvents:
    """The guild scheduled events of a :class:`World`, answered for the bot."""

    def __init__(self, world: World, clock: Callable[[], float] = time.time) -> None:
        self.world = world
        self.events: dict[int, ScheduledEvent] = {}
        self._clock = clock

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def in_guild(self, guild: Guild) -> list[ScheduledEvent]:
        """The guild's events (deleted ones left out), oldest first."""
        return [e for e in self.events.values() if e.guild_id == guild.id and not e.deleted]

    def variant(self, method: str, template: str, params: dict[str, str], body: Any) -> str | None:
        """The request schema that applies: the branch of the body's entity type (else the event's)."""
        if template not in (COLLECTION, ITEM) or method not in _VARIANTS:
            return None
        kind = body.get("entity_type") if isinstance(body, dict) else None
        if kind is None and template == ITEM:
            existing = self.events.get(int(params.get("guild_scheduled_event_id", "0") or 0))
            kind = existing.entity_type if existing is not None else None
        return _VARIANTS[method].get(kind) if isinstance(kind, int) else None

    def payload(self, event: ScheduledEvent) -> JsonDict:
        return event.payload(self.world, self.now())

    def _permitted(self, guild: Guild, event: ScheduledEvent | None = None) -> None:
        perms = self.world.guild_permissions(guild, self.world.bot.id)
        own = event is None or event.creator_id == self.world.bot.id
        if not perms & Permission.MANAGE_EVENTS and not (own and perms & Permission.CREATE_EVENTS):
            raise err.missing_permissions()

    def get(self, guild: Guild, event_id: int) -> ScheduledEvent:
        event = self.events.get(event_id)
        if event is None or event.deleted or event.guild_id != guild.id:
            raise unknown_event()
        return event

    def create(self, guild: Guild, body: JsonDict) -> ScheduledEvent:
        self._permitted(guild)
        errors = FormErrors()
        start, end = _time(body.get("scheduled_start_time")), _time(body.get("scheduled_end_time"))
        kind = int(body.get("entity_type", 0))
        location = (body.get("entity_metadata") or {}).get("location")
        self._check(errors, kind, start, end, location, body.get("channel_id"))
        errors.raise_if_any()
        assert start is not None
        now = self.now()
        if sum(e.current(now) in _OPEN for e in self.in_guild(guild)) >= MAX_OPEN_EVENTS:
            raise too_many_events()
        event = ScheduledEvent(
            id=self.world.ids.next(),
            guild_id=guild.id,
            creator_id=self.world.bot.id,
            name=str(body["name"]),
            description=body.get("description"),
            start=start,
            end=end,
            privacy_level=int(body["privacy_level"]),
            entity_type=kind,
            location=location,
            channel_id=int(body["channel_id"]) if body.get("channel_id") else None,
        )
        self.events[event.id] = event
        self._emit("GUILD_SCHEDULED_EVENT_CREATE", event)
        return event

    def modify(self, guild: Guild, event_id: int, body: JsonDict) -> ScheduledEvent:
        event = self.get(guild, event_id)
        self._permitted(guild, event)
        status = event.current(self.now())
        if status in (EventStatus.COMPLETED, EventStatus.CANCELED):
            raise finished_event()
        errors = FormErrors()
        wanted = body.get("status")
        if wanted is not None and int(wanted) != status and int(wanted) not in _MOVES.get(status, set()):
            errors.add(("status",), "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION", "Invalid status transition.")
        start = _time(body["scheduled_start_time"]) if "scheduled_start_time" in body else event.start
        end = _time(body["scheduled_end_time"]) if "scheduled_end_time" in body else event.end
        kind = int(body.get("entity_type") or event.entity_type)
        metadata = body.get("entity_metadata")
        location = metadata.get("location") if isinstance(metadata, dict) else event.location
        channel = body.get("channel_id", event.channel_id)
        if status is EventStatus.SCHEDULED and "scheduled_start_time" in body:
            self._check(errors, kind, start, end, location, channel)
        elif kind == EXTERNAL:
            self._check(errors, kind, None, end, location, channel)
        errors.raise_if_any()
        assert start is not None
        event.start, event.end, event.entity_type, event.location = start, end, kind, location
        event.channel_id = int(channel) if channel else None
        for key in ("name", "description", "privacy_level"):
            if key in body:
                setattr(event, key, body[key])
        if wanted is not None:
            event.status = EventStatus(int(wanted))
        self._emit("GUILD_SCHEDULED_EVENT_UPDATE", event)
        return event

    def delete(self, guild: Guild, event_id: int) -> None:
        event = self.get(guild, event_id)
        self._permitted(guild, event)
        event.deleted = True
        self._emit("GUILD_SCHEDULED_EVENT_DELETE", event)

    def _check(
        self,
        errors: FormErrors,
        kind: int,
        start: datetime | None,
        end: datetime | None,
        location: Any,
        channel: Any,
    ) -> None:
        """Discord's rules beyond the schema: what an external event needs, and times that make sense."""
        if kind == EXTERNAL:
            if not isinstance(location, str) or not location.strip():
                errors.add(("entity_metadata", "location"), "BASE_TYPE_REQUIRED", "This field is required")
            if end is None:
                errors.add(("scheduled_end_time",), "BASE_TYPE_REQUIRED", "This field is required")
            if channel:
                errors.add(("channel_id",), "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED", "Must not be set.")
        if start is not None and start <= self.now():
            errors.add(
                ("scheduled_start_time",), "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST", "Cannot schedule event in the past."
            )
        if start is not None and end is not None and end <= start:
            errors.add(
                ("scheduled_end_time",),
                "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                "Cannot schedule event to end before starting.",
            )

    def _emit(self, name: str, event: ScheduledEvent) -> None:
        self.world.emit(
            GatewayEvent(name, self.payload(event), guild_id=event.guild_id, intents=Intent.GUILD_SCHEDULED_EVENTS)
        )
