"""Gateway intents and the events the world emits for the gateway to deliver."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntFlag
from typing import Any

JsonDict = dict[str, Any]


class Intent(IntFlag):
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MODERATION = 1 << 2
    GUILD_EXPRESSIONS = 1 << 3
    GUILD_INTEGRATIONS = 1 << 4
    GUILD_WEBHOOKS = 1 << 5
    GUILD_INVITES = 1 << 6
    GUILD_VOICE_STATES = 1 << 7
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15
    GUILD_SCHEDULED_EVENTS = 1 << 16
    AUTO_MODERATION_CONFIGURATION = 1 << 20
    AUTO_MODERATION_EXECUTION = 1 << 21
    GUILD_MESSAGE_POLLS = 1 << 24
    DIRECT_MESSAGE_POLLS = 1 << 25


PRIVILEGED_INTENTS = int(Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT)
ALL_INTENTS = 0
for _intent in Intent:
    ALL_INTENTS |= int(_intent)

#: Fields emptied in message events for sessions without MESSAGE_CONTENT.
CONTENT_FIELDS = ("content", "embeds", "attachments", "components")


@dataclass(frozen=True)
class SessionView:
    """What an event renderer may know about the receiving session."""

    intents: int
    large_threshold: int


@dataclass
class GatewayEvent:
    """A dispatch (op 0) to deliver to every session that should see it.

    ``intents``: the session needs at least one of these bits (0: sent regardless of intents).
    ``guild_id``: routes the event to the shard owning the guild; None goes to shard 0 (DMs).
    ``render``: builds the payload per session (GUILD_CREATE depends on intents) instead of ``data``.
    ``content_exempt``: for message events, whether content survives without MESSAGE_CONTENT.
    """

    name: str
    data: JsonDict | None = None
    guild_id: int | None = None
    intents: int = 0
    render: Callable[[SessionView], JsonDict] | None = None
    has_content: bool = False
    content_exempt: bool = True

    def payload_for(self, view: SessionView) -> JsonDict:
        if self.render is not None:
            return self.render(view)
        data = dict(self.data or {})
        if self.has_content and not self.content_exempt and not view.intents & Intent.MESSAGE_CONTENT:
            for key in CONTENT_FIELDS:
                if key in data:
                    data[key] = "" if key == "content" else []
            data.pop("poll", None)
        return data
