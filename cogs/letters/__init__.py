"""Listener letters (お便り) in Discord: everything of the feature that knows discord.py lives here.

Command shape: Discord cannot invoke a command that has subcommands, so the listener's command is a
group — ``/otayori write [episode]`` opens the form, ``/otayori mine`` and ``/otayori delete``
— localised as ``/letter write|mine|delete`` in English and ``/お便り 書く|自分のお便り|削除`` in
Japanese. The announcement's 「お便りを送る」 button (``zb:letter:<number>``) opens the same form.

Modules: ``cog`` (slash commands, form submissions, the outbox job), ``form`` (the modal and what a
refused letter shows back), ``buttons`` (「お便りを送る」 and the hosts' triage buttons), ``host`` (the
hosts' message), ``transport`` (the outbox's way into Discord, the hosts' channel), ``pager``,
``confirm`` and ``texts`` (every user-facing text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.letters.cog import Letters

if TYPE_CHECKING:
    from bot.app import ZundaBot


async def setup(bot: ZundaBot) -> None:
    await bot.add_cog(Letters(bot))
