"""``/announce test``: the next announcement exactly as it would be posted, shown only to the host who asks
(ephemeral follow-ups) or posted in a channel they pick — never published to following servers, never recorded
in the delivery ledger, and pinging nobody (the role mention shows as text)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

import discord
from discord.http import Route

from bot.announce.announcer import Announcer
from bot.announce.port import DeliveryError
from bot.announce.wording import announcement
from bot.card import CardStyle
from bot.episodes.model import Episode
from bot.render import Payload, thread_name

if TYPE_CHECKING:
    from bot.app import ZundaBot

EPHEMERAL = 1 << 6


def unsent(body: Payload) -> Payload:
    """An announcement body for a trial: the same message, without the ledger's nonce, pinging nobody."""
    trial = {key: value for key, value in body.items() if key not in ("nonce", "enforce_nonce")}
    trial["allowed_mentions"] = {"parse": []}
    return trial


async def trial_bodies(announcer: Announcer, guild_id: int, episode: Episode) -> list[Payload]:
    """The messages the server's next announcement of ``episode`` would send: its wording, mention role and the
    layout of its announcement channel (the embed when it has none, or Discord cannot say what it is)."""
    target = next((target for target in await announcer.wanted() if target.guild_id == guild_id), None)
    style = CardStyle.EMBED
    if target is not None:
        with contextlib.suppress(DeliveryError):
            style = await announcer.style(await announcer.port.channel(target.channel_id))
    wording = await announcer.store.guilds.wording(guild_id)
    options = announcer.options
    bodies = await asyncio.to_thread(
        announcement,
        episode,
        wording,
        role_id=target.role_id if target else None,
        site_name=options.site_name,
        zone=options.zone,
        style=style,
    )
    return [unsent(body) for body in bodies]


async def show_privately(bot: ZundaBot, interaction: discord.Interaction[ZundaBot], bodies: list[Payload]) -> None:
    """Each message as an ephemeral follow-up of the (deferred) interaction, as Discord would render it."""
    route = Route(
        "POST",
        "/webhooks/{webhook_id}/{webhook_token}",
        webhook_id=interaction.application_id,
        webhook_token=interaction.token,
    )
    for body in bodies:
        await bot.http.request(route, json=body | {"flags": int(body.get("flags") or 0) | EPHEMERAL})


async def post_in(bot: ZundaBot, channel_id: int, episode: Episode, bodies: list[Payload]) -> int:
    """The main message in ``channel_id`` and the rest in a thread started from it, as in a text channel; its id."""
    main = await bot.http.request(
        Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id), json=bodies[0]
    )
    message_id = int(main["id"])
    if len(bodies) > 1:
        route = Route(
            "POST", "/channels/{channel_id}/messages/{message_id}/threads", channel_id=channel_id, message_id=message_id
        )
        thread = await bot.http.request(route, json={"name": thread_name(episode), "auto_archive_duration": 1440})
        for body in bodies[1:]:
            await bot.http.request(
                Route("POST", "/channels/{channel_id}/messages", channel_id=int(thread["id"])), json=body
            )
    return message_id
