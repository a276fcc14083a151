"""Who each command is for, and the help text listing them per audience (no Discord objects)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

#: A field value's limit in an embed.
FIELD_LIMIT = 1024


class Audience(Enum):
    LISTENERS = "listeners"
    HOSTS = "hosts"
    MANAGERS = "managers"


#: Top-level commands by default name. A command not named here is not listed (a test keeps it complete).
AUDIENCES: Mapping[str, Audience] = {
    "search": Audience.LISTENERS,
    "episode": Audience.LISTENERS,
    "latest": Audience.LISTENERS,
    "topics": Audience.LISTENERS,
    "random": Audience.LISTENERS,
    "stats": Audience.LISTENERS,
    "otayori": Audience.LISTENERS,
    "follow": Audience.LISTENERS,
    "help": Audience.LISTENERS,
    "letters": Audience.HOSTS,
    "announce": Audience.HOSTS,
    "status": Audience.HOSTS,
    "settings": Audience.MANAGERS,
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One invocable command: its default path (``letters list``), as shown to a locale, and its description."""

    path: str
    shown: str
    description: str


def localized(data: Mapping[str, Any], field: str, locale: str) -> str:
    """A payload's ``name`` or ``description`` in ``locale`` (``en-US``, ``ja``), else its default."""
    texts: Mapping[str, str] = data.get(f"{field}_localizations") or {}
    text = texts.get(locale) or next((v for k, v in texts.items() if k.split("-")[0] == locale.split("-")[0]), None)
    return str(text or data.get(field, ""))


def entries(payload: Mapping[str, Any], locale: str) -> list[Entry]:
    """The invocable commands of one command's translated payload: itself, or each of its subcommands."""

    def walk(data: Mapping[str, Any], path: list[str], shown: list[str]) -> list[Entry]:
        path = [*path, str(data["name"])]
        shown = [*shown, localized(data, "name", locale)]
        children = [option for option in data.get("options", []) if option.get("type") in (1, 2)]
        if not children:
            return [Entry(" ".join(path), " ".join(shown), localized(data, "description", locale))]
        return [entry for child in children for entry in walk(child, path, shown)]

    return walk(payload, [], [])


def section(lines: Sequence[str]) -> str:
    """Lines joined within an embed field's limit (whole lines only)."""
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > FIELD_LIMIT:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)
