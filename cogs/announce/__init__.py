"""Episode announcements in Discord: everything of the feature that knows discord.py lives here.

The domain (what is due where, the crash-safe ledger, rendering) lives in :mod:`bot.announce` and
:mod:`bot.render`. Modules: ``cog`` (the poll, held-episode and retry jobs, ``/announce``), ``port`` (the
announcer's way into Discord: discord.py's HTTP client sending the exact bodies ``zundabot preview``
prints), ``status`` (this feature's lines of ``/status``), ``texts`` (every user-facing text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.announce.cog import ANNOUNCE_RATE, POLL_JOB, RELEASE_JOB, RETRY_JOB, Announcements
from cogs.announce.port import DiscordPort

if TYPE_CHECKING:
    from bot.app import ZundaBot

__all__ = ["ANNOUNCE_RATE", "POLL_JOB", "RELEASE_JOB", "RETRY_JOB", "Announcements", "DiscordPort", "setup"]


async def setup(bot: ZundaBot) -> None:
    await bot.add_cog(Announcements(bot))
