"""Scheduled premieres in Discord: a guild scheduled event for each episode dated in the future.

What the event holds and how it is kept exactly once live in :mod:`bot.premiere`; this package holds the
cog that runs it after every poll (:mod:`cogs.premiere.cog`), its Discord port (:mod:`cogs.premiere.port`)
and its texts. The switch is ``/settings premiere`` (in :mod:`cogs.admin`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.premiere.cog import Premieres, can_schedule

if TYPE_CHECKING:
    from bot.app import ZundaBot

__all__ = ["Premieres", "can_schedule", "setup"]


async def setup(bot: ZundaBot) -> None:
    await bot.add_cog(Premieres(bot))
