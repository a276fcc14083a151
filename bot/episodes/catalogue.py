"""The archive as listeners see it: the "visible now" rule and how a person names an episode.

* :func:`is_visible` — an episode is visible from its publication time on (a post dated in the future is
  held, as Jekyll holds it); the store applies the same rule in SQL to every listener-facing read
  (``bot.store.visibility``), hosts' tools may ask for scheduled episodes too.
* :func:`episode_number` and :func:`date_range` — the one reading of what a person types for an episode:
  ``389``, ``#389``, ``第389回``, ``389回`` (full-width digits too), or a date ``2025``, ``2025-06``,
  ``2025-06-30`` (``/``, ``.``, ``年月日`` or no separators).
* :class:`EpisodeChoice` — an episode offered in a menu or autocomplete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.text import normalize

#: Discord's limit for a choice or select option label.
LABEL_LIMIT = 100

_DATE_SEPARATORS = frozenset("-/. 年月日")


def is_visible(published: datetime, now: datetime) -> bool:
    """Whether an episode published at ``published`` may be shown to listeners at ``now``."""
    return published <= now


def episode_number(text: str) -> str | None:
    """The episode number in ``389``, ``#389``, ``第389回``, ``第 389 回``, ``389回`` or ``＃３８９``, else ``None``."""
    value = normalize(text).strip().removeprefix("#").strip().removeprefix("第").strip()
    value = value.removesuffix("回").strip()
    return value if value.isdigit() and value.isascii() else None


def date_range(text: str, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """``2025``, ``2025-06`` or ``2025-06-30`` (also ``2025/6/30``, ``2025年6月30日``) as a local ``[start, end)``."""
    folded = normalize(text).strip()
    if not folded or not all(ch.isdigit() or ch in _DATE_SEPARATORS for ch in folded):
        return None
    parts = "".join(ch if ch.isdigit() else " " for ch in folded).split()
    if len(parts) == 1 and len(parts[0]) in (6, 8):  # 202506, 20250630
        digits = parts[0]
        parts = [digits[:4], digits[4:6], digits[6:]] if len(digits) == 8 else [digits[:4], digits[4:6]]
    if not parts or len(parts) > 3 or len(parts[0]) != 4 or not parts[0].startswith(("19", "20", "21")):
        return None
    if any(len(part) > 2 for part in parts[1:]):
        return None
    try:
        year = int(parts[0])
        if len(parts) == 1:
            start, end = date(year, 1, 1), date(year + 1, 1, 1)
        elif len(parts) == 2:
            month = int(parts[1])
            start = date(year, month, 1)
            end = date(year + month // 12, month % 12 + 1, 1)
        else:
            start = date(year, int(parts[1]), int(parts[2]))
            end = start + timedelta(days=1)
    except ValueError:
        return None
    return datetime.combine(start, time(), zone), datetime.combine(end, time(), zone)


def one_line(text: str, limit: int = LABEL_LIMIT) -> str:
    """``text`` on one line of at most ``limit`` characters, cut with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class EpisodeChoice:
    """An episode offered in a menu or autocomplete: ``title`` is the episode's or a matching topic's."""

    key: str
    number: str
    title: str
    published: datetime

    def label(self, zone: ZoneInfo | None = None) -> str:
        """``#389 2025-06-30 タイトル`` (the date in ``zone``, or none without one), at most 100 characters."""
        day = f" {self.published.astimezone(zone):%Y-%m-%d}" if zone is not None else ""
        return one_line(f"#{self.number}{day} {self.title}")
