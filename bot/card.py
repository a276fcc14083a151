"""Episode → a Components V2 card: the announcement's main message as a layout (pure, plain dicts).

The card is the alternative to :func:`bot.render.main_message` a channel can choose (``/settings card``)::

    TextDisplay   headline (with the role mention)
    Container     accent bar in the show's colour
      Section     "## [title](page)", MCs and date, the site   + Thumbnail of the episode's image
      TextDisplay the ``information`` notice (when there is one)
      Separator
      Section     per topic: "**1. [title](url)**" and the first line of its summary  + a link button to it
      TextDisplay 「…ほか N 件（スレッドで紹介しているのだ）」 when not every topic fits
      Separator
      ActionRow   audio, YouTube, page, 「お便りを送る」 — the same buttons as the embed announcement

Without an image the header is a plain TextDisplay (a Section needs an accessory). The thread keeps every
summary in full, as with the embed. Discord's V2 rules (components/reference, discord.py's ``LayoutView``):
the flag ``IS_COMPONENTS_V2`` and no ``content``/``embeds``; at most 40 components counted recursively; at most
4000 characters across all text displays. A card that would break one degrades — topics as plain text displays
instead of sections, then fewer topics with the 「ほか N 件」 line — and never goes out over a limit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from bot import i18n
from bot.episodes.model import Episode, Topic
from bot.output import collapse, escape_light, link, neutralize_mentions, safe_url, truncate

__all__ = [
    "CARD_FLAG",
    "CARD_LIMITS",
    "CardStyle",
    "card_message",
    "card_problems",
    "card_summary",
    "component_count",
    "first_line",
    "is_card",
    "text_displays",
    "text_length",
    "walk",
]

Payload = dict[str, Any]


class CardStyle(StrEnum):
    """How a channel's announcements look (``/settings card``): an embed (the default) or a V2 card."""

    EMBED = "embed"
    V2 = "v2"


#: ``IS_COMPONENTS_V2`` (resources/message, message flags).
CARD_FLAG = 1 << 15
CARD_LIMITS = {
    "components": 40,
    "text": 4000,
    "section_texts": 3,
    "media_description": 1024,
    "media_url": 2048,
}
#: How much of a topic's first summary line, and of the notice, the card shows.
SUMMARY_LINE_LIMIT = 140
NOTICE_LIMIT = 600
TITLE_LIMIT = 100
SITE_LABEL_LIMIT = 40
#: Longest URL the header links and a topic's button take (a link button's own limit); a longer page URL
#: leaves the title unlinked, so the fixed part of a card always leaves room under 4000 characters.
LINK_URL_LIMIT = 512
#: Longest text of one topic (or of the description of an episode without topics).
TOPIC_TEXT_LIMIT = 1000

TEXT_DISPLAY = 10
SECTION = 9
THUMBNAIL = 11
SEPARATOR = 14
CONTAINER = 17
ACTION_ROW = 1

i18n.register(
    {
        "card.mcs_and_date": {"ja": "🎙️ {mcs}　📅 {date}", "en": "🎙️ {mcs}  📅 {date}"},
        "card.date": {"ja": "📅 {date}", "en": "📅 {date}"},
        "card.read": {"ja": "記事", "en": "Article"},
    }
)


def card_message(
    episode: Episode,
    *,
    headline: str,
    when: str,
    buttons: list[Payload],
    allowed_mentions: Payload,
    color: int,
    site_name: str | None = None,
) -> Payload:
    """The announcement's main message as a V2 card, within every V2 limit (see the module docstring):
    ``headline`` (role mention included, may be empty), the date as shown, the announcement's buttons."""
    top = [_text(headline)] if headline.strip() else []
    fixed_head = [_header(episode, when, site_name)]
    notice = episode.information.strip()
    if notice:
        notice = neutralize_mentions(truncate(notice, NOTICE_LIMIT))
        fixed_head.append(_text(f"**{i18n.t('announce.notice')}**\n{notice}"))
    tail: list[Payload] = [_separator(), {"type": ACTION_ROW, "components": buttons}] if buttons else []
    if not episode.topics:
        description = neutralize_mentions(truncate(episode.description.strip(), TOPIC_TEXT_LIMIT))
        body = [_text(description)] if description else []
        candidates: Iterator[list[Payload]] = iter([body])
    else:
        candidates = _topic_layouts(episode.topics)
    components: list[Payload] = []
    for middle in candidates:
        inner = [*fixed_head, *([_separator(), *middle] if middle else []), *tail]
        components = [*top, {"type": CONTAINER, "accent_color": color, "components": inner}]
        if _fits(components):
            break
    return {"flags": CARD_FLAG, "components": components, "allowed_mentions": allowed_mentions}


def _topic_layouts(topics: Sequence[Topic]) -> Iterator[list[Payload]]:
    """The topic part of the card, best first: every topic as a section, then as plain text, then fewer."""
    for shown in range(len(topics), -1, -1):
        more = [_text(i18n.t("announce.more_topics", count=len(topics) - shown))] if shown < len(topics) else []
        listed = list(enumerate(topics[:shown], start=1))
        yield [_topic(topic, index, section=True) for index, topic in listed] + more
        yield [_topic(topic, index, section=False) for index, topic in listed] + more


def _topic(topic: Topic, index: int, *, section: bool) -> Payload:
    lines = [f"**{index}. {link(topic.title, topic.url, TITLE_LIMIT, escape_light)}**"]
    first = first_line(topic.summary)
    if first:
        lines.append(first)
    text = _text(neutralize_mentions(truncate("\n".join(lines), TOPIC_TEXT_LIMIT)))
    url = safe_url(topic.url, LINK_URL_LIMIT)
    if not section or not url:
        return text
    label = truncate(topic.site, SITE_LABEL_LIMIT) or i18n.t("card.read")
    button = {"type": 2, "style": 5, "label": label, "url": url}
    return {"type": SECTION, "components": [text], "accessory": button}


def first_line(summary: str) -> str:
    """The first line of a summary's text, without block markers (heading, list, quote), shortened."""
    for line in summary.splitlines():
        text = line.strip().lstrip("#>").strip()
        if text[:2] in ("- ", "* ", "+ "):
            text = text[2:].strip()
        if text:
            return truncate(text, SUMMARY_LINE_LIMIT)
    return ""


def _header(episode: Episode, when: str, site_name: str | None) -> Payload:
    title = truncate(collapse(episode.title), TITLE_LIMIT) or episode.number
    page = safe_url(episode.page_url, LINK_URL_LIMIT)
    heading = f"## [{escape_light(title)}]({page})" if page else f"## {escape_light(title)}"
    mcs = "、".join(name for name in (collapse(actor) for actor in episode.actors) if name)
    meta = i18n.t("card.mcs_and_date", mcs=escape_light(mcs), date=when) if mcs else i18n.t("card.date", date=when)
    lines = [heading, truncate(meta, 300)]
    site = site_name or urlsplit(episode.page_url).hostname
    if site:
        lines.append(f"-# {escape_light(truncate(site, 100))}")
    text = _text(neutralize_mentions("\n".join(lines)))
    image = safe_url(episode.image_url, CARD_LIMITS["media_url"])
    if not image:
        return text
    thumbnail = {"type": THUMBNAIL, "media": {"url": image}, "description": title[: CARD_LIMITS["media_description"]]}
    return {"type": SECTION, "components": [text], "accessory": thumbnail}


def _text(content: str) -> Payload:
    return {"type": TEXT_DISPLAY, "content": content}


def _separator() -> Payload:
    return {"type": SEPARATOR, "divider": True, "spacing": 1}


def _fits(components: list[Payload]) -> bool:
    return component_count(components) <= CARD_LIMITS["components"] and text_length(components) <= CARD_LIMITS["text"]


# --- reading cards ---------------------------------------------------------------------------------


def is_card(payload: Mapping[str, Any]) -> bool:
    """Whether a message body (or a message as Discord returns it) is a V2 card."""
    return bool(int(payload.get("flags") or 0) & CARD_FLAG)


def walk(components: Sequence[Payload]) -> Iterator[Payload]:
    """Every component, depth first: children of rows, sections and containers, and accessories."""
    for component in components:
        yield component
        yield from walk(component.get("components") or [])
        accessory = component.get("accessory")
        if isinstance(accessory, dict):
            yield from walk([accessory])


def component_count(components: Sequence[Payload]) -> int:
    """Components as Discord counts them towards the 40: every one, nested ones and accessories included."""
    return sum(1 for _ in walk(components))


def text_displays(components: Sequence[Payload]) -> list[str]:
    """The text of every text display, in order."""
    return [str(c.get("content", "")) for c in walk(components) if c.get("type") == TEXT_DISPLAY]


def text_length(components: Sequence[Payload]) -> int:
    """Characters counted towards the 4000 of a message: the text displays' content."""
    return sum(len(text) for text in text_displays(components))


def card_problems(payload: Payload) -> list[str]:
    """Every way a card breaks one of Discord's V2 rules (empty when it is sendable)."""
    problems: list[str] = []
    for key in ("content", "embeds", "sticker_ids", "poll"):
        if payload.get(key):
            problems.append(f"{key} is not allowed with IS_COMPONENTS_V2")
    components = payload.get("components") or []
    if not components:
        problems.append("empty card")
    count = component_count(components)
    if count > CARD_LIMITS["components"]:
        problems.append(f"{count} components (at most {CARD_LIMITS['components']})")
    length = text_length(components)
    if length > CARD_LIMITS["text"]:
        problems.append(f"{length} characters of text (at most {CARD_LIMITS['text']})")
    for component in walk(components):
        kind = component.get("type")
        if kind == TEXT_DISPLAY and not str(component.get("content", "")).strip():
            problems.append("empty text display")
        if kind == SECTION:
            texts = component.get("components") or []
            if not 1 <= len(texts) <= CARD_LIMITS["section_texts"]:
                problems.append(f"section with {len(texts)} texts")
            if not isinstance(component.get("accessory"), dict):
                problems.append("section without an accessory")
        if kind == THUMBNAIL and not safe_url((component.get("media") or {}).get("url"), CARD_LIMITS["media_url"]):
            problems.append("thumbnail without an http(s) url")
    custom_ids = [c["custom_id"] for c in walk(components) if c.get("custom_id")]
    if len(custom_ids) != len(set(custom_ids)):
        problems.append("duplicate custom_id")
    if "allowed_mentions" not in payload:
        problems.append("no allowed_mentions")
    return problems


def card_summary(payload: Payload) -> Iterator[str]:
    """What a card shows, line by line, for a reader of ``zundabot preview``."""
    for component in walk(payload.get("components") or []):
        kind = component.get("type")
        if kind == TEXT_DISPLAY:
            yield " ".join(str(component.get("content", "")).split())
        elif kind == THUMBNAIL:
            yield f"[image] {(component.get('media') or {}).get('url', '')}"
        elif kind == 2:
            yield f"[{component.get('label', '')}]" + (f" {component['url']}" if component.get("url") else "")
        elif kind == SEPARATOR:
            yield "―" * 8
