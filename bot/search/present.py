"""Lookup answers as Discord message payloads (plain dicts, like :mod:`bot.render`): pure, no discord import.

Every payload stays within Discord's limits (embed description 4096, field value 1024, 6000 per message) and
shows listener-visible text escaped, so titles and summaries can never format, link or mention.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from bot import i18n, render
from bot.episodes.model import Episode
from bot.output import collapse, escape_light, escape_markdown, escape_title, link, safe_url, truncate
from bot.search.model import Filters, Hit, SearchResult, Stats, TopicRef
from bot.search.query import Query
from bot.search.snippet import plain_text, snippet

Payload = dict[str, Any]

PER_PAGE = 5
#: Snippet widths tried, widest first, until a page fits in one embed description.
SNIPPET_WIDTHS = (160, 100, 60, 0)
TITLE_LIMIT = 100
TOPICS_PER_PAGE = 10
COLOR = render.COLOR

i18n.register(
    {
        "lookup.results_title": {"ja": "🔍「{query}」の検索結果", "en": "🔍 Results for “{query}”"},
        "lookup.results_footer": {
            "ja": "{page}/{pages} ページ・全 {total} 件",
            "en": "Page {page}/{pages} · {total} hits",
        },
        "lookup.results_footer_more": {
            "ja": "{page}/{pages} ページ・上位 {total} 件（さらにあるのだ）",
            "en": "Page {page}/{pages} · top {total} hits (there are more)",
        },
        "lookup.results_by_recency": {
            "ja": "よく出てくる言葉なので、タイトルに含む話題から新しい順に表示しているのだ",
            "en": "A common word: topics with it in the title first, newest first",
        },
        "lookup.filters": {"ja": "絞り込み: {filters}", "en": "Filters: {filters}"},
        "lookup.understood": {"ja": "{words}で検索しました", "en": "Searched for {words}"},
        "lookup.partial": {
            "ja": "すべての言葉に合う話題はなかったので、一部の言葉に一致した話題なのだ",
            "en": "No topic holds every word: these match some of them",
        },
        "lookup.partial_after": {
            "ja": "{first}件目からは、一部の言葉に一致した話題なのだ",
            "en": "From result {first} on, the topics match some of the words",
        },
        "lookup.filter_mc": {"ja": "出演者 {value}", "en": "MC {value}"},
        "lookup.filter_site": {"ja": "サイト {value}", "en": "site {value}"},
        "lookup.filter_since": {"ja": "{value} 以降", "en": "from {value}"},
        "lookup.filter_until": {"ja": "{value} まで", "en": "until {value}"},
        "lookup.whole_episode": {"ja": "エピソード全体", "en": "whole episode"},
        "lookup.episode_line": {"ja": "第{number}回", "en": "Episode {number}"},
        "lookup.topics_title": {"ja": "📋 {episode} の話題", "en": "📋 Topics of {episode}"},
        "lookup.topics_none": {"ja": "このエピソードには話題の一覧がないのだ。", "en": "This episode lists no topics."},
        "lookup.random_title": {"ja": "🎲 ランダムな話題", "en": "🎲 A random topic"},
        "lookup.random_from": {"ja": "紹介した回", "en": "From"},
        "lookup.stats_title": {"ja": "📊 アーカイブの統計", "en": "📊 Archive statistics"},
        "lookup.stats_episodes": {"ja": "エピソード", "en": "Episodes"},
        "lookup.stats_topics": {"ja": "紹介した話題", "en": "Topics"},
        "lookup.stats_span": {"ja": "期間", "en": "Span"},
        "lookup.stats_sites": {"ja": "よく紹介するサイト", "en": "Top source sites"},
        "lookup.stats_mcs": {"ja": "MC 別エピソード数", "en": "Episodes per MC"},
        "lookup.stats_months": {"ja": "エピソードが多かった月", "en": "Busiest months"},
        "lookup.count": {"ja": "{count} 件", "en": "{count}"},
        "lookup.stats_empty": {"ja": "まだエピソードがないのだ。", "en": "No episodes yet."},
    }
)


def _date(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).date().isoformat()  # strftime's %Y does not pad years before 1000


def _link(text: str, url: str | None) -> str:
    """A result's link: the show's own title, lightly escaped as in the announcements (readable, never markup)."""
    return link(text, url, TITLE_LIMIT, escape_light)


def describe_filters(filters: Filters, zone: tzinfo, locale: object | None) -> str:
    """One line naming the active filters, or ``""``."""
    parts: list[str] = []
    if filters.mc:
        parts.append(i18n.t("lookup.filter_mc", locale, value=escape_markdown(filters.mc)))
    if filters.site:
        parts.append(i18n.t("lookup.filter_site", locale, value=escape_markdown(filters.site)))
    if filters.since:
        parts.append(i18n.t("lookup.filter_since", locale, value=_date(filters.since, zone)))
    if filters.until:
        last_moment = filters.until - timedelta(microseconds=1)  # local time: cannot leave the calendar
        parts.append(i18n.t("lookup.filter_until", locale, value=_date(last_moment, zone)))
    return i18n.t("lookup.filters", locale, filters="・".join(parts)) if parts else ""


def hit_block(hit: Hit, index: int, query: Query, zone: tzinfo, locale: object | None, width: int) -> str:
    """One result: the topic title linked to the article, episode number and date linked to the episode page,
    the snippet."""
    episode = f"{i18n.t('lookup.episode_line', locale, number=hit.number)} {_date(hit.published, zone)}"
    details = [_link(episode, hit.page_url)]
    if hit.site:
        details.append(escape_markdown(hit.site))
    if not hit.is_topic:
        details.append(i18n.t("lookup.whole_episode", locale))
    lines = [f"**{index}.** {_link(hit.title, hit.url)}", " ・ ".join(details)]
    if width:
        cut = snippet(hit.text, query, width)
        if cut:
            lines.append(f"> {cut}")
    return "\n".join(lines)


def understood_lines(result: SearchResult, query: Query, locale: object | None) -> str:
    """In small text: the words searched when they differ from what was typed, and whether (or from which hit)
    the hits match only some of them; ``""`` when neither."""
    lines = []
    understood = query.understood()
    if understood:
        words = escape_markdown(truncate(understood, 200))
        lines.append("-# " + i18n.t("lookup.understood", locale, words=words))
    if result.partial:
        lines.append("-# " + i18n.t("lookup.partial", locale))
    elif result.partial_from is not None:
        lines.append("-# " + i18n.t("lookup.partial_after", locale, first=result.partial_from + 1))
    return "\n".join(lines)


def page_count(items: int, per_page: int = PER_PAGE) -> int:
    """Pages needed for ``items`` (at least one)."""
    return max(1, -(-items // per_page))


def search_page(
    result: SearchResult,
    query: Query,
    page: int,
    *,
    zone: tzinfo,
    locale: object | None = None,
    filters: Filters | None = None,
    per_page: int = PER_PAGE,
) -> Payload:
    """Page ``page`` (from 0) of the hits: one embed with ``per_page`` results. Built on demand, so only
    the pages a listener opens cost their snippets."""
    hits = result.hits
    query = result.searched or query
    pages = page_count(len(hits), per_page)
    title = truncate(escape_title(collapse(query.text)), 200)
    header = "\n".join(
        line
        for line in (
            understood_lines(result, query, locale),
            describe_filters(filters, zone, locale) if filters else "",
        )
        if line
    )
    chunk = hits[page * per_page : (page + 1) * per_page]
    description = ""
    for width in SNIPPET_WIDTHS:
        blocks = [hit_block(hit, page * per_page + n + 1, query, zone, locale, width) for n, hit in enumerate(chunk)]
        description = "\n\n".join(([header] if header else []) + blocks)
        if len(description) <= render.LIMITS["description"]:
            break
    footer_key = "lookup.results_footer_more" if result.more else "lookup.results_footer"
    footer = i18n.t(footer_key, locale, page=page + 1, pages=pages, total=len(hits))
    if not result.by_relevance:
        footer += "\n" + i18n.t("lookup.results_by_recency", locale)
    embed: Payload = {
        "title": i18n.t("lookup.results_title", locale, query=title),
        "description": truncate(description, render.LIMITS["description"]),
        "color": COLOR,
        "footer": {"text": footer},
    }
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}


def episode_pages(episode: Episode, *, zone: tzinfo, locale: object | None = None) -> list[Payload]:
    """The episode as in its announcement, in the reader's language: the main message (no headline), then
    its thread's messages."""
    with i18n.speaking(i18n.lang_of(locale)):
        main = render.main_message(episode, zone=zone, headline=False)
        return [main, *render.thread_messages(episode, zone=zone)]


def topics_pages(episodes: Sequence[Episode], *, zone: tzinfo, locale: object | None = None) -> list[Payload]:
    """The topics of one or more episodes, :data:`TOPICS_PER_PAGE` a page, each linked to its article."""
    payloads: list[Payload] = []
    for episode in episodes:
        name = f"{i18n.t('lookup.episode_line', locale, number=episode.number)} ({_date(episode.published, zone)})"
        lines = [
            f"{index}. {_link(topic.title, topic.url)}" + (f" ・ {escape_markdown(topic.site)}" if topic.site else "")
            for index, topic in enumerate(episode.topics, start=1)
        ] or [i18n.t("lookup.topics_none", locale)]
        for start in range(0, len(lines), TOPICS_PER_PAGE):
            embed: Payload = {
                "title": truncate(i18n.t("lookup.topics_title", locale, episode=name), render.LIMITS["title"]),
                "description": truncate("\n".join(lines[start : start + TOPICS_PER_PAGE]), 4096),
                "color": COLOR,
            }
            page_url = safe_url(episode.page_url)
            if page_url:
                embed["url"] = page_url
            payloads.append({"embeds": [embed], "allowed_mentions": {"parse": []}})
    return payloads


def random_topic_payload(topic: TopicRef, *, zone: tzinfo, locale: object | None = None) -> Payload:
    """A random topic: its title linked to the article, the start of its summary, the episode it was in."""
    embed: Payload = {
        "author": {"name": i18n.t("lookup.random_title", locale)},
        "title": truncate(escape_title(collapse(topic.title)), render.LIMITS["title"]) or "—",
        "color": COLOR,
    }
    url = safe_url(topic.url)
    if url:
        embed["url"] = url
    summary = plain_text(topic.summary)
    if summary:
        embed["description"] = escape_markdown(truncate(summary, 600))
    episode = f"{i18n.t('lookup.episode_line', locale, number=topic.number)} ({_date(topic.published, zone)})"
    embed["fields"] = [
        {
            "name": i18n.t("lookup.random_from", locale),
            "value": _link(episode, topic.page_url),
        }
    ]
    if topic.site:
        embed["footer"] = {"text": truncate(topic.site, 2048)}
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}


def stats_payload(stats: Stats, *, zone: tzinfo, locale: object | None = None) -> Payload:
    """``/stats``: counts, span, top sites, episodes per MC and the busiest months."""
    embed: Payload = {"title": i18n.t("lookup.stats_title", locale), "color": COLOR}
    if not stats.episodes:
        embed["description"] = i18n.t("lookup.stats_empty", locale)
        return {"embeds": [embed], "allowed_mentions": {"parse": []}}

    def ranking(rows: Sequence[tuple[str, int]]) -> str:
        lines = [
            f"{n}. {escape_markdown(name)} — {i18n.t('lookup.count', locale, count=count)}"
            for n, (name, count) in enumerate(rows, start=1)
        ]
        return truncate("\n".join(lines), render.LIMITS["field_value"]) or "—"

    fields = [
        {"name": i18n.t("lookup.stats_episodes", locale), "value": f"{stats.episodes:,}", "inline": True},
        {"name": i18n.t("lookup.stats_topics", locale), "value": f"{stats.topics:,}", "inline": True},
    ]
    if stats.first and stats.last:
        span = f"{_date(stats.first, zone)} 〜 {_date(stats.last, zone)}"
        fields.append({"name": i18n.t("lookup.stats_span", locale), "value": span, "inline": True})
    fields.append({"name": i18n.t("lookup.stats_sites", locale), "value": ranking(stats.top_sites), "inline": False})
    fields.append({"name": i18n.t("lookup.stats_mcs", locale), "value": ranking(stats.per_mc), "inline": False})
    fields.append(
        {"name": i18n.t("lookup.stats_months", locale), "value": ranking(stats.busiest_months), "inline": False}
    )
    embed["fields"] = fields
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}
