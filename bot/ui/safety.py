"""Sending safely: mentions that cannot fire by accident, and user text that cannot format itself."""

from __future__ import annotations

import discord

from bot.escaping import escape_text, one_line

#: The bot-wide default: nothing is pinged unless a message explicitly allows it.
NO_MENTIONS = discord.AllowedMentions.none()

#: Characters of a user's option value echoed back in an answer (Discord options can hold 6000).
ECHO_LIMIT = 100


def only_role(role_id: int | None) -> discord.AllowedMentions:
    """Allow exactly this role (or nothing): never @everyone, users or other roles."""
    if role_id is None:
        return NO_MENTIONS
    return discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(role_id)], replied_user=False)


def only_user(user_id: int) -> discord.AllowedMentions:
    """Allow exactly this user to be pinged."""
    return discord.AllowedMentions(everyone=False, users=[discord.Object(user_id)], roles=False, replied_user=False)


def escape_user_text(text: str) -> str:
    """Listener text shown in Discord: every markdown character and mention displayed literally, never
    rendered (masked links and bare URLs show as text; see :mod:`bot.escaping`)."""
    return escape_text(text)


def quoted(value: str, limit: int = ECHO_LIMIT) -> str:
    """A user's option value echoed back in an answer: one line, at most ``limit`` characters, escaped."""
    return escape_text(one_line(value, limit))
