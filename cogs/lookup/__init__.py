"""Lookup in Discord: ``/search``, ``/episode``, ``/latest``, ``/topics``, ``/random``, ``/stats``.

Thin Discord glue: the work is in :mod:`bot.store.search` and :mod:`bot.search`. Every answer is private
(ephemeral), paged with :class:`bot.ui.pager.Pager`, and can be shared publicly with its 「共有」 button.

``cog.py`` holds the commands, ``choices.py`` autocomplete's limits, ``texts.py`` the texts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.lookup.cog import FLUSH_JOB, Lookup

if TYPE_CHECKING:
    from bot.app import ZundaBot

__all__ = ["FLUSH_JOB", "Lookup", "setup"]


async def setup(bot: ZundaBot) -> None:
    await bot.add_cog(Lookup(bot))
