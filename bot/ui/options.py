"""Slash-command option types with the bounds Discord accepts."""

from __future__ import annotations

from discord import app_commands

#: Discord refuses integer option bounds (min_value / max_value) beyond ±(2**53 - 1), JavaScript's safe integers.
MAX_OPTION_INTEGER = 2**53 - 1

#: A positive whole number (a letter's number), as large as Discord lets an integer option be.
PositiveNumber = app_commands.Range[int, 1, MAX_OPTION_INTEGER]
