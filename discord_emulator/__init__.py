"""A local Discord (API v10) for end-to-end tests: real discord.py over real HTTP and websockets.

async with DiscordEmulator() as emu, running(bot, emu) ...   # see README.md
"""

from __future__ import annotations

from .client import FAST_CLIENT_OPTIONS, running, use_emulator
from .errors import ApiError, EmulatorUsageError
from .events import Intent
from .interactions import CallbackType, InteractionType, Modal
from .models import Attachment, Channel, ChannelType, Guild, Member, Message, MessageFlag, Pings, Role, User
from .permissions import DEFAULT_BOT, DEFAULT_EVERYONE, Permission, PermOverwrite
from .ratelimit import RateLimitConfig
from .results import InteractionResult
from .scheduled_events import EventStatus, ScheduledEvent
from .server import DiscordEmulator, EmulatorConfig

__all__ = [
    "DEFAULT_BOT",
    "DEFAULT_EVERYONE",
    "FAST_CLIENT_OPTIONS",
    "ApiError",
    "Attachment",
    "CallbackType",
    "Channel",
    "ChannelType",
    "DiscordEmulator",
    "EmulatorConfig",
    "EmulatorUsageError",
    "EventStatus",
    "Guild",
    "Intent",
    "InteractionResult",
    "InteractionType",
    "Member",
    "Message",
    "MessageFlag",
    "Modal",
    "PermOverwrite",
    "Permission",
    "Pings",
    "RateLimitConfig",
    "Role",
    "ScheduledEvent",
    "User",
    "running",
    "use_emulator",
]
