"""The posts reader on the real corpus, on the sample content, on broken files and on fuzz."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.episodes.model import Episode
from bot.episodes.posts import MAX_POST_BYTES, PostError, parse_post, read_post
from bot.episodes.site import Site
from bot.episodes.sources import FolderSource
from tests.conftest import CONTENT_DIR
from tests.factories import PASTED_TITLE_BODY

SITE = Site()
JST = timedelta(hours=9)
#: The show's corpus folder and how many posts it holds.
SHOW_CORPUS = "zundamon-episodes"
SHOW_POSTS = 484


def independent_topics(text: str) -> list[tuple[str, str]]:
    """(title, url) of every ``- [title](url)`` line at column 0, read with plain string handling.

    The link text may run over several lines; whitespace runs become one space, backslash escapes
    are resolved, a title wrapped in ``**`` is unwrapped and the URL is percent-encoded the way
    browsers and markdown renderers do. The お便り投稿フォーム link ends the list.
    """
    body = text.split("---\n", 2)[2]
    found = []
    for match in re.finditer(r"^- \[", body, re.MULTILINE):
        rest = body[match.end() :]
        depth, index = 1, 0
        while depth:
            if rest[index] == "\\":
                index += 2
                continue
            depth += {"[": 1, "]": -1}.get(rest[index], 0)
            index += 1
        title = " ".join(rest[: index - 1].split())
        title = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", title)
        if title.startswith("**") and title.endswith("**"):
            title = title[2:-2]
        url = rest[index + 1 : rest.index(")", index)].strip()
        if "お便り投稿フォーム" in title:
            break
        found.append((title, quote(url, safe=";/?:@&=+$,-_.!~*'()#%")))
    return found


@pytest.fixture(scope="module")
def corpus(corpus_dir: Path) -> dict[str, tuple[str, Episode]]:
    """Every corpus post: file name -> (text, episode)."""
    return {
        path.name: (path.read_text(encoding="utf-8"), read_post(path, site=SITE))
        for path in sorted(corpus_dir.glob("*.md"))
    }


# -- the corpus ------------------------------------------------------------------------------------


def test_every_corpus_post_parses_into_a_distinct_episode(
    corpus_dir: Path, corpus: dict[str, tuple[str, Episode]]
) -> None:
    names = sorted(name for name in os.listdir(corpus_dir) if name.endswith(".md"))
    if corpus_dir.name == SHOW_CORPUS:
        assert len(names) == SHOW_POSTS
    assert sorted(corpus) == names  # every .md file is read
    scan = FolderSource(corpus_dir, SITE).scan()  # and the folder source reads each of them too
    assert (sorted(Path(episode.source).name for episode in scan.episodes), scan.failures) == (names, [])
    episodes = [episode for _, episode in corpus.values()]
    assert len({episode.key for episode in episodes}) == len(episodes)
    assert sum(len(episode.topics) for episode in episodes) > 1700


def test_topics_equal_an_independent_reading_of_the_link_lines(
    corpus: dict[str, tuple[str, Episode]],
) -> None:
    mismatches = []
    for name, (text, episode) in corpus.items():
        expected = independent_topics(text)
        got = [(topic.title, topic.url) for topic in episode.topics]
        if got != expected:
            mismatches.append((name, got, expected))
    assert not mismatches, mismatches[:3]


def test_corpus_episode_fields(corpus: dict[str, tuple[str, Episode]]) -> None:
    for name, (text, episode) in corpus.items():
        slug = name[11:-3]
        assert episode.published.utcoffset() == JST, name
        assert episode.published.strftime("%Y-%m-%d") == name[:10], name
        assert episode.page_url == episode.key == f"https://zund-arm-on.com/episode/{slug}", name
        assert episode.number == slug
        assert episode.title, name
        assert episode.actors, name
        assert episode.audio_url is not None, name
        assert episode.audio_url.isascii(), name
        assert " " not in episode.audio_url, name
        assert episode.audio_url.startswith("https://"), name
        assert (episode.youtube_url is not None) == ("youtube.com/embed/" in text), name
        if episode.youtube_url:
            assert re.fullmatch(r"https://www\.youtube\.com/watch\?v=[\w-]{11}", episode.youtube_url)
        assert episode.source.endswith(name)


def test_corpus_summaries_are_clean(corpus: dict[str, tuple[str, Episode]]) -> None:
    for name, (_, episode) in corpus.items():
        for topic in episode.topics:
            summary = topic.summary
            assert summary, (name, topic.title)
            assert summary == summary.strip(), (name, topic.title)
            assert "\n\n\n" not in summary, (name, topic.title)
            assert f"引用元: {topic.url}" not in summary, (name, topic.title)
            assert not re.search(r"(?m)^(\*\*)?タイトル(\*\*)?\s*[:：]", summary), (name, topic.title)
            assert not re.match(r"(\*\*)?要約(\*\*)?\s*[:：]", summary), (name, topic.title)
            assert not re.search(r"(?m)^(?:\\n|\\ )", summary), (name, topic.title)
            assert "お便り投稿フォーム" not in summary, name
            assert "架空の登場組織" not in summary, name
            assert not re.search(r"(?m)^ *[*+] ", summary), (name, topic.title)  # bullets are "- "


STRUCTURE = [
    (
        "2025-06-18-265.md",
        0,
        ["\n\n## エージェント的システムとは\n\n", "\n- **Workflows（", "\n1. **シンプルさ**:"],
    ),
    (
        "2024-09-17-82.md",
        0,
        ["**主な変更点**\n\n- **Python:**\n  - Pydantic 1の", "\n- **JavaScript:**\n  - `@"],
    ),
    ("2024-10-18-104.md", 2, ["\n\n```bash\nnode changeTypeScriptHover.js ~/.vscode 1000\n```\n\n"]),
    ("2026-06-24-510.md", 1, ["\n\n### 1. GLM-5.2の概要と圧倒的な性能\n\n", "。\n\n- **スペック:** 総パラ"]),
    ("2026-06-24-510.md", 0, ["\n\n**1. 3年来の謎：T細胞とグルコースの複雑な関係**\n2022年、"]),
    (
        "2025-07-07-278.md",
        2,
        ["\n\n1. **プロンプトを管理する (Own Your Prompts):**\n   プロンプト", "\n5. **小さく"],
    ),
    ("2025-12-12-385.md", 0, ["**Claude Agent SDK**は", "`pip install claude-agent-sdk`"]),
    ("2024-09-09-77.md", 2, ["`<thinking>`タグ"]),
    ("2026-02-13-424.md", 0, ["HTMLは構造が複雑で、タグやスクリプト"]),
]


@pytest.mark.parametrize(("name", "index", "fragments"), STRUCTURE, ids=[f"{n}#{i}" for n, i, _ in STRUCTURE])
def test_summaries_keep_their_markdown_structure(
    corpus: dict[str, tuple[str, Episode]], name: str, index: int, fragments: list[str]
) -> None:
    summary = corpus[name][1].topics[index].summary
    for fragment in fragments:
        assert fragment in summary


def test_old_layout_labels_are_dropped(corpus: dict[str, tuple[str, Episode]]) -> None:
    first, _, third = corpus["2024-06-17-18.md"][1].topics
    assert first.summary.startswith("「Cat as a service（CATAAS）」は")
    assert third.summary.startswith("イギリス人YouTuberが投稿した動画で")
    escaped = corpus["2024-05-29-4.md"][1].topics
    assert escaped[0].summary.startswith("人気声優の釘宮理恵さんの番組")
    assert escaped[1].summary.startswith("llm.c を用いて")
    assert "\n\nこのモデルは" in escaped[1].summary


def test_odd_titles(corpus: dict[str, tuple[str, Episode]]) -> None:
    split = [topic.title for topic in corpus["2024-08-19-62.md"][1].topics]
    assert "生成AIは社会をどう変えるのか PKSHAが挑む未来のエンジニアリング - ログミーTech" in split
    bold = [topic.title for topic in corpus["2026-01-27-412.md"][1].topics]
    assert "NVIDIA Earth-2 Open Models Span the Whole Weather Stack" in bold
    assert "Expanding Access to Claude for Government \\ Anthropic" in [
        topic.title for topic in corpus["2024-06-27-26.md"][1].topics
    ]
    assert corpus["2024-05-29-4.md"][1].topics[1].url == "https://github.com/karpathy/llm.c/discussions/481%22"


def test_posts_without_topic_links_have_no_topics(corpus: dict[str, tuple[str, Episode]]) -> None:
    assert corpus["2024-05-27-2.md"][1].topics == ()
    lt = corpus["2024-10-15-101.md"][1]
    assert lt.topics == ()
    assert lt.image_url == "https://zund-arm-on.com/images/zund_arm_on_100_notice.png"


# -- the sample content ------------------------------------------------------------------------------

CONTENT_TOPICS = {
    "2026-01-13-1.md": 3,
    "2026-02-10-2.md": 3,
    "2026-03-17-3.md": 4,
    "2026-04-21-4.md": 3,
    "2026-05-19-5.md": 4,
    "2026-06-16-6.md": 3,
}


def test_sample_content_parses_with_the_expected_topics() -> None:
    files = sorted(CONTENT_DIR.glob("*.md"))
    assert {path.name for path in files} == set(CONTENT_TOPICS)
    for path in files:
        episode = read_post(path, site=SITE)
        assert len(episode.topics) == CONTENT_TOPICS[path.name], path.name
        assert [(t.title, t.url) for t in episode.topics] == independent_topics(path.read_text(encoding="utf-8"))
        assert all(topic.summary for topic in episode.topics), path.name
        assert episode.published.utcoffset() == JST


def test_sample_content_covers_every_layout() -> None:
    episodes = {path.name: read_post(path, site=SITE) for path in CONTENT_DIR.glob("*.md")}
    texts = {path.name: path.read_text(encoding="utf-8") for path in CONTENT_DIR.glob("*.md")}
    assert any("\nタイトル:" in text and "\n要約:" in text for text in texts.values())
    assert any("\n引用元: " in text for text in texts.values())
    assert sum(episode.youtube_url is not None for episode in episodes.values()) >= 2
    assert any(episode.information for episode in episodes.values())
    assert any(episode.image_url for episode in episodes.values())
    summaries = [topic.summary for episode in episodes.values() for topic in episode.topics]
    assert any("\n## " in summary for summary in summaries)
    assert any("\n- **" in summary for summary in summaries)
    assert any("\n  - " in summary for summary in summaries)


# -- front matter and fields -------------------------------------------------------------------------


def post(front: str, body: str = "## 関連リンク\n\n- [記事](https://example.com/a)  \n\n要約です。\n") -> str:
    return f"---\n{front}\n---\n{body}"


def test_a_title_pasted_over_blank_lines_is_read_as_its_topic() -> None:
    text = post("title: t\ndate: 2026-01-13", PASTED_TITLE_BODY)
    episode = parse_post(text, filename="2026-01-13-7.md", site=SITE)
    pasted = (
        "「川辺の図書館」夜間開館のお知らせ 市立川辺図書館は、来月から夜九時まで開館します。 "
        "学習室も増やし、予約はウェブから受け付けます。"
    )
    assert [(topic.title, topic.url) for topic in episode.topics] == [
        ("駅前の自転車置き場が広くなります", "https://example.com/city/bicycle"),
        (pasted, "https://library.example.org/news/riverside?id=7"),
        ("週末の天気は晴れ", "https://example.com/weather/weekend"),
    ]
    assert [(topic.title, topic.url) for topic in episode.topics] == independent_topics(text)
    assert [topic.summary for topic in episode.topics] == [
        "駅前の自転車置き場が来月から二倍の広さになるのだ。",
        "川辺の図書館が夜遅くまで使えるようになるのだ。学習室の予約もウェブでできるのだ。",
        "週末は晴れて暖かくなる見込みなのだ。",
    ]


def test_a_pasted_title_without_its_source_line_stays_text() -> None:
    body = PASTED_TITLE_BODY.replace("引用元: https://library.example.org/news/riverside?id=7", "")
    episode = parse_post(post("title: t\ndate: 2026-01-13", body), filename="2026-01-13-7.md", site=SITE)
    assert [topic.url for topic in episode.topics] == [
        "https://example.com/city/bicycle",
        "https://example.com/weather/weekend",
    ]
    assert "夜九時まで開館します。" in episode.topics[0].summary


def test_dates_in_every_form() -> None:
    cases = {
        "date: 2026-01-13 05:00:00 +0900": "2026-01-13T05:00:00+09:00",
        "date: '2026-01-13 05:00:00 +09:00'": "2026-01-13T05:00:00+09:00",
        "date: 2026-01-13 05:00:00": "2026-01-13T05:00:00+09:00",
        "date: 2026-01-13": "2026-01-13T00:00:00+09:00",
        "date: 2026-01-12T20:00:00Z": "2026-01-12T20:00:00+00:00",
        "date: '2026-01-13T05:00'": "2026-01-13T05:00:00+09:00",
    }
    for line, expected in cases.items():
        episode = parse_post(post(f"title: t\n{line}"), filename="2026-01-13-7.md", site=SITE)
        assert episode.published.isoformat() == expected, line


def test_fields_from_front_matter() -> None:
    front = (
        "title: '  第7回  '\ndate: 2026-01-13 05:00:00 +0900\nactor_ids: ずんだもん、四国めたん\n"
        "audio_file_path: /audio/第7回 放送.mp3\nthumbnail_url: /images/t.png\ncard: summary\n"
        "description: 'AIの話題  \n- 一つ目'\ninformation:\npermalink: /special/:year/:slug/"
    )
    body = (
        '<iframe src="https://youtu.be/abcDEF12345"></iframe>\n\n## 関連リンク\n\n'
        "- [記事](https://example.com/a)  \n\n要約です。\n"
    )
    episode = parse_post(post(front, body), filename="2026-01-13-7.md", site=SITE, source="/tmp/x.md")
    assert episode.title == "第7回"
    assert episode.actors == ("ずんだもん", "四国めたん")
    assert episode.audio_url == "https://zund-arm-on.com/audio/%E7%AC%AC7%E5%9B%9E%20%E6%94%BE%E9%80%81.mp3"
    assert episode.image_url == "https://zund-arm-on.com/images/t.png"
    assert episode.description == "AIの話題 - 一つ目"  # YAML folds the quoted lines
    assert episode.information == ""
    assert episode.page_url == "https://zund-arm-on.com/special/2026/7/"
    assert episode.key == "https://zund-arm-on.com/special/2026/7"
    assert episode.youtube_url == "https://www.youtube.com/watch?v=abcDEF12345"
    assert episode.source == "/tmp/x.md"
    assert episode.topics[0].summary == "要約です。"


def test_windows_line_ends_and_byte_order_mark_change_nothing() -> None:
    path = CONTENT_DIR / "2026-03-17-3.md"
    text = path.read_text(encoding="utf-8")
    expected = parse_post(text, filename=path.name, site=SITE)
    crlf = ("\ufeff" + text.replace("\n", "\r\n")).encode()
    assert parse_post(crlf, filename=path.name, site=SITE) == expected


def test_image_url_wins_over_thumbnail_and_card_is_not_an_image() -> None:
    both = parse_post(
        post("title: t\ndate: 2026-01-13\nimage_url: https://cdn.example/i.png\nthumbnail_url: /t.png"),
        filename="2026-01-13-7.markdown",
        site=SITE,
    )
    assert both.image_url == "https://cdn.example/i.png"
    card = parse_post(post("title: t\ndate: 2026-01-13\ncard: summary"), filename="2026-01-13-7.md", site=SITE)
    assert card.image_url is None


def test_watch_url_from_every_player_form() -> None:
    for src in (
        "https://www.youtube.com/embed/abcDEF12345?si=x",
        "https://youtube.com/watch?v=abcDEF12345&t=3",
        "//www.youtube-nocookie.com/embed/abcDEF12345",
    ):
        body = f"<div><iframe width='5' src='{src}'></iframe></div>\n\n## 関連リンク\n"
        episode = parse_post(post("title: t\ndate: 2026-01-13", body), filename="2026-01-13-7.md", site=SITE)
        assert episode.youtube_url == "https://www.youtube.com/watch?v=abcDEF12345", src


# -- broken posts ------------------------------------------------------------------------------------

BROKEN = [
    ("2026-01-13-1.md", b"---\ntitle: [unclosed\ndate: 2026-01-13\n---\nbody", "invalid YAML"),
    ("2026-01-13-1.md", b"title: t\ndate: 2026-01-13\n\nbody", "no front matter"),
    ("2026-01-13-1.md", b"---\ntitle: t\ndate: 2026-01-13\nbody", "not closed"),
    ("2026-01-13-1.md", b"---\n- a\n- b\n---\nbody", "not a mapping"),
    ("2026-01-13-1.md", b"---\n---\nbody", "front matter is empty"),
    ("2026-01-13-1.md", b"---\ntitle: '  '\ndate: 2026-01-13\n---\n", "empty title"),
    ("2026-01-13-1.md", b"---\ndate: 2026-01-13\n---\n", "empty title"),
    ("2026-01-13-1.md", b"---\ntitle: t\ndate: yesterday\n---\n", "unparseable date"),
    ("2026-01-13-1.md", b"---\ntitle: t\ndate: 2026-13-45\n---\n", "month must be in 1..12"),
    ("2026-01-13-1.md", b"---\ntitle: t\ndate: 2026-02-30 10:00:00\n---\n", "invalid YAML"),
    ("2026-01-13-1.md", bytes(range(256)) * 4, "NUL"),
    ("2026-01-13-1.md", b"---\ntitle: \xff\xfe\n---\n", "not valid UTF-8"),
    ("2026-01-13-1.md", b"---\ntitle: t\x00\n---\n", "NUL"),
    ("notes.md", b"---\ntitle: t\ndate: 2026-01-13\n---\n", "not a post name"),
    ("2026-02-30-1.md", b"---\ntitle: t\ndate: 2026-01-13\n---\n", "valid date"),
    ("2026-01-13-1.txt", b"---\ntitle: t\ndate: 2026-01-13\n---\n", "not a post name"),
]


@pytest.mark.parametrize(("zone", "offset"), [("Asia/Tokyo", JST), ("UTC", timedelta(0))])
def test_a_post_without_a_date_takes_the_file_names_date_at_midnight_in_the_site_zone(
    tmp_path: Path, zone: str, offset: timedelta
) -> None:
    """Jekyll's rule: without ``date:`` in the front matter the date is the file name's, at midnight locally."""
    site = Site(zone=ZoneInfo(zone))
    for front in ("title: t", "title: t\ndate:", "title: t\ndate: ''"):
        path = tmp_path / "2026-01-13-7.md"
        path.write_text(f"---\n{front}\n---\nbody\n", encoding="utf-8")
        episode = read_post(path, site=site)
        assert episode.published == datetime(2026, 1, 13, tzinfo=ZoneInfo(zone))
        assert episode.published.astimezone(UTC) == datetime(2026, 1, 13, tzinfo=UTC) - offset
        assert episode.page_url.endswith("/episode/7")


def test_a_date_in_the_front_matter_wins_over_the_file_names(tmp_path: Path) -> None:
    path = tmp_path / "2026-01-13-7.md"
    path.write_text("---\ntitle: t\ndate: 2026-01-14 06:00:00 +0900\n---\n", encoding="utf-8")
    assert read_post(path, site=SITE).published == datetime(2026, 1, 13, 21, tzinfo=UTC)


@pytest.mark.parametrize(("name", "content", "reason"), BROKEN)
def test_broken_posts_raise_post_error_naming_file_and_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PostError) as caught:
        read_post(path, site=SITE)
    assert caught.value.filename == name
    assert reason in caught.value.reason
    assert str(caught.value) == f"{name}: {caught.value.reason}"


def test_huge_files_are_rejected_without_reading_them_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "2026-01-13-1.md"
    path.write_bytes(b"---\ntitle: t\ndate: 2026-01-13\n---\n" + b"x" * (10 * 1024 * 1024))
    reads: list[int] = []
    original = Path.open

    def spying_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        handle = original(self, *args, **kwargs)  # type: ignore[call-overload]
        read = handle.read
        handle.read = lambda size=-1: reads.append(size) or read(size)  # type: ignore[method-assign]
        return handle

    monkeypatch.setattr(Path, "open", spying_open)
    with pytest.raises(PostError, match="larger than"):
        read_post(path, site=SITE)
    assert reads == [MAX_POST_BYTES + 1]


def test_unreadable_paths_raise_post_error(tmp_path: Path) -> None:
    with pytest.raises(PostError, match="cannot read"):
        read_post(tmp_path / "2026-01-13-1.md", site=SITE)
    directory = tmp_path / "2026-01-13-2.md"
    directory.mkdir()
    with pytest.raises(PostError, match="cannot read"):
        read_post(directory, site=SITE)


# -- fuzz --------------------------------------------------------------------------------------------

FRONT_LINES = st.sampled_from(
    [
        "title: t", "title:", "title: [a, b]", "title: {a: 1}", "title: 12", "date: 2026-01-13",
        "date: 2026-01-13 05:00:00 +0900", "date: '2026-01-13T05:00:00+09:00'", "date: now", "date: [1]",
        "date: 2026-99-99", "actor_ids: [a, 1, null]", "actor_ids: x", "audio_file_path: /a b.mp3",
        "audio_file_path: 3", "image_url: ://x", "permalink: /:year/:slug", "permalink: 5", "- x", "&a *a",
        "information: |\n  a\n  b", "key: !!binary AAAA", "key: !!python/object:os.system x", "? complex",
        "date: 2026-01-13 25:61:00", "'",
    ]
)  # fmt: skip
BODIES = st.sampled_from(
    [
        "",
        "## 関連リンク\n\n- [t](https://e.x/a)\n\n要約: x\n",
        "- [\n",
        "<iframe src='x'>",
        "```\n",
        "> " * 50,
    ]
)


def episode_or_error(content: str | bytes) -> Episode | PostError:
    """The episode, or the PostError (any other exception fails the test)."""
    try:
        return parse_post(content, filename="2026-01-13-5.md", site=SITE)
    except PostError as exc:
        return exc


@settings(max_examples=300, deadline=None)
@given(st.lists(FRONT_LINES, max_size=8), st.text(max_size=200), BODIES)
def test_front_matter_fuzz_gives_an_episode_or_post_error(lines: list[str], text: str, body: str) -> None:
    document = "---\n" + "\n".join(lines) + "\n---\n" + body + text
    result = episode_or_error(document)
    if isinstance(result, PostError):
        assert result.filename == "2026-01-13-5.md"
        assert result.reason
    else:
        assert result.published.tzinfo is not None
        assert result.title


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=600), st.text(max_size=600)))
def test_arbitrary_content_gives_an_episode_or_post_error(content: bytes | str) -> None:
    result = episode_or_error(content)
    if isinstance(result, PostError):
        assert str(result).startswith("2026-01-13-5.md: ")
    else:
        assert result.number == "5"
