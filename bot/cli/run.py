"""``zundabot run``: start the bot."""

from __future__ import annotations

import argparse

from bot.cli.common import command
from bot.config import Settings, SettingsError

#: Said when there is no token: the studio shows the bot without a Discord account.
STUDIO_HINT = (
    "To see zundabot work without a Discord account first, open the studio: python3 run.py studio "
    "(トークンなしで試すには: python3 run.py studio)"
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="override LOG_LEVEL (any case, like LOG_LEVEL)",
    )


@command("run", "Connect to Discord and run the bot until stopped (Ctrl+C or SIGTERM).", configure)
async def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import run_bot  # discord.py is imported only by the commands that need it

    if args.log_level:
        settings = settings.model_copy(update={"log_level": args.log_level})
    try:
        settings.token()
    except SettingsError as exc:
        raise SettingsError(f"{exc}\n{STUDIO_HINT}") from None
    return await run_bot(settings)
