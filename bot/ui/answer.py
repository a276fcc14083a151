"""Answering an interaction privately, whether or not it was deferred first."""

from __future__ import annotations

from typing import Any

import discord
from discord.utils import MISSING

from bot.ui.safety import NO_MENTIONS


async def answer(interaction: discord.Interaction[Any], content: str | None = None, **kwargs: Any) -> None:
    """Reply ephemerally (no mentions unless ``allowed_mentions`` says so), as the first response or as a
    follow-up after a defer."""
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    if interaction.response.is_done():
        await interaction.followup.send(content or MISSING, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)
