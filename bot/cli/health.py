"""``zundabot health``: exit 0 while the running bot is connected to Discord (a container's healthcheck)."""

from __future__ import annotations

import argparse
import asyncio

from bot import health
from bot.cli.common import CommandError, command
from bot.config import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-age",
        type=float,
        default=health.MAX_AGE,
        metavar="SECONDS",
        help=f"the heartbeat may be at most this old (default {health.MAX_AGE})",
    )


@command("health", "Exit 0 if the running bot is connected to Discord (reads HEALTH_FILE).", configure)
async def check(args: argparse.Namespace, settings: Settings) -> int:
    if settings.health_file is None:
        raise CommandError("HEALTH_FILE is not set: the bot writes no heartbeat to check")
    problem = await asyncio.to_thread(health.problem, settings.health_file, args.max_age)
    if problem is not None:
        raise CommandError(problem)
    print("healthy: connected to Discord")
    return 0
