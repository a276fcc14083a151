"""Discord's errors explained in words hosts understand, the code kept small underneath."""

from __future__ import annotations

import re

from bot import i18n

#: Discord's JSON error codes (and HTTP statuses, as ``http<status>``) that hosts meet, by i18n key suffix.
CODES = {
    "50013": "permissions",
    "50001": "access",
    "10003": "channel_gone",
    "10008": "message_gone",
    "50035": "invalid",
    "40005": "too_large",
    "http429": "busy",
    "http500": "discord_down",
    "http502": "discord_down",
    "http503": "discord_down",
    "http504": "discord_down",
}
_CODE = re.compile(r"error code: (\d+)")
_STATUS = re.compile(r"\b([45]\d\d)\b")

i18n.register(
    {
        "discord_error.permissions": {
            "ja": "このチャンネルに書き込む権限がボットにないのだ（チャンネルの編集 →「権限」で許可できるのだ）",
            "en": "The bot may not post in this channel (allow it under Edit Channel → Permissions)",
        },
        "discord_error.access": {
            "ja": "このチャンネルがボットから見えないのだ（「チャンネルを見る」権限が必要なのだ）",
            "en": "The bot cannot see this channel (it needs View Channels)",
        },
        "discord_error.channel_gone": {
            "ja": "チャンネルが見つからないのだ（削除されたかもしれないのだ）",
            "en": "The channel was not found (it may have been deleted)",
        },
        "discord_error.message_gone": {"ja": "メッセージが見つからないのだ", "en": "The message was not found"},
        "discord_error.invalid": {
            "ja": "Discord がメッセージの中身を受け付けなかったのだ（記事の内容を確かめてほしいのだ）",
            "en": "Discord refused the message's content (check the post)",
        },
        "discord_error.too_large": {"ja": "メッセージが大きすぎるのだ", "en": "The message is too large"},
        "discord_error.busy": {
            "ja": "Discord が混み合っているのだ（少し待ってから自動でやり直すのだ）",
            "en": "Discord is busy (the bot tries again by itself shortly)",
        },
        "discord_error.discord_down": {
            "ja": "Discord 側で一時的な不具合が起きているのだ（自動でやり直すのだ）",
            "en": "Discord has a temporary problem (the bot tries again by itself)",
        },
        "discord_error.code": {"ja": "Discord のエラーコード {code}", "en": "Discord error code {code}"},
    }
)


def code_of(error: str) -> str | None:
    """The Discord error code in an error text (``... (error code: 50013): ...``), else ``http<status>``."""
    match = _CODE.search(error)
    if match:
        return match.group(1)
    status = _STATUS.search(error)
    return f"http{status.group(1)}" if status else None


def explain(error: str, locale: object | None) -> str | None:
    """Words for a known Discord error, then its code in small text on the next line; None when not known."""
    code = code_of(error)
    key = CODES.get(code or "")
    if key is None or code is None:
        return None
    shown = code.removeprefix("http")
    return f"{i18n.t(f'discord_error.{key}', locale)}\n-# {i18n.t('discord_error.code', locale, code=shown)}"
