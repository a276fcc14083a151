"""Delivering letters through Discord: the hosts' channel, edits of its messages, notices to listeners.

Implements :class:`bot.letters.outbox.Transport` and :class:`bot.letters.notify.Messenger`.
Every message is sent with mentions disabled, except the one listener mention in a thread notice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord
from discord.utils import MISSING

from bot import i18n
from bot.letters.custom_ids import host_letter_id
from bot.letters.model import Letter
from bot.letters.notify import ThreadLookup, notify_author
from bot.letters.outbox import DeliveryUnavailable, MessageGone
from bot.output import escape_text
from bot.ui.safety import NO_MENTIONS, only_user
from cogs.letters.buttons import host_message

if TYPE_CHECKING:
    from bot.app import ZundaBot

log = logging.getLogger(__name__)

Sendable = discord.TextChannel | discord.Thread | discord.VoiceChannel
#: Looking for a post that may have been made: from a little before the attempt, this many messages on.
RECOVERY_MARGIN = timedelta(minutes=1)
RECOVERY_MESSAGES = 500


def _letters_named(message: discord.Message) -> set[int]:
    """Letter ids named by the triage buttons of a message."""
    found: set[int] = set()
    for row in message.components:
        for child in getattr(row, "children", []):
            letter_id = host_letter_id(getattr(child, "custom_id", None) or "")
            if letter_id is not None:
                found.add(letter_id)
    return found


class DiscordTransport:
    """The letters outbox's way into Discord."""

    def __init__(self, bot: ZundaBot, thread_for: ThreadLookup) -> None:
        self.bot = bot
        self.thread_for = thread_for

    async def channel_for(self, guild_id: int) -> int | None:
        """The server's hosts' channel (``/settings letters``, else LETTERS_CHANNEL_ID if it is in that server)."""
        settings = await self.bot.store.guilds.get(guild_id)
        if settings is not None and settings.letters_channel_id:
            return settings.letters_channel_id
        fallback = self.bot.settings.letters_channel_id
        if fallback is None:
            return None
        channel = self.bot.get_channel(fallback)
        if channel is not None and getattr(getattr(channel, "guild", None), "id", None) != guild_id:
            return None
        return fallback

    async def _channel(self, channel_id: int, guild_id: int) -> Sendable:
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except discord.NotFound:
                raise DeliveryUnavailable(f"the hosts' channel {channel_id} no longer exists") from None
            except discord.Forbidden:
                raise DeliveryUnavailable(f"no access to the hosts' channel {channel_id}") from None
        if not isinstance(channel, Sendable):
            raise DeliveryUnavailable(f"channel {channel_id} is not a text channel")
        if channel.guild.id != guild_id:
            raise DeliveryUnavailable(f"channel {channel_id} belongs to another server")
        return channel

    async def _render(self, letter: Letter) -> tuple[discord.Embed, discord.ui.View | None]:
        """The hosts' card: public in its server, so in the server's language."""
        wording = await self.bot.store.guilds.wording(letter.guild_id)
        with i18n.speaking(wording.language):
            return await host_message(self.bot.store.letters, letter)

    async def post(self, letter: Letter, channel_id: int) -> int:
        channel = await self._channel(channel_id, letter.guild_id)
        embed, view = await self._render(letter)
        try:
            message = await channel.send(
                embed=embed, view=view or MISSING, nonce=f"zbl{letter.id}", allowed_mentions=NO_MENTIONS
            )
        except discord.Forbidden as exc:
            raise DeliveryUnavailable(f"cannot post in the hosts' channel {channel_id}: {exc.text}") from None
        except discord.NotFound:
            raise DeliveryUnavailable(f"the hosts' channel {channel_id} no longer exists") from None
        return message.id

    async def find_posted(self, letter: Letter, channel_id: int, since: datetime) -> int | None:
        """The bot's message of this letter in the hosts' channel from ``since`` on (its buttons name the letter)."""
        channel = await self._channel(channel_id, letter.guild_id)
        me = self.bot.user.id if self.bot.user else None
        after = discord.Object(id=discord.utils.time_snowflake(since - RECOVERY_MARGIN))
        try:
            async for message in channel.history(limit=RECOVERY_MESSAGES, after=after, oldest_first=True):
                if message.author.id == me and letter.id in _letters_named(message):
                    return message.id
        except discord.Forbidden as exc:
            raise DeliveryUnavailable(f"cannot read the hosts' channel {channel_id}: {exc.text}") from None
        return None

    async def update(self, letter: Letter, channel_id: int, message_id: int) -> None:
        try:
            channel = await self._channel(channel_id, letter.guild_id)
        except DeliveryUnavailable:
            if self.bot.get_channel(channel_id) is None:
                raise MessageGone from None
            raise
        embed, view = await self._render(letter)
        try:
            await channel.get_partial_message(message_id).edit(embed=embed, view=view)
        except discord.NotFound:
            raise MessageGone from None
        except discord.Forbidden as exc:
            raise DeliveryUnavailable(f"cannot edit in the hosts' channel {channel_id}: {exc.text}") from None

    async def notify(self, letter: Letter) -> str:
        return (await notify_author(letter, self, self.thread_for)).value

    async def direct_message(self, user_id: int, letter: Letter) -> bool:
        """DM the author; ``False`` when they cannot receive DMs from the bot."""
        guild = self.bot.get_guild(letter.guild_id)
        url = ""
        if letter.aired_episode_key:
            episode = await self.bot.store.episodes.get(letter.aired_episode_key)
            url = episode.page_url if episode else ""
        text = i18n.t(
            "letters.notice.dm",
            "ja",
            guild=escape_text(guild.name) if guild else "",
            number=letter.number,
            episode=escape_text(letter.aired_episode_number or ""),
            url=url,
        ).strip()
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            await user.send(text, nonce=f"zbn{letter.id}", allowed_mentions=NO_MENTIONS)
        except (discord.Forbidden, discord.NotFound) as exc:
            log.info("letters: cannot DM the author of letter %d: %s", letter.id, exc)
            return False
        return True

    async def thread_mention(self, thread_id: int, user_id: int, letter: Letter) -> bool:
        """Mention the author (only them) in the episode's announcement thread of their server."""
        try:
            channel = await self._channel(thread_id, letter.guild_id)
        except DeliveryUnavailable as exc:
            log.info("letters: announcement thread unusable for letter %d: %s", letter.id, exc)
            return False
        text = i18n.t("letters.notice.thread", "ja", mention=f"<@{user_id}>")
        try:
            await channel.send(text, nonce=f"zbt{letter.id}", allowed_mentions=only_user(user_id))
        except (discord.Forbidden, discord.NotFound) as exc:
            log.info("letters: cannot post in thread %d: %s", thread_id, exc)
            return False
        return True
