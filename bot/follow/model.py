"""Values of the follow feature: a followed word, an announcement to match, a DM to send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.episodes.model import Topic

#: ``guild_id`` of a word followed outside any server the bot is in (a DM, a user-installed command).
ANYWHERE = 0


@dataclass(frozen=True, slots=True)
class Follow:
    """One followed word of one listener."""

    user_id: int
    guild_id: int
    word: str
    normalized: str
    #: Other forms of the word (:func:`bot.follow.matching.word_forms`).
    forms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Announcement:
    """An episode's announcement completed in one channel of a server (one revision of the episode)."""

    episode_key: str
    number: str
    title: str
    page_url: str
    topics: tuple[Topic, ...]
    guild_id: int
    channel_id: int
    message_id: int | None
    thread_id: int | None
    revision: int
    at: datetime


@dataclass(frozen=True, slots=True)
class NoticeTopic:
    """A matching topic and the follower's words found in it."""

    title: str
    url: str
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Notice:
    """One DM to send: a listener, an announced episode, the topics that matched.

    ``linked``: the listener followed in the server of the announcement, so the DM links to it and its
    thread (a listener who followed outside that server gets the episode page only).
    """

    id: int
    user_id: int
    episode_key: str
    number: str
    title: str
    page_url: str
    guild_id: int
    channel_id: int
    message_id: int | None
    thread_id: int | None
    linked: bool
    topics: tuple[NoticeTopic, ...]
    locale: str = "ja"
    state: str = "pending"
    attempts: int = 0
    started_at: str | None = None
