"""Sending safely: mentions that cannot fire by accident, user text that cannot format itself, and
operator settings (feed URL credentials, server paths) that are never shown to a server's hosts."""

from __future__ import annotations

import re
from pathlib import PurePath
from urllib.parse import urlsplit, urlunsplit

import discord

from bot.output import escape_text, one_line

#: The bot-wide default: nothing is pinged unless a message explicitly allows it.
NO_MENTIONS = discord.AllowedMentions.none()

#: Characters of a user's option value echoed back in an answer (Discord options can hold 6000).
ECHO_LIMIT = 100
#: Characters of an error text shown to hosts (in ``/status``, warnings).
ERROR_LIMIT = 300

_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s<>\"'`]+")


def only_role(role_id: int | None) -> discord.AllowedMentions:
    """Allow exactly this role (or nothing): never @everyone, users or other roles."""
    if role_id is None:
        return NO_MENTIONS
    return discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(role_id)], replied_user=False)


def only_user(user_id: int) -> discord.AllowedMentions:
    """Allow exactly this user to be pinged."""
    return discord.AllowedMentions(everyone=False, users=[discord.Object(user_id)], roles=False, replied_user=False)


def quoted(value: str, limit: int = ECHO_LIMIT) -> str:
    """Text echoed into an answer (a user's option value, an error for hosts): one line, at most ``limit``
    characters, markdown and mentions escaped."""
    return escape_text(one_line(value, limit))


# ---- operator settings shown to hosts ----------------------------------------------------------------


def public_url(url: str) -> str:
    """``url`` without credentials, query and fragment (``https://user:pw@host/f.xml?token=x`` →
    ``https://host/f.xml``); a local file (path or ``file://``) as its file name only."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "…"
    if parts.scheme.lower() in ("http", "https") and host:
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc += f":{port}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    if parts.scheme and len(parts.scheme) > 1 and parts.scheme.lower() != "file":
        return f"{parts.scheme}:…"
    return PurePath(url.removeprefix("file://")).name or "…"


def public_source(name: str) -> str:
    """A source's name (``feed:<url or file>``, ``folder:<absolute path>``) as hosts may see it: the feed
    without credentials, query and fragment, a file or folder by its name only."""
    kind, _, location = name.partition(":")
    if kind == "feed":
        return f"feed:{public_url(location)}"
    if kind == "folder":
        return f"folder:{PurePath(location).name or '…'}"
    return kind


def public_error(error: str, source: str, limit: int = ERROR_LIMIT) -> str:
    """An error of ``source`` as hosts may see it: its location and any URL redacted as in
    :func:`public_source`, on one line, capped, and strongly escaped (it can hold a remote server's words)."""
    _, _, location = source.partition(":")
    text = error
    if location:
        shown = public_source(source).partition(":")[2]
        for raw in sorted({location, location.removeprefix("file://")}, key=len, reverse=True):
            text = text.replace(raw, shown)
    return quoted(_URL.sub(lambda match: public_url(match.group()), text), limit)
