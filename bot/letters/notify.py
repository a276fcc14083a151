"""Telling a listener that their letter was read on air: by DM, else by a mention in the episode's thread."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Protocol

from bot.letters.model import Letter


class Outcome(StrEnum):
    DM = "dm"
    THREAD = "thread"
    UNREACHABLE = "unreachable"


class Messenger(Protocol):
    """Sends the notice. Each method returns ``False`` when that way is closed (DMs off, thread gone)."""

    async def direct_message(self, user_id: int, letter: Letter) -> bool: ...

    async def thread_mention(self, thread_id: int, user_id: int, letter: Letter) -> bool: ...


#: ``(episode_key, guild_id) -> thread id``: where the episode's announcement thread is in that server.
ThreadLookup = Callable[[str, int], Awaitable[int | None]]


async def notify_author(letter: Letter, messenger: Messenger, thread_for: ThreadLookup) -> Outcome:
    """Try a DM first; when DMs are closed, mention the author in the aired episode's announcement thread.

    Other errors (network, server errors) propagate so the caller can retry later.
    """
    if letter.author_id is None:
        return Outcome.UNREACHABLE
    if await messenger.direct_message(letter.author_id, letter):
        return Outcome.DM
    if letter.aired_episode_key:
        thread_id = await thread_for(letter.aired_episode_key, letter.guild_id)
        if thread_id is not None and await messenger.thread_mention(thread_id, letter.author_id, letter):
            return Outcome.THREAD
    return Outcome.UNREACHABLE
