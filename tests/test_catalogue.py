"""How a person names an episode, and the visibility rule (bot.episodes.catalogue)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.episodes.catalogue import EpisodeChoice, date_range, episode_number, is_visible

JST = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("389", "389"),
        (" #389 ", "389"),
        ("＃３８９", "389"),
        ("第389回", "389"),
        ("第 389 回", "389"),
        ("389回", "389"),
        ("#第389回", "389"),
        ("", None),
        ("#", None),
        ("第回", None),
        ("389a", None),
        ("3 89", None),
        ("-1", None),
        ("٣٨٩", None),  # other scripts' digits are not episode numbers
        ("推論", None),
    ],
)
def test_episode_number(text: str, number: str | None) -> None:
    assert episode_number(text) == number


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025", datetime(2025, 1, 1, tzinfo=JST), datetime(2026, 1, 1, tzinfo=JST)),
        ("2025-12", datetime(2025, 12, 1, tzinfo=JST), datetime(2026, 1, 1, tzinfo=JST)),
        ("2025/6/30", datetime(2025, 6, 30, tzinfo=JST), datetime(2025, 7, 1, tzinfo=JST)),
        ("20250630", datetime(2025, 6, 30, tzinfo=JST), datetime(2025, 7, 1, tzinfo=JST)),
        ("２０２５年６月３０日", datetime(2025, 6, 30, tzinfo=JST), datetime(2025, 7, 1, tzinfo=JST)),
        ("2025.06", datetime(2025, 6, 1, tzinfo=JST), datetime(2025, 7, 1, tzinfo=JST)),
    ],
)
def test_date_range(text: str, start: datetime, end: datetime) -> None:
    assert date_range(text, JST) == (start, end)


@pytest.mark.parametrize("text", ["389", "2025-13", "2025-02-30", "1800", "2025-1-2-3", "2025-123", "今日", ""])
def test_not_a_date(text: str) -> None:
    assert date_range(text, JST) is None


@given(st.text())
def test_any_text_is_read_without_raising(text: str) -> None:
    number = episode_number(text)
    assert number is None or number.isdigit()
    found = date_range(text, JST)
    assert found is None or found[0] < found[1]


def test_visible_from_the_publication_time_on() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert is_visible(now, now)
    assert is_visible(now - timedelta(seconds=1), now)
    assert not is_visible(now + timedelta(seconds=1), now)


def test_choice_label_fits_discord() -> None:
    choice = EpisodeChoice("k", "389", "長い\nタイトル" * 40, datetime(2025, 6, 30, 20, tzinfo=UTC))
    assert choice.label(JST).startswith("#389 2025-07-01 長い タイトル")
    assert len(choice.label(JST)) == 100
    assert choice.label(JST).endswith("…")
    assert choice.label() == "#389 " + choice.title.replace("\n", " ")[:94] + "…"
