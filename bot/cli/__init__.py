"""The ``zundabot`` command line: ``zundabot <command> ...`` (also ``python -m bot``).

Each command lives in its own module and registers itself with :func:`bot.cli.common.command`.
"""

from __future__ import annotations

from bot.cli.common import main

__all__ = ["main"]
