"""Lookup in Discord: ``/search``, ``/episode``, ``/latest``, ``/topics``, ``/random``, ``/stats``.

Thin Discord glue: the work is in :mod:`bot.store.search` and :mod:`bot.search`. Every answer is private
(ephemeral), paged, and can be shared publicly with its 「共有」 button: a search's answer by the buttons of
``answer.py`` (they carry the id of the stored request, nothing stays alive per answer), the other answers by
:class:`bot.ui.pager.Pager`.

``cog.py`` holds the commands, ``answer.py`` the search answer's buttons, ``choices.py`` autocomplete's limits,
``texts.py`` the texts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.lookup.cog import FLUSH_JOB, Lookup

if TYPE_CHECKING:
    from bot.app import ZundaBot

__all__ = ["FLUSH_JOB", "Lookup", "setup"]


async def setup(bot: ZundaBot) -> None:
    await bot.add_cog(Lookup(bot))
