"""What the announcement ledger records: channels (targets), deliveries per (episode, channel) and their parts.

A delivery is the announcement of one episode in one channel. Its *parts* are the messages it
consists of: part 0 is the main message (or the forum post), parts 1… the thread's messages. A part
is ``sending`` before its request goes out and ``sent`` (with the message id) after. The store
(:mod:`bot.store.deliveries`) keeps them; :mod:`bot.announce.ledger` drives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SENDING = "sending"
SENT = "sent"


@dataclass(frozen=True, slots=True)
class WantedTarget:
    """A channel that should receive announcements, as the settings say now."""

    channel_id: int
    guild_id: int | None
    origin: str  # "guild" (/settings announce) or "env" (ANNOUNCE_CHANNEL_IDS)
    role_id: int | None = None


@dataclass(frozen=True, slots=True)
class TargetState:
    """A channel as the ledger knows it: since when it receives announcements, and its health."""

    channel_id: int
    guild_id: int | None
    origin: str
    since: str
    active: bool
    failures: int
    retry_at: str | None
    last_error: str | None
    last_error_at: str | None
    last_success: str | None


@dataclass(frozen=True, slots=True)
class Part:
    part: int
    state: str
    message_id: int | None
    digest: str
    marker: str
    started_at: str


@dataclass(slots=True)
class Delivery:
    episode_key: str
    channel_id: int
    guild_id: int | None
    reason: str
    kind: str | None
    revision: int
    done: bool
    thread_id: int | None
    thread_state: str
    thread_name: str | None
    crossposted: bool
    #: The layout (``embed`` or ``v2``) the delivery was first sent in, which its edits keep; None before.
    card: str | None = None
    parts: dict[int, Part] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OpenDelivery:
    """A delivery with work left: not complete, or complete for an older revision of its episode."""

    episode_key: str
    channel_id: int
    revision: int
    published_ts: int
