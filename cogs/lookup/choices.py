"""Autocomplete choices within Discord's limits, and autocomplete that never fails loudly."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from discord import app_commands

log = logging.getLogger(__name__)

Choices = list[app_commands.Choice[str]]


def to_choices(pairs: list[tuple[str, str]]) -> Choices:
    """Autocomplete choices within Discord's limits (25 choices, 1–100 characters each)."""
    return [
        app_commands.Choice(name=name[:100], value=value[:100]) for name, value in pairs[:25] if name.strip() and value
    ]


async def safe_choices(what: str, produce: Callable[[], Awaitable[Choices]]) -> Choices:
    """Autocomplete never fails loudly: a problem is logged and no choices are offered."""
    try:
        return await produce()
    except Exception:
        log.exception("autocomplete for %s failed", what)
        return []
