"""Letters, their statuses, the history of who changed what when, and what submitting one can raise."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """Where a letter stands. ``DELETED`` is the anonymous tombstone left when a listener deletes one."""

    NEW = "new"
    HELD = "held"
    READ = "read"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    AIRED = "aired"
    DELETED = "deleted"


#: Statuses a host may set directly (``AIRED`` needs an episode; ``DELETED`` is the listener's own act).
HOST_SETTABLE: tuple[Status, ...] = (Status.NEW, Status.HELD, Status.READ, Status.ADOPTED, Status.REJECTED)

#: Every status a letter can be listed by, in display order.
LISTED: tuple[Status, ...] = (*HOST_SETTABLE, Status.AIRED, Status.DELETED)

#: Japanese names of the statuses, used in exports (the Discord shell has its own translated texts).
STATUS_LABELS: dict[Status, str] = {
    Status.NEW: "新着",
    Status.HELD: "保留",
    Status.READ: "既読",
    Status.ADOPTED: "採用",
    Status.REJECTED: "却下",
    Status.AIRED: "放送済み",
    Status.DELETED: "削除済み",
}


class Action(StrEnum):
    """What a history entry records."""

    SUBMITTED = "submitted"
    STATUS = "status"
    AIRED = "aired"
    BLOCKED = "blocked"
    UNBLOCKED = "unblocked"
    DELETED = "deleted"
    FORWARDED = "forwarded"
    NOTIFIED = "notified"


class TransitionError(Exception):
    """A status change that is not allowed; ``reason`` is a short code the shell turns into text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_transition(current: Status, target: Status) -> None:
    """Raise :class:`TransitionError` unless a host may move a letter from ``current`` to ``target``.

    A tombstone never changes again; a letter can be moved between any of the host statuses (hosts
    correct mistakes), and marked as aired from any of them. Setting the current status is ``same``.
    """
    if current is Status.DELETED:
        raise TransitionError("deleted")
    if target is Status.DELETED:
        raise TransitionError("not_host_status")
    if target is current and target is not Status.AIRED:
        raise TransitionError("same")


@dataclass(frozen=True, slots=True)
class Letter:
    """One letter as stored. ``number`` counts per server; ``id`` is global and only used internally.

    A tombstone has ``status`` ``DELETED``, no author, name or body; its number and counts remain.
    """

    id: int
    guild_id: int
    number: int
    author_id: int | None
    radio_name: str
    body: str
    episode_key: str | None
    episode_number: str | None
    notify: bool
    status: Status
    created_at: str
    updated_at: str
    aired_episode_key: str | None = None
    aired_episode_number: str | None = None
    aired_at: str | None = None
    notified_at: str | None = None
    notify_result: str | None = None
    host_channel_id: int | None = None
    host_message_id: int | None = None

    @property
    def deleted(self) -> bool:
        return self.status is Status.DELETED


@dataclass(frozen=True, slots=True)
class LetterEvent:
    """One entry of a letter's history: who (``actor_id``, ``None`` for the bot or an erased author) and when."""

    letter_id: int
    at: str
    actor_id: int | None
    action: Action
    from_status: Status | None = None
    to_status: Status | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Submission:
    """A validated letter about to be stored."""

    guild_id: int
    author_id: int
    radio_name: str
    body: str
    episode_key: str | None = None
    episode_number: str | None = None
    notify: bool = False


class LetterNotFound(Exception):
    """No such letter in this server (or not the caller's own, for listener actions)."""


class Blocked(Exception):
    """The listener is blocked in this server."""


class RateLimited(Exception):
    """Too many letters; ``retry_after`` seconds until the next one is accepted."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.0f} s")
        self.retry_after = retry_after
