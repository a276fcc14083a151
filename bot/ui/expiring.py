"""Buttons on a private answer, for the one person who asked, that expire cleanly.

A private (ephemeral) message can only be edited through an interaction token, and a token works for
:data:`TOKEN_LIFETIME` (15 minutes) after its interaction was created. discord.py restarts a view's timeout
at every accepted press, so removing the buttons at the timeout through the token of the command that sent
them fails (silently, leaving dead buttons) once presses have pushed the timeout past that token's life.

:class:`ExpiringView` therefore holds the most recent interaction whose response *is* the message — the
command that sent it, then every press answered by editing it (each press brings a fresh token) — removes
the buttons through that one, and keeps the timeout inside the held token's life, less
:data:`TOKEN_MARGIN` for the removal request itself, whatever restarts it: a press that does not edit the
message (a refused 「共有」) restarts the timeout but brings no token for this message.

Each live view holds its interaction (about 17 KB with its data) until it expires, so their number is capped:
past :data:`MAX_LIVE`, the oldest expires at once (its buttons are removed as at its timeout). Memory then
stays bounded however many searches come within a pager's lifetime.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any

import discord
from discord import ui

from bot import i18n
from bot.ui.answer import answer
from bot.ui.errors import BaseView
from bot.ui.safety import NO_MENTIONS

log = logging.getLogger(__name__)

#: Seconds an interaction token can edit its response after the interaction was created (Discord: 15 min).
TOKEN_LIFETIME = 900.0
#: Seconds of a token's life kept for the request that removes the buttons (and for clock differences).
TOKEN_MARGIN = 60.0
#: The shortest timeout: "expire now" (discord.py reads a timeout of 0 as no timeout at all).
AT_ONCE = 0.001
#: At most this many views keep live buttons at once; the oldest beyond it expires early.
MAX_LIVE = 500

#: The live views, oldest first, and the early expiries under way (kept so that they are not collected).
_live: OrderedDict[int, ExpiringView] = OrderedDict()
_expiring: set[asyncio.Task[None]] = set()

i18n.register(
    {
        "pager.not_yours": {
            "ja": "このボタンはコマンドを使った人だけが押せるのだ。自分でもコマンドを使ってみてほしいのだ！",
            "en": "Only the person who ran the command can use these buttons. Try the command yourself!",
        },
    }
)


def live_count() -> int:
    """How many views have live buttons now (at most :data:`MAX_LIVE`)."""
    return len(_live)


def _usable_until(interaction: discord.Interaction[Any]) -> float:
    """The ``time.monotonic()`` moment until which the interaction's token can still edit (less the margin)."""
    age = max(0.0, time.time() - interaction.created_at.timestamp())
    return time.monotonic() + TOKEN_LIFETIME - age - TOKEN_MARGIN


class ExpiringView(BaseView):
    """Buttons for ``owner_id`` on a private message, removed after ``timeout`` seconds without a press.

    Send the message with :meth:`send` and answer presses that change it with :meth:`update`; override
    :meth:`expired_view` to leave something (link buttons) behind.
    """

    def __init__(self, *, owner_id: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.lifetime = timeout
        self._holder: discord.Interaction[Any] | None = None
        self._held_until = 0.0

    def _remaining(self) -> float:
        """The timeout to (re)start now: the full lifetime, unless the held token ends sooner."""
        if self._holder is None:
            return self.lifetime
        return min(self.lifetime, max(AT_ONCE, self._held_until - time.monotonic()))

    def _hold(self, interaction: discord.Interaction[Any]) -> None:
        """Edit through ``interaction`` from now on (its response is the message) and restart the timeout."""
        self._holder = interaction
        self._held_until = _usable_until(interaction)
        self.timeout = self._remaining()

    async def send(self, interaction: discord.Interaction[Any], **message: Any) -> None:
        """Answer ``interaction`` privately with ``message`` and these buttons (as its follow-up if deferred)."""
        self._hold(interaction)  # before sending: discord.py starts the timeout as soon as the message is sent
        await answer(interaction, **message, view=self)
        _live[id(self)] = self
        while len(_live) > MAX_LIVE:
            _, oldest = _live.popitem(last=False)
            task = asyncio.create_task(oldest._expire_now())
            _expiring.add(task)
            task.add_done_callback(_expiring.discard)

    async def _expire_now(self) -> None:
        """Expire before the timeout (too many live views): stop taking presses, then remove the buttons."""
        self.stop()
        await self.on_timeout()

    def stop(self) -> None:
        _live.pop(id(self), None)
        super().stop()

    async def update(self, interaction: discord.Interaction[Any], **message: Any) -> None:
        """Answer a press by editing the message (with these buttons), and hold the press's fresher token."""
        await interaction.response.edit_message(**message, view=self)
        self._hold(interaction)
        if self.is_finished():  # the buttons expired while this press was answered, and its edit showed them
            await self.on_timeout()

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                i18n.t("pager.not_yours", interaction.locale), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return False
        # discord.py restarts the timeout right after this check returns: never past the held token's life.
        self.timeout = self._remaining()
        return True

    def expired_view(self) -> ui.View | None:
        """What stays on the message once the buttons expire; ``None`` removes every component."""
        return None

    async def on_timeout(self) -> None:
        _live.pop(id(self), None)
        if self._holder is None:
            return
        try:
            await self._holder.edit_original_response(view=self.expired_view())
        except discord.NotFound:
            log.debug("the expired buttons' message is gone (dismissed by its reader)")
        except discord.HTTPException as exc:
            log.warning("could not remove expired buttons: %s", exc)
