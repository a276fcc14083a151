"""The feed reader: this site's feed gives the same episodes as its posts; generic and broken feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.episodes.feed import MAX_FEED_BYTES, FeedError, FeedResult, parse_feed
from bot.episodes.model import Episode
from bot.episodes.posts import read_post
from bot.episodes.site import Site
from tests.conftest import CONTENT_DIR
from tests.factories import PASTED_TITLE_BODY
from tests.jekyll import Entry, atom_feed, rdf_feed, render_post, rss_feed

SITE = Site()
FEED_URL = "https://zund-arm-on.com/feed.xml"
FIELDS = (
    "key", "number", "title", "published", "page_url", "audio_url", "youtube_url", "image_url", "actors",
    "description",
)  # fmt: skip


def compare(posts: list[Path]) -> tuple[FeedResult, dict[str, Episode]]:
    """Parse the posts, render them into the site's feed, read it back: (feed result, posts by key)."""
    by_key = {episode.key: episode for episode in (read_post(path, site=SITE) for path in posts)}
    data = rss_feed(render_post(path) for path in posts)
    return parse_feed(data, url=FEED_URL, site=SITE), by_key


def assert_same_episodes(result: FeedResult, posts: dict[str, Episode]) -> None:
    assert result.problems == []
    assert len(result.episodes) == len(posts)
    for episode in result.episodes:
        post = posts[episode.key]
        for name in FIELDS:
            assert getattr(episode, name) == getattr(post, name), (post.number, name)
        assert len(episode.topics) == len(post.topics), post.number
        for index, (from_feed, from_post) in enumerate(zip(episode.topics, post.topics, strict=True)):
            where = (post.number, index)
            assert from_feed.title == from_post.title, where
            assert from_feed.url == from_post.url, where
            assert from_feed.summary == from_post.summary, where
        assert episode.source == FEED_URL


@pytest.mark.corpus
def test_corpus_feed_gives_the_same_episodes_as_the_posts(corpus_dir: Path) -> None:
    result, posts = compare(sorted(corpus_dir.glob("*.md")))
    assert result.title == "株式会社ずんだもん技術室AI放送局"
    assert_same_episodes(result, posts)
    published = [episode.published for episode in result.episodes]
    assert published == sorted(published, reverse=True)
    assert sum(len(episode.topics) for episode in result.episodes) > 1700


def test_sample_content_feed_gives_the_same_episodes_as_the_posts() -> None:
    result, posts = compare(sorted(CONTENT_DIR.glob("*.md")))
    assert_same_episodes(result, posts)
    assert all(episode.topics for episode in result.episodes)


def test_a_title_pasted_over_blank_lines_is_the_same_topic_in_the_feed(tmp_path: Path) -> None:
    path = tmp_path / "2026-01-13-7.md"
    path.write_text(
        f"---\ntitle: t\ndate: 2026-01-13\nactor_ids: [zundamon]\n---\n{PASTED_TITLE_BODY}", encoding="utf-8"
    )
    result, posts = compare([path])
    assert_same_episodes(result, posts)
    assert [topic.url for topic in result.episodes[0].topics][1] == "https://library.example.org/news/riverside?id=7"


# -- generic feeds -----------------------------------------------------------------------------------

PODCAST_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/">
<channel>
  <title>Tech Morning Radio</title>
  <link>https://radio.example.com/</link>
  <itunes:author>Tech Morning</itunes:author>
  <item>
    <title>#42 量子化とエッジAI</title>
    <link>https://radio.example.com/episodes/42/</link>
    <guid isPermaLink="false">tmr-0042</guid>
    <pubDate>Tue, 13 Jan 2026 06:00:00 +0900</pubDate>
    <itunes:episode>42</itunes:episode>
    <itunes:author>Alice &amp; Bob</itunes:author>
    <itunes:image href="https://radio.example.com/art/42.jpg"/>
    <enclosure url="https://cdn.example.com/audio/第42回.mp3" length="123" type="audio/mpeg"/>
    <description><![CDATA[<p>今週は<strong>量子化</strong>の話。<script>track()</script></p>
      <ul><li>4bit量子化</li><li><a href="/notes/42">番組ノート</a></li></ul>]]></description>
  </item>
  <item>
    <title>#41 RAGの評価</title>
    <link>/episodes/41/</link>
    <guid>https://radio.example.com/episodes/41/</guid>
    <pubDate>Tue, 06 Jan 2026 06:00:00 GMT</pubDate>
    <media:thumbnail url="https://radio.example.com/art/41.jpg"/>
    <enclosure url="https://cdn.example.com/audio/41.m4a" length="5" type="audio/x-m4a"/>
    <content:encoded><![CDATA[<p>評価データの作り方。</p>]]></content:encoded>
  </item>
  <item>
    <title>予告</title>
    <link>https://radio.example.com/episodes/trailer</link>
  </item>
  <item>
    <link>https://radio.example.com/episodes/40/</link>
    <pubDate>Tue, 30 Dec 2025 06:00:00 +0900</pubDate>
  </item>
  <item>
    <title>#41 RAGの評価（再掲）</title>
    <link>https://radio.example.com/episodes/41</link>
    <pubDate>Tue, 06 Jan 2026 07:00:00 GMT</pubDate>
  </item>
  <item>
    <title>番外編</title>
    <guid isPermaLink="false">tmr-extra-1</guid>
    <dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">Carol</dc:creator>
    <pubDate>Wed, 07 Jan 2026 06:00:00 +0900</pubDate>
  </item>
</channel>
</rss>
"""


def test_generic_rss_podcast_feed() -> None:
    result = parse_feed(PODCAST_RSS.encode(), url="https://radio.example.com/feed.xml")
    assert result.title == "Tech Morning Radio"
    first, second, extra = result.episodes
    assert first.key == "https://radio.example.com/episodes/42"
    assert first.page_url == "https://radio.example.com/episodes/42/"
    assert first.number == "42"
    assert first.title == "#42 量子化とエッジAI"
    assert first.published.isoformat() == "2026-01-13T06:00:00+09:00"
    assert first.actors == ("Alice", "Bob")
    assert first.audio_url == "https://cdn.example.com/audio/%E7%AC%AC42%E5%9B%9E.mp3"
    assert first.image_url == "https://radio.example.com/art/42.jpg"
    assert first.description == "今週は量子化の話。\n\n- 4bit量子化\n- 番組ノート"
    assert first.topics == ()
    assert second.page_url == "https://radio.example.com/episodes/41/"
    assert second.number == "41"
    assert second.published == datetime(2026, 1, 6, 6, tzinfo=UTC)
    assert second.audio_url == "https://cdn.example.com/audio/41.m4a"
    assert second.image_url == "https://radio.example.com/art/41.jpg"
    assert second.description == "評価データの作り方。"
    assert extra.key == "tmr-extra-1"
    assert extra.actors == ("Carol",)
    assert result.problems == [
        "item 3 (予告): no publication date; skipped",
        "item 4 (untitled): no title; skipped",
        "item 5 (#41 RAGの評価（再掲）): duplicate of an earlier item (https://radio.example.com/episodes/41); skipped",
    ]


def test_items_that_all_link_to_the_show_are_known_by_their_guid() -> None:
    def item(n: int, guid: str) -> str:
        return (
            f"<item><title>第{n}回</title><link>https://show.example.com/</link>{guid}"
            f"<itunes:episode>{n}</itunes:episode><pubDate>Mon, 0{n} Jun 2026 06:00:00 +0000</pubDate>"
            f'<enclosure url="https://cdn.example.com/{n}.mp3" type="audio/mpeg" length="1"/></item>'
        )

    def feed(*items: str) -> bytes:
        return (
            '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>'
            "<title>Show</title><link>https://show.example.com/</link>" + "".join(items) + "</channel></rss>"
        ).encode()

    first = item(1, '<guid isPermaLink="false">show-ep-1</guid>')
    alone = parse_feed(feed(first), url="https://show.example.com/feed.xml")
    assert [e.key for e in alone.episodes] == ["show-ep-1"]  # from the first episode on, not only once shared
    result = parse_feed(
        feed(
            item(3, '<guid isPermaLink="false">show-ep-3</guid>'),
            item(2, "<guid>https://x.example/2</guid>"),
            first,
            item(4, ""),
        ),
        url="https://show.example.com/feed.xml",
    )
    assert [(e.key, e.number, e.page_url) for e in result.episodes] == [
        ("show-ep-3", "3", "https://show.example.com/"),
        ("https://x.example/2", "2", "https://show.example.com/"),
        ("show-ep-1", "1", "https://show.example.com/"),
    ]
    assert result.problems == ["item 4 (第4回): its link is the show's or another item's, and it has no guid; skipped"]


def test_feed_dates_follow_the_site_zone_when_given() -> None:
    result = parse_feed(PODCAST_RSS.encode(), url="https://radio.example.com/feed.xml", site=SITE)
    assert result.episodes[1].published.isoformat() == "2026-01-06T15:00:00+09:00"


def test_generic_atom_and_rdf_feeds() -> None:
    entries = [
        Entry(
            "Atom episode",
            "https://blog.example.org/ep/7",
            datetime(2026, 2, 1, 21, tzinfo=UTC),
            "<p>Show <em>notes</em> &amp; links</p>",
            "Dana, Eve",
            "https://blog.example.org/ep7.mp3",
        ),
        Entry("No date", "https://blog.example.org/ep/8", None),
    ]
    atom = parse_feed(atom_feed(entries, title="Atom Show", link="https://blog.example.org/"), url="u")
    rdf = parse_feed(rdf_feed(entries, title="RDF Show", link="https://blog.example.org/"), url="u")
    for result, title in ((atom, "Atom Show"), (rdf, "RDF Show")):
        assert result.title == title
        assert result.problems == ["item 2 (No date): no publication date; skipped"]
        (episode,) = result.episodes
        assert episode.key == episode.page_url == "https://blog.example.org/ep/7"
        assert episode.number == "7"
        assert episode.published == datetime(2026, 2, 1, 21, tzinfo=UTC)
        assert episode.actors == ("Dana", "Eve")
        assert episode.description == "Show notes & links"
    assert atom.episodes[0].audio_url == "https://blog.example.org/ep7.mp3"
    assert rdf.episodes[0].audio_url is None


PODCAST_ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
  <title type="text">夜のAIラジオ</title>
  <link rel="alternate" href="https://night.example.jp/"/>
  <id>tag:night.example.jp,2026:feed</id>
  <updated>2026-03-02T23:00:00+09:00</updated>
  <entry>
    <title type="html">第3回 &lt;em&gt;推論&lt;/em&gt;のコスト</title>
    <link rel="alternate" type="text/html" href="https://night.example.jp/shows/3"/>
    <link rel="enclosure" type="audio/mpeg" length="1000" href="/audio/3.mp3"/>
    <id>tag:night.example.jp,2026:3</id>
    <updated>2026-03-02T23:00:00+09:00</updated>
    <author><name>夜更かしずんだ</name></author>
    <author><name>めたん</name></author>
    <media:thumbnail url="https://night.example.jp/thumbs/3.png"/>
    <content type="html">&lt;p&gt;推論コストの話。&lt;a href="https://paper.example.org/x"&gt;論文&lt;/a&gt;&lt;/p&gt;</content>
  </entry>
</feed>
"""


def test_generic_atom_podcast_feed() -> None:
    result = parse_feed(PODCAST_ATOM.encode(), url="https://night.example.jp/feed.atom")
    assert result.title == "夜のAIラジオ"
    assert result.problems == []
    (episode,) = result.episodes
    assert episode.title == "第3回 推論のコスト"
    assert episode.key == episode.page_url == "https://night.example.jp/shows/3"
    assert episode.number == "3"
    assert episode.published.isoformat() == "2026-03-02T23:00:00+09:00"
    assert episode.actors == ("夜更かしずんだ", "めたん")
    assert episode.audio_url == "https://night.example.jp/audio/3.mp3"
    assert episode.image_url == "https://night.example.jp/thumbs/3.png"
    assert episode.description == "推論コストの話。論文"


def test_site_items_in_any_feed_get_topics_and_the_player() -> None:
    html = (
        '<h2>youtube版</h2><div><iframe src="https://www.youtube.com/embed/abcDEF12345"></iframe></div>'
        "<h2>関連リンク</h2><ul><li><a href='https://news.example/a'>記事A</a></li></ul>"
        "<p>要約: Aの<strong>要約</strong>です。</p><p>引用元: https://news.example/a</p>"
        "<ul><li><a href='javascript:alert(1)'>危険</a></li></ul><p>続き</p>"
        "<ul><li><a href='/b'>記事B</a></li></ul><p>Bの要約。</p>"
        "<ul><li><a href='https://forms.example/x'>お便り投稿フォーム</a></li></ul><p>おわり</p>"
    )
    rss = (
        '<rss version="2.0"><channel><title>S</title><item><title>第1回</title>'
        "<link>https://zund.example/episode/1</link><pubDate>Mon, 05 Jan 2026 06:00:00 +0900</pubDate>"
        f"<description>{escape(html)}</description></item></channel></rss>"
    )
    (episode,) = parse_feed(rss.encode(), url="https://zund.example/feed.xml").episodes
    assert episode.youtube_url == "https://www.youtube.com/watch?v=abcDEF12345"
    assert [(topic.title, topic.url) for topic in episode.topics] == [
        ("記事A", "https://news.example/a"),
        ("記事B", "https://zund.example/b"),
    ]
    assert episode.topics[0].summary == "Aの**要約**です。\n\n- 危険\n\n続き"
    assert episode.topics[1].summary == "Bの要約。"


# -- documents that are not feeds, truncated and huge ones -------------------------------------------

NOT_FEEDS = [
    (b"<!DOCTYPE html><html><head><title>Hi</title></head><body><p>page</p></body></html>", "not an RSS"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "looks like JSON"),
    (b"\x00\x01\x02garbage\xff" * 50, "not XML"),
    (b"", "empty document"),
    (b"   \n\t", "empty document"),
    (b'<?xml version="1.0"?><config><item>1</item></config>', "not an RSS"),
    (b"<<<<>>>>", "not an RSS"),
]


@pytest.mark.parametrize(("data", "reason"), NOT_FEEDS)
def test_documents_that_are_not_feeds_raise_feed_error(data: bytes, reason: str) -> None:
    with pytest.raises(FeedError, match=reason):
        parse_feed(data, url="https://example.com/feed")


def test_truncated_feed_returns_what_parsed_and_a_problem() -> None:
    data = PODCAST_RSS.encode()
    cut = data[: data.index(b"<title>#41")]
    result = parse_feed(cut, url="https://radio.example.com/feed.xml")
    assert [episode.number for episode in result.episodes] == ["42"]
    assert result.problems[0].startswith("feed is not well-formed (")
    assert "read 2 item(s) that parsed" in result.problems[0]


def test_feeds_over_the_size_limit_are_refused() -> None:
    with pytest.raises(FeedError, match="larger than the limit"):
        parse_feed(PODCAST_RSS.encode(), url="u", max_bytes=1000)
    with pytest.raises(FeedError, match=f"limit of {MAX_FEED_BYTES} bytes"):
        parse_feed(b" " * (MAX_FEED_BYTES + 1), url="u")


def test_feedparser_never_reads_files_named_by_the_data(tmp_path: Path) -> None:
    secret = tmp_path / "feed.xml"
    secret.write_bytes(PODCAST_RSS.encode())
    with pytest.raises(FeedError):
        parse_feed(str(secret).encode(), url="u")


# -- fuzz --------------------------------------------------------------------------------------------

FIELD_XML = st.sampled_from(
    [
        "<title>t</title>", "<title></title>", "<title>&lt;b&gt;x</title>", "<link>https://e.x/a/1</link>",
        "<link>/rel</link>", "<link>javascript:x</link>", "<guid>g</guid>", "<guid>https://e.x/g</guid>",
        "<pubDate>Mon, 05 Jan 2026 06:00:00 +0900</pubDate>", "<pubDate>yesterday</pubDate>",
        "<pubDate>2026-01-05T06:00:00</pubDate>", "<pubDate>Mon, 99 Foo 2026 99:99:99 +9999</pubDate>",
        "<enclosure url='x' type='audio/mpeg'/>", "<enclosure type='audio/mpeg'/>",
        "<description>&lt;h2&gt;関連リンク&lt;/h2&gt;&lt;ul&gt;&lt;li&gt;&lt;a href='https://a.x'&gt;t</description>",
        "<description>&lt;iframe src='https://youtu.be/abcDEF12345'&gt;</description>",
        "<description><![CDATA[<p>x<ul><li>[broken](]]></description>", "<itunes:episode>3</itunes:episode>",
        "<author>a@b.c (A)</author>", "<media:content url='https://e.x/i.png' medium='image'/>",
    ]
)  # fmt: skip
FEEDS = st.lists(st.lists(FIELD_XML, max_size=6).map("".join), max_size=5).map(
    lambda items: (
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:media="http://search.yahoo.com/mrss/"><channel><title>F</title>'
        + "".join(f"<item>{item}</item>" for item in items)
        + "</channel></rss>"
    ).encode()
)


def result_or_error(data: bytes) -> FeedResult | FeedError:
    """The result, or the FeedError (any other exception fails the test)."""
    try:
        return parse_feed(data, url="https://e.x/feed", site=SITE)
    except FeedError as exc:
        return exc


@settings(max_examples=200, deadline=None)
@given(FEEDS, st.integers(min_value=0, max_value=400))
def test_generated_feeds_and_their_truncations_never_raise_anything_else(data: bytes, cut: int) -> None:
    for candidate in (data, data[: len(data) - cut]):
        result = result_or_error(candidate)
        if isinstance(result, FeedResult):
            assert all(episode.published.tzinfo is not None for episode in result.episodes)
            assert all(episode.title for episode in result.episodes)
        else:
            assert str(result)
            assert "\n" not in str(result)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=500))
def test_arbitrary_bytes_never_raise_anything_else(data: bytes) -> None:
    result = result_or_error(data)
    assert isinstance(result, FeedError) or all(episode.title for episode in result.episodes)
