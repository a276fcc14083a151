"""Lookup answers as payloads: paging, links, escaping and Discord's limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.episodes.model import Topic
from bot.render import message_problems
from bot.search.model import Filters, Hit, SearchResult, Stats, TopicRef
from bot.search.present import (
    describe_filters,
    episode_pages,
    page_count,
    random_topic_payload,
    search_page,
    stats_payload,
    topics_pages,
)
from bot.search.query import parse_query
from tests.factories import make_episode

ZONE = ZoneInfo("Asia/Tokyo")
WHEN = datetime(2025, 6, 30, 5, 0, tzinfo=timezone(timedelta(hours=9)))


def search_pages(result: SearchResult, query: str, **options: object) -> list[dict[str, object]]:
    parsed = parse_query(query)
    count = page_count(len(result.hits))
    return [search_page(result, parsed, page, zone=ZONE, **options) for page in range(count)]  # type: ignore[arg-type]


def hit(n: int, **changes: object) -> Hit:
    values: dict[str, object] = {
        "episode_key": f"https://zund-arm-on.com/episode/{n}",
        "number": str(n),
        "published": WHEN,
        "page_url": f"https://zund-arm-on.com/episode/{n}",
        "episode_title": f"podcast {n}",
        "position": 0,
        "title": f"推論の話 {n}",
        "url": f"https://zenn.dev/x/{n}",
        "text": "前置き。" * 10 + "ここで推論を説明する。" + "後書き。" * 10,
        "site": "zenn.dev",
        "score": -1.0,
    }
    values.update(changes)
    return Hit(**values)  # type: ignore[arg-type]


def test_five_results_a_page_with_links_dates_and_bold_snippets() -> None:
    result = SearchResult(tuple(hit(n) for n in range(1, 13)))
    pages = search_pages(result, "推論")
    assert len(pages) == 3
    first = pages[0]["embeds"][0]
    assert first["description"].count("\n\n") == 4
    assert "**1.** [推論の話 1](https://zenn.dev/x/1)" in first["description"]
    assert "[第1回 2025-06-30](https://zund-arm-on.com/episode/1) ・ zenn\\.dev" in first["description"]
    assert "**推論**を説明" in first["description"]
    assert first["footer"]["text"] == "1/3 ページ・全 12 件"
    assert pages[2]["embeds"][0]["description"].startswith("**11.**")
    assert all(not message_problems(page) for page in pages)


def test_english_locale_and_recency_footer() -> None:
    result = SearchResult((hit(1),), more=True, by_relevance=False)
    embed = search_pages(result, "推論", locale="en-US")[0]["embeds"][0]
    assert embed["title"] == "🔍 Results for “推論”"
    assert embed["footer"]["text"] == (
        "Page 1/1 · top 1 hits (there are more)\nA common word: topics with it in the title first, newest first"
    )


def test_filters_are_described() -> None:
    filters = Filters.from_input(zone=ZONE, mc="ずんだもん", site="zenn.dev", since="2025-01-01", until="2025-06-30")
    embed = search_pages(SearchResult((hit(1),)), "推論", filters=filters)[0]["embeds"][0]
    assert embed["description"].startswith(
        "絞り込み: 出演者 ずんだもん・サイト zenn\\.dev・2025-01-01 以降・2025-06-30 まで"
    )


def test_hostile_titles_and_huge_results_stay_within_limits() -> None:
    hostile = hit(
        1,
        title="[偽リンク](https://evil.test) **太字** <@123> @everyone " + "長" * 500,
        url="https://example.com/" + "a" * 1500,
        text="x" * 5000,
    )
    pages = search_pages(SearchResult((hostile,) * 5), "x")
    description = pages[0]["embeds"][0]["description"]
    assert "[偽リンク](https" not in description
    assert "\\<@123\\>" in description  # the show's title, lightly escaped: no tag, no link
    assert all(not message_problems(page) for page in pages)


def test_episode_hits_say_so_and_link_the_page() -> None:
    whole = hit(7, position=None, title="podcast 7", url="https://zund-arm-on.com/episode/7", site="")
    description = search_pages(SearchResult((whole,)), "推論")[0]["embeds"][0]["description"]
    assert "エピソード全体" in description


def test_episode_pages_are_the_announcement_without_headline() -> None:
    episode = make_episode(389, topics=3)
    pages = episode_pages(episode, zone=ZONE)
    assert "content" not in pages[0]
    assert pages[0]["components"][0]["components"][-1]["custom_id"] == "zb:letter:389"
    assert len(pages) >= 2
    assert all(not message_problems(page) for page in pages)


def test_topics_pages_list_every_topic_with_links() -> None:
    episode = replace(
        make_episode(5, topics=0),
        topics=tuple(Topic(f"話題{i}", f"https://qiita.com/{i}") for i in range(12)),
    )
    pages = topics_pages([episode, make_episode(6, topics=0)], zone=ZONE)
    assert len(pages) == 3
    assert pages[0]["embeds"][0]["description"].startswith("1. [話題0](https://qiita.com/0) ・ qiita\\.com")
    assert pages[1]["embeds"][0]["description"].startswith("11. ")
    assert pages[2]["embeds"][0]["description"] == "このエピソードには話題の一覧がないのだ。"


def test_random_and_stats_payloads() -> None:
    topic = TopicRef(
        "k", "12", WHEN, "https://zund-arm-on.com/episode/12", 0, "題", "https://a.test", "**要約**", "a.test"
    )
    embed = random_topic_payload(topic, zone=ZONE)["embeds"][0]
    assert embed["description"] == "要約"
    assert embed["fields"][0]["value"] == "[第12回 (2025-06-30)](https://zund-arm-on.com/episode/12)"
    stats = Stats(3, 9, WHEN, WHEN, (("zenn.dev", 5),), (("ずんだもん", 3),), (("2025-06", 3),))
    fields = stats_payload(stats, zone=ZONE)["embeds"][0]["fields"]
    assert [field["value"] for field in fields][:3] == ["3", "9", "2025-06-30 〜 2025-06-30"]
    assert fields[3]["value"] == "1. zenn\\.dev — 5 件"
    assert stats_payload(Stats(), zone=ZONE)["embeds"][0]["description"] == "まだエピソードがないのだ。"


def test_the_filter_line_names_any_date_as_typed() -> None:
    for zone in (ZONE, ZoneInfo("America/Los_Angeles"), ZoneInfo("Pacific/Kiritimati")):
        filters = Filters.from_input(zone=zone, since="0001-01-01", until="9999-12-31")
        assert describe_filters(filters, zone, "ja") == "絞り込み: 0001-01-01 以降・9999-12-31 まで"
        filters = Filters.from_input(zone=zone, since="1969-12-31", until="2025-06-30")
        assert describe_filters(filters, zone, "en") == "Filters: from 1969-12-31・until 2025-06-30"
