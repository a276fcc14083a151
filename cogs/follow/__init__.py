"""Following a topic in Discord: ``/follow word|list|remove`` and DMs when an announced episode matches.

The matching and the outbox live in :mod:`bot.follow`; this package holds the commands
(:mod:`cogs.follow.commands`) and the Discord transport of the DMs (:mod:`cogs.follow.transport`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.follow.commands import FollowButton, Follows

if TYPE_CHECKING:
    from bot.app import ZundaBot

__all__ = ["FollowButton", "Follows", "setup"]


async def setup(bot: ZundaBot) -> None:
    await bot.add_cog(Follows(bot))
