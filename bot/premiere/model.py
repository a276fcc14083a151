"""The scheduled event of an episode dated in the future: what Discord is asked to show, within its limits.

An external event (``entity_type`` 3) at the episode's page, starting at its publication time, visible to the
server's members only (``privacy_level`` 2). Its description ends with the page URL on a line of its own: the
marker by which the bot finds its own event again after a crash between creating it and recording it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any

from bot.episodes.model import Episode
from bot.output import clip

#: Discord's limits for a scheduled event's name, description and external location.
NAME_LIMIT = 100
DESCRIPTION_LIMIT = 1000
LOCATION_LIMIT = 100
#: How long the event lasts: Discord requires an end for external events; the show's audio length is not known.
DURATION = timedelta(minutes=30)
#: Episodes published sooner than this are left alone: Discord refuses a start time in the past.
LEAD = timedelta(minutes=2)

EXTERNAL = 3
GUILD_ONLY = 2


class EventStatus(IntEnum):
    """Discord's scheduled event statuses: SCHEDULED → ACTIVE → COMPLETED, or SCHEDULED → CANCELED."""

    SCHEDULED = 1
    ACTIVE = 2
    COMPLETED = 3
    CANCELED = 4


@dataclass(frozen=True, slots=True)
class Premiere:
    """The event announcing one episode's publication."""

    episode_key: str
    page_url: str
    name: str
    description: str
    location: str
    start: datetime
    end: datetime

    def body(self) -> dict[str, Any]:
        """The JSON body that creates the event, or brings an existing one up to date."""
        return {
            "name": self.name,
            "description": self.description,
            "scheduled_start_time": _iso(self.start),
            "scheduled_end_time": _iso(self.end),
            "privacy_level": GUILD_ONLY,
            "entity_type": EXTERNAL,
            "entity_metadata": {"location": self.location},
        }

    @property
    def fingerprint(self) -> str:
        """Changes exactly when the event's body does."""
        return hashlib.sha256(json.dumps(self.body(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def premiere_of(episode: Episode, home_url: str) -> Premiere:
    """The event of ``episode``: its title, its description and page, at its publication time.

    The location is the page URL, or the site's home page when the URL is longer than Discord allows (the
    description still ends with the full page URL).
    """
    marker = episode.page_url
    room = DESCRIPTION_LIMIT - len(marker) - 2
    summary = " ".join(episode.description.split())
    description = f"{clip(summary, room)}\n\n{marker}" if summary and room > 1 else marker
    location = episode.page_url if len(episode.page_url) <= LOCATION_LIMIT else clip(home_url, LOCATION_LIMIT)
    start = episode.published.astimezone(UTC)
    return Premiere(
        episode_key=episode.key,
        page_url=marker,
        name=clip(" ".join(episode.title.split()) or f"#{episode.number}", NAME_LIMIT),
        description=clip(description, DESCRIPTION_LIMIT),
        location=location,
        start=start,
        end=start + DURATION,
    )


def marks(description: str | None, page_url: str) -> bool:
    """Whether an event with ``description`` is the event of the episode at ``page_url`` (its last line)."""
    if not description:
        return False
    return description.rsplit("\n", 1)[-1].strip() == page_url


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
