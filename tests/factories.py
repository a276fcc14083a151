"""Small builders of domain values for tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.episodes.model import Episode, Topic, episode_key
from bot.letters.model import Letter, Status

JST = timezone(timedelta(hours=9))


def make_episode(number: int = 1, *, topics: int = 2, title: str | None = None, **changes: object) -> Episode:
    """An episode of the show's shape, numbered ``number`` and published one day per number from 2024-01-01,
    so that every episode a test makes is in the past (listeners see nothing dated later)."""
    page_url = f"https://zund-arm-on.com/episode/{number}"
    values: dict[str, object] = {
        "key": episode_key(page_url),
        "number": str(number),
        "title": title or f"テスト放送局 podcast {number}",
        "published": datetime(2024, 1, 1, 5, 0, tzinfo=JST) + timedelta(days=number),
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


def make_letter(number: int = 1, body: str = "いつも聴いています。", **changes: object) -> Letter:
    """A new letter to episode 389 in server 111, as the store returns it."""
    values: dict[str, object] = {
        "id": number,
        "guild_id": 111,
        "number": number,
        "author_id": 5,
        "radio_name": "ずんだ好き",
        "body": body,
        "episode_key": "https://zund-arm-on.com/episode/389",
        "episode_number": "389",
        "notify": True,
        "status": Status.NEW,
        "created_at": "2026-03-01T03:00:00+00:00",
        "updated_at": "2026-03-01T03:00:00+00:00",
    }
    values.update(changes)
    return Letter(**values)  # type: ignore[arg-type]


#: A post body whose second topic's title was pasted with blank lines in it (the shape of a real post).
PASTED_TITLE_BODY = """## 関連リンク


- [駅前の自転車置き場が広くなります](https://example.com/city/bicycle)


駅前の自転車置き場が来月から二倍の広さになるのだ。

引用元: https://example.com/city/bicycle


- [「川辺の図書館」夜間開館のお知らせ

市立川辺図書館は、来月から夜九時まで開館します。

学習室も増やし、予約はウェブから受け付けます。](https://library.example.org/news/riverside?id=7)


川辺の図書館が夜遅くまで使えるようになるのだ。学習室の予約もウェブでできるのだ。

引用元: https://library.example.org/news/riverside?id=7


- [週末の天気は晴れ](https://example.com/weather/weekend)


週末は晴れて暖かくなる見込みなのだ。

引用元: https://example.com/weather/weekend


- [お便り投稿フォーム](https://example.com/form)
"""
