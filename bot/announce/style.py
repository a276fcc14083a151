"""Which layout an announcement takes in a channel: the channel's ``/settings card`` choice, and the fallback rule.

A forum post cannot start with a Components V2 card: Discord's "Start Thread in Forum or Media Channel" takes a
first message whose ``flags`` may hold only SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS (resources/channel,
Forum and Media Thread Message Params), so IS_COMPONENTS_V2 cannot be set there. A forum channel set to ``v2``
therefore gets the embed. Text and announcement channels take the card as chosen.
"""

from __future__ import annotations

from bot.announce.port import ChannelKind
from bot.card import CardStyle


def style_for(chosen: CardStyle, kind: ChannelKind) -> CardStyle:
    """The layout of a new announcement in a channel of ``kind`` whose choice is ``chosen``."""
    return CardStyle.EMBED if kind is ChannelKind.FORUM else chosen
