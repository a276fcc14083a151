"""What a listener may follow: a word or phrase, at most :data:`MAX_WORDS` of them."""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from bot.follow.matching import normalize_word

#: Words (or phrases) one listener may follow, across every server.
MAX_WORDS = 20
#: Characters of one followed word or phrase.
MAX_WORD_LENGTH = 50


class Refusal(StrEnum):
    """Why a word cannot be followed (the i18n key suffix of the answer)."""

    BLANK = "blank"
    TOO_LONG = "too_long"
    CONTROL = "control"


class WordRefused(ValueError):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


def clean_word(text: str) -> tuple[str, str]:
    """The word as it will be shown (spaces collapsed) and its normalised form; raises :class:`WordRefused`."""
    shown = " ".join(text.split())
    if any(unicodedata.category(char) == "Cc" for char in shown):
        raise WordRefused(Refusal.CONTROL)
    if len(shown) > MAX_WORD_LENGTH:
        raise WordRefused(Refusal.TOO_LONG)
    normalized = normalize_word(shown)
    if not normalized.strip():
        raise WordRefused(Refusal.BLANK)
    return shown, normalized
