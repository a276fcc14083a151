"""discord.py's app-command :class:`~discord.app_commands.Translator` backed by :mod:`bot.i18n`."""

from __future__ import annotations

from discord import Locale, app_commands

from bot import i18n


def ls(key: str) -> app_commands.locale_str:
    """A translatable command string: the entry's default text, tagged with its key."""
    return app_commands.locale_str(i18n.default_text(key), key=key)


class CatalogTranslator(app_commands.Translator):
    """Localises command names, descriptions and choices from the catalog entries named by ``key``."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        if not isinstance(key, str):
            return None
        text = i18n.translation(key, locale)
        return None if text is None or text == string.message else text
