"""One place where interaction errors become a friendly ephemeral answer and a logged traceback.

App-command errors reach the tree's ``on_error``; a View's, Modal's or DynamicItem's errors reach
their own handlers. The base classes here route all of them to :func:`report_error`, so no error
leaves an interaction unanswered or fails silently.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import discord
from discord import app_commands, ui

from bot import i18n
from bot.ui.answer import answer

log = logging.getLogger("zundabot.errors")

i18n.register(
    {
        "error.unexpected": {
            "ja": "ごめんなさい、うまく処理できなかったのだ。時間をおいてもう一度試してほしいのだ。"
            "(エラーID: `{error_id}`)",
            "en": "Sorry, something went wrong. Please try again later. (error id: `{error_id}`)",
        },
        "error.forbidden": {
            "ja": "この操作をする権限がないのだ。",
            "en": "You are not allowed to do this.",
        },
        "error.cooldown": {
            "ja": "少し待ってからもう一度試してほしいのだ（あと {seconds:.0f} 秒）。",
            "en": "Please wait a little and try again ({seconds:.0f} s).",
        },
        "error.bot_missing_permissions": {
            "ja": "ボットにこのチャンネルでの権限が足りないのだ: {permissions}",
            "en": "The bot lacks permissions in this channel: {permissions}",
        },
        "error.shutting_down": {
            "ja": "ただいま再起動中なのだ。少し待ってからもう一度試してほしいのだ。",
            "en": "The bot is restarting. Please try again in a moment.",
        },
        "error.guild_only": {
            "ja": "このコマンドはサーバーの中で使ってほしいのだ。",
            "en": "Please use this command in a server.",
        },
    }
)


class UserFacingError(app_commands.AppCommandError):
    """An expected failure whose message (already localised) is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def new_error_id() -> str:
    return secrets.token_hex(4)


def describe(error: BaseException, locale: object | None) -> tuple[str, bool]:
    """The user's message for ``error`` and whether it is unexpected (to be logged with a traceback)."""
    original = getattr(error, "original", None)
    if isinstance(error, UserFacingError):
        return error.message, False
    if isinstance(original, UserFacingError):
        return original.message, False
    if isinstance(error, app_commands.CommandOnCooldown):
        return i18n.t("error.cooldown", locale, seconds=error.retry_after), False
    if isinstance(error, app_commands.BotMissingPermissions):
        return i18n.t("error.bot_missing_permissions", locale, permissions=", ".join(error.missing_permissions)), False
    if isinstance(error, app_commands.NoPrivateMessage):
        return i18n.t("error.guild_only", locale), False
    if isinstance(error, app_commands.CheckFailure):
        return i18n.t("error.forbidden", locale), False
    return "", True


async def report_error(interaction: discord.Interaction[Any], error: BaseException, *, where: str = "") -> str | None:
    """Answer the user (ephemeral, Japanese first) and log unexpected errors with a short id.

    Returns the error id of an unexpected error, ``None`` for an expected one.
    """
    message, unexpected = describe(error, interaction.locale)
    error_id: str | None = None
    if unexpected:
        error_id = new_error_id()
        target = where or (interaction.command.qualified_name if interaction.command else "interaction")
        log.error("error %s in %s (user %s)", error_id, target, interaction.user.id, exc_info=error)
        message = i18n.t("error.unexpected", interaction.locale, error_id=error_id)
    try:
        await answer(interaction, message)
    except Exception as exc:  # the last resort must not raise: Discord errors, a closed session, ...
        log.warning("could not tell the user about error %s: %r", error_id or "(expected)", exc)
    return error_id


class BaseView(ui.View):
    """A View whose callback errors are reported like app-command errors."""

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, item: ui.Item[Any]) -> None:
        await report_error(interaction, error, where=f"{type(self).__name__}/{getattr(item, 'custom_id', item)}")


class BaseModal(ui.Modal):
    """A Modal whose submit errors are reported like app-command errors."""

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        await report_error(interaction, error, where=type(self).__name__)
