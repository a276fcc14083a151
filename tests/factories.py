"""Small builders of domain values for tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.episodes.model import Episode, Topic, episode_key

JST = timezone(timedelta(hours=9))


def make_episode(number: int = 1, *, topics: int = 2, title: str | None = None, **changes: object) -> Episode:
    """An episode of the show's shape, numbered ``number`` and published one day per number."""
    page_url = f"https://zund-arm-on.com/episode/{number}"
    values: dict[str, object] = {
        "key": episode_key(page_url),
        "number": str(number),
        "title": title or f"テスト放送局 podcast {number}",
        "published": datetime(2026, 1, 1, 5, 0, tzinfo=JST) + timedelta(days=number),
        "page_url": page_url,
        "actors": ("ずんだもん",),
        "description": f"第{number}回の説明",
        "audio_url": f"https://zund-arm-on.com/audio/{number}.mp3",
        "topics": tuple(
            Topic(f"話題{number}-{i}", f"https://example.com/{number}/{i}", f"要約 **{i}**\n\n- 箇条書き")
            for i in range(topics)
        ),
    }
    values.update(changes)
    return Episode(**values)  # type: ignore[arg-type]
