"""User-facing text: Japanese first, with English (and other) translations, by message key.

Modules register their own entries at import time, so each feature keeps its text next to its code::

    register({"status.title": {"ja": "ステータス", "en": "Status"}})
    t("status.title", "en-US")  # -> "Status"

Text for one person (ephemeral answers, forms) follows their Discord locale; ``t()`` without a locale is text
for everyone (announcements), in the server's language set with :func:`public_language` (Japanese otherwise).

An entry may carry a ``"default"``: the text Discord shows to locales without a translation
(command and option names are ASCII defaults such as ``search``, with a Japanese ``"ja"`` name).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

_CATALOG: dict[str, dict[str, str]] = {}
#: The languages public messages can be in (``/settings language``).
PUBLIC_LANGUAGES = ("ja", "en")
_PUBLIC: ContextVar[str] = ContextVar("public_language", default="ja")


@contextmanager
def public_language(language: str | None) -> Iterator[None]:
    """Within the block (and threads started from it), ``t()`` without a locale speaks ``language``."""
    token = _PUBLIC.set(language if language in PUBLIC_LANGUAGES else "ja")
    try:
        yield
    finally:
        _PUBLIC.reset(token)


def register(entries: Mapping[str, Mapping[str, str]]) -> None:
    """Add entries; every entry needs a ``"ja"`` text, and a key may not be registered twice differently."""
    for key, texts in entries.items():
        if "ja" not in texts:
            raise ValueError(f"i18n entry {key!r} has no Japanese text")
        if key in _CATALOG and _CATALOG[key] != dict(texts):
            raise ValueError(f"i18n key {key!r} registered twice with different texts")
        _CATALOG[key] = dict(texts)


def lang_of(locale: object | None) -> str:
    """The catalog language of a Discord locale (``en-US`` → ``en``, ``ja`` → ``ja``; unknown → ``ja``)."""
    value = str(getattr(locale, "value", locale) or "ja")
    return value.split("-", 1)[0].lower()


def entry(key: str) -> Mapping[str, str]:
    try:
        return _CATALOG[key]
    except KeyError:
        raise KeyError(f"no i18n entry {key!r}") from None


def default_text(key: str) -> str:
    """What Discord shows when it has no translation for the user's locale."""
    texts = entry(key)
    return texts.get("default", texts["ja"])


def translation(key: str, locale: object | None) -> str | None:
    """The text for ``locale`` if the entry has one for its language, else ``None``."""
    return entry(key).get(lang_of(locale))


def t(key: str, locale: object | None = None, /, **values: object) -> str:
    """The text of ``key`` in the language of ``locale`` (without one: the public language), Japanese when
    missing, formatted with ``values``."""
    texts = entry(key)
    text = texts.get(lang_of(locale) if locale is not None else _PUBLIC.get()) or texts["ja"]
    return text.format(**values) if values else text
