"""Server administration in Discord: ``/status`` for hosts and ``/settings`` for server managers.

Modules: ``cog`` (the commands; each feature adds its own lines to ``/status``), ``texts``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.admin.cog import Admin

if TYPE_CHECKING:
    from bot.app import ZundaBot

__all__ = ["Admin", "setup"]


async def setup(bot: ZundaBot) -> None:
    await bot.add_cog(Admin(bot))
