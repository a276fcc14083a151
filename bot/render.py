"""Episode → Discord message payloads: a pure function, plain dicts exactly as Discord's API takes them.

The announcement of an episode is a list of message bodies (:func:`render_announcement`):

* the **main message**: an optional role mention, one embed (title linked to the page, MC, date,
  the ``information`` notice, the numbered topic list with links) and a row of buttons — links to
  the audio, YouTube and the page, and 「お便りを送る」 with custom id ``zb:letter:<number>``;
* the **thread messages**: every topic's full summary, one embed per topic (split at paragraph
  boundaries by :mod:`bot.markdown_split` when longer than an embed allows), packed into as few
  messages as Discord's limits allow. An episode without topics (the old layout) shows its
  description instead.

Every body carries ``allowed_mentions``: exactly the configured role, or nobody. Nothing here
imports discord or does I/O; the lookup commands reuse :func:`main_message` and
:func:`thread_messages` to show an episode "as in its announcement".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot import i18n
from bot.card import CardStyle, card_message, card_problems, is_card
from bot.episodes.model import Episode, Topic
from bot.letters.custom_ids import letter_custom_id
from bot.markdown_split import split_markdown
from bot.output import collapse, escape_light, escape_title, link, safe_url, truncate

__all__ = [
    "LIMITS",
    "Payload",
    "embed_length",
    "forum_body",
    "forum_post",
    "forum_tags",
    "letter_custom_id",
    "main_card",
    "main_embed",
    "main_message",
    "message_problems",
    "pack_embeds",
    "render_announcement",
    "thread_body",
    "thread_messages",
    "thread_name",
    "topic_embeds",
]

Payload = dict[str, Any]

#: Discord's limits, in code points (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
LIMITS = {
    "content": 2000,
    "embeds": 10,
    "embed_total": 6000,
    "title": 256,
    "description": 4096,
    "fields": 25,
    "field_name": 256,
    "field_value": 1024,
    "footer": 2048,
    "author": 256,
    "rows": 5,
    "row_buttons": 5,
    "custom_id": 100,
    "label": 80,
    "button_url": 512,
    "thread_name": 100,
    "applied_tags": 5,
}

COLOR = 0x7CB342  # zunda green
DEFAULT_ZONE = ZoneInfo("Asia/Tokyo")
THREAD_ARCHIVE_MINUTES = 10080
WEEKDAYS = "月火水木金土日"
#: Room kept in the main embed's description for the notice and the heading of the topic list.
NOTICE_LIMIT = 1000
LIST_TITLE_LIMIT = 100

i18n.register(
    {
        "announce.headline": {"ja": "📻 新しいエピソードを公開したのだ！", "en": "📻 A new episode is out!"},
        "announce.mc": {"ja": "出演者", "en": "MC"},
        "announce.date": {"ja": "公開日", "en": "Published"},
        "announce.notice": {"ja": "📢 お知らせ", "en": "📢 Notice"},
        "announce.topics": {"ja": "今回の話題", "en": "Topics"},
        "announce.more_topics": {
            "ja": "…ほか {count} 件（スレッドで紹介しているのだ）",
            "en": "…and {count} more (see the thread)",
        },
        "announce.listen": {"ja": "音声を聴く", "en": "Listen"},
        "announce.youtube": {"ja": "YouTube", "en": "YouTube"},
        "announce.page": {"ja": "エピソードページ", "en": "Episode page"},
        "announce.letter": {"ja": "お便りを送る", "en": "Send a letter"},
        "announce.continued": {"ja": "（続き）", "en": " (continued)"},
        "announce.topic_footer": {"ja": "話題 {index}/{count}", "en": "Topic {index}/{count}"},
        "announce.description": {"ja": "概要", "en": "Summary"},
        "announce.date_format": {"ja": "{year}年{month}月{day}日({weekday})", "en": "{year}-{month:02d}-{day:02d}"},
    }
)


def render_announcement(
    episode: Episode,
    *,
    role_id: int | None = None,
    site_name: str | None = None,
    zone: tzinfo = DEFAULT_ZONE,
    headline: str | None = None,
    card: bool = False,
) -> list[Payload]:
    """The whole announcement: the main message first — an embed, or with ``card`` a Components V2 card
    (:mod:`bot.card`) — then the thread's messages, in order; ``headline`` replaces the default headline text."""
    main = main_card if card else main_message
    return [
        main(episode, role_id=role_id, site_name=site_name, zone=zone, headline_text=headline),
        *thread_messages(episode, zone=zone),
    ]


def main_message(
    episode: Episode,
    *,
    role_id: int | None = None,
    site_name: str | None = None,
    zone: tzinfo = DEFAULT_ZONE,
    headline: bool = True,
    headline_text: str | None = None,
) -> Payload:
    """The announcement message: headline (with the role mention), main embed, buttons."""
    payload: Payload = {}
    content = (headline_text or i18n.t("announce.headline")) if headline else ""
    if role_id is not None:
        content = f"<@&{role_id}> {content}".rstrip()
    if content:
        payload["content"] = content
    payload["embeds"] = [main_embed(episode, site_name=site_name, zone=zone)]
    buttons = episode_buttons(episode)
    if buttons:
        payload["components"] = [{"type": 1, "components": buttons}]
    payload["allowed_mentions"] = allowed_mentions(role_id)
    return payload


def main_card(
    episode: Episode,
    *,
    role_id: int | None = None,
    site_name: str | None = None,
    zone: tzinfo = DEFAULT_ZONE,
    headline_text: str | None = None,
) -> Payload:
    """The announcement message as a V2 card: the same headline, role mention, date and buttons as
    :func:`main_message`, laid out by :func:`bot.card.card_message`."""
    headline = headline_text or i18n.t("announce.headline")
    if role_id is not None:
        headline = f"<@&{role_id}> {headline}"
    return card_message(
        episode,
        headline=headline,
        when=format_date(episode, zone),
        buttons=episode_buttons(episode),
        allowed_mentions=allowed_mentions(role_id),
        color=COLOR,
        site_name=site_name,
    )


def thread_messages(episode: Episode, *, zone: tzinfo = DEFAULT_ZONE) -> list[Payload]:
    """The messages posted in the announcement's thread (or forum post): every summary in full."""
    embeds: list[Payload] = _notice_in_full(episode)
    total = len(episode.topics)
    for index, topic in enumerate(episode.topics, start=1):
        embeds.extend(topic_embeds(topic, index, total))
    if not episode.topics:
        embeds.extend(_description_overflow(episode))
    return [{"embeds": group, "allowed_mentions": allowed_mentions(None)} for group in pack_embeds(embeds)]


def allowed_mentions(role_id: int | None) -> Payload:
    """Exactly this role may be pinged, or nobody: never @everyone, users or other roles."""
    if role_id is None:
        return {"parse": []}
    return {"parse": [], "roles": [str(role_id)]}


def main_embed(episode: Episode, *, site_name: str | None = None, zone: tzinfo = DEFAULT_ZONE) -> Payload:
    """The main embed: title linked to the page, notice, topic list (or description), MC and date."""
    embed: Payload = {"title": truncate(escape_title(collapse(episode.title)), LIMITS["title"]) or episode.number}
    page = safe_url(episode.page_url)
    if page:
        embed["url"] = page
    description = _main_description(episode)
    if description:
        embed["description"] = description
    embed["color"] = COLOR
    fields = []
    actors = "、".join(name for name in (collapse(actor) for actor in episode.actors) if name)
    if actors:
        fields.append({"name": i18n.t("announce.mc"), "value": truncate(actors, LIMITS["field_value"]), "inline": True})
    fields.append({"name": i18n.t("announce.date"), "value": format_date(episode, zone), "inline": True})
    embed["fields"] = fields
    image = safe_url(episode.image_url)
    if image:
        embed["thumbnail"] = {"url": image}
    footer = site_name or urlsplit(episode.page_url).hostname
    if footer:
        embed["footer"] = {"text": truncate(footer, LIMITS["footer"])}
    embed["timestamp"] = episode.published.isoformat()
    return embed


def topic_embeds(topic: Topic, index: int, total: int) -> list[Payload]:
    """One topic as embeds: its summary split at paragraph boundaries, each piece within every limit."""
    pieces = split_markdown(topic.summary, LIMITS["description"]) or [""]
    title = f"{index}. {escape_title(collapse(topic.title))}"
    url = safe_url(topic.url)
    footer = i18n.t("announce.topic_footer", index=index, count=total)
    if topic.site:
        footer += f" ・ {topic.site}"
    embeds: list[Payload] = []
    for part, piece in enumerate(pieces, start=1):
        suffix = "" if part == 1 else i18n.t("announce.continued")
        embed: Payload = {"title": truncate(title, LIMITS["title"] - len(suffix)) + suffix}
        if url and part == 1:  # Discord shows only the first of a message's embeds that share a url
            embed["url"] = url
        if piece:
            embed["description"] = piece
        embed["color"] = COLOR
        embed["footer"] = {"text": footer if len(pieces) == 1 else f"{footer} ・ {part}/{len(pieces)}"}
        embeds.append(embed)
    return embeds


def pack_embeds(embeds: Sequence[Payload]) -> list[list[Payload]]:
    """Group embeds, in order, into as few messages as Discord allows (10 and 6000 characters each), never two
    with the same url in one message (Discord would show only the first of them)."""
    groups: list[list[Payload]] = []
    current: list[Payload] = []
    size = 0
    for embed in embeds:
        length = embed_length(embed)
        full = len(current) == LIMITS["embeds"] or size + length > LIMITS["embed_total"]
        if current and (full or (embed.get("url") and embed.get("url") in {e.get("url") for e in current})):
            groups.append(current)
            current, size = [], 0
        current.append(embed)
        size += length
    if current:
        groups.append(current)
    return groups


def episode_buttons(episode: Episode) -> list[Payload]:
    """Link buttons (audio, YouTube, page) and the letter button, skipping what the episode lacks."""
    buttons: list[Payload] = []
    for key, emoji, url in (
        ("announce.listen", "🎧", episode.audio_url),
        ("announce.youtube", "▶️", episode.youtube_url),
        ("announce.page", "🔗", episode.page_url),
    ):
        target = safe_url(url, LIMITS["button_url"])
        if target:
            buttons.append({"type": 2, "style": 5, "label": i18n.t(key), "emoji": {"name": emoji}, "url": target})
    custom_id = letter_custom_id(episode.number)
    if custom_id:
        buttons.append(
            {"type": 2, "style": 1, "label": i18n.t("announce.letter"), "emoji": {"name": "✉️"}, "custom_id": custom_id}
        )
    return buttons


def thread_name(episode: Episode) -> str:
    """The thread (or forum post) name: the episode's title on one line, at most 100 code points."""
    return truncate(collapse(episode.title), LIMITS["thread_name"]) or episode.number


def forum_post(
    episode: Episode,
    *,
    role_id: int | None = None,
    applied_tags: Iterable[int] = (),
    site_name: str | None = None,
    zone: tzinfo = DEFAULT_ZONE,
) -> Payload:
    """The body of ``POST /channels/{forum}/threads``: a post named after the episode, tagged, whose
    first message is the main message."""
    main = main_message(episode, role_id=role_id, site_name=site_name, zone=zone)
    return forum_body(main, thread_name(episode), applied_tags)


@dataclass(frozen=True, slots=True)
class Rendered:
    """An episode as one channel receives it, rendered once: the message bodies (main message first), the name
    of its thread or forum post, the post's tags and the layout of the main message. The ledger only sends and
    records it."""

    payloads: list[Payload]
    name: str
    tags: tuple[int, ...] = ()
    style: CardStyle = CardStyle.EMBED

    def forum_body(self) -> Payload:
        return forum_body(self.payloads[0], self.name, self.tags)

    def thread_body(self) -> Payload:
        return thread_body(self.name)


def forum_body(main: Payload, name: str, applied_tags: Iterable[int] = ()) -> Payload:
    """A forum post whose first message is ``main`` (Discord takes no nonce there)."""
    body: Payload = {"name": name, "auto_archive_duration": THREAD_ARCHIVE_MINUTES}
    tags = [str(tag) for tag in applied_tags][: LIMITS["applied_tags"]]
    if tags:
        body["applied_tags"] = tags
    body["message"] = main
    return body


def thread_body(name: str) -> Payload:
    """The body of ``POST /channels/{channel}/messages/{message}/threads``."""
    return {"name": name, "auto_archive_duration": THREAD_ARCHIVE_MINUTES}


def forum_tags(actors: Iterable[str], available: dict[str, int]) -> list[int]:
    """IDs of the forum tags named after the episode's MCs (NFKC, case-insensitive), at most 5."""
    wanted = [_tag_key(actor) for actor in actors]
    by_name = {_tag_key(name): tag_id for name, tag_id in available.items()}
    tags = [by_name[name] for name in dict.fromkeys(wanted) if name in by_name]
    return tags[: LIMITS["applied_tags"]]


def format_date(episode: Episode, zone: tzinfo = DEFAULT_ZONE) -> str:
    """The publication date in the site's zone (in the episode's own offset at the ends of time)."""
    try:
        local = episode.published.astimezone(zone)
    except OverflowError:
        local = episode.published
    return i18n.t(
        "announce.date_format", year=local.year, month=local.month, day=local.day, weekday=WEEKDAYS[local.weekday()]
    )


def embed_length(embed: Payload) -> int:
    """The characters Discord counts towards the 6000 per message."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))
    for field in embed.get("fields", []):
        total += len(field.get("name", "")) + len(field.get("value", ""))
    return total


def message_problems(payload: Payload) -> list[str]:
    """Every way ``payload`` breaks one of Discord's message limits (empty when it is sendable)."""
    if is_card(payload):
        return card_problems(payload)
    problems: list[str] = []
    content = payload.get("content", "")
    embeds = payload.get("embeds", [])
    components = payload.get("components", [])
    if not (content or embeds or components):
        problems.append("empty message")
    if len(content) > LIMITS["content"]:
        problems.append(f"content has {len(content)} characters")
    if len(embeds) > LIMITS["embeds"]:
        problems.append(f"{len(embeds)} embeds")
    if sum(embed_length(embed) for embed in embeds) > LIMITS["embed_total"]:
        problems.append("embeds exceed 6000 characters in total")
    for number, embed in enumerate(embeds):
        problems.extend(f"embed {number}: {problem}" for problem in _embed_problems(embed))
    if len(components) > LIMITS["rows"]:
        problems.append(f"{len(components)} action rows")
    custom_ids: list[str] = []
    for row in components:
        buttons = row.get("components", [])
        if len(buttons) > LIMITS["row_buttons"]:
            problems.append(f"{len(buttons)} buttons in a row")
        for button in buttons:
            if len(button.get("label", "")) > LIMITS["label"]:
                problems.append("button label over 80 characters")
            if button.get("style") == 5:
                if "custom_id" in button or not button.get("url"):
                    problems.append("link button needs a url and no custom_id")
                elif len(button["url"]) > LIMITS["button_url"]:
                    problems.append("button url over 512 characters")
            elif not button.get("custom_id") or len(button["custom_id"]) > LIMITS["custom_id"]:
                problems.append("button custom_id missing or over 100 characters")
            else:
                custom_ids.append(button["custom_id"])
    if len(custom_ids) != len(set(custom_ids)):
        problems.append("duplicate custom_id")
    if "allowed_mentions" not in payload:
        problems.append("no allowed_mentions")
    return problems


def _embed_problems(embed: Payload) -> list[str]:
    problems: list[str] = []
    for key, limit in (("title", LIMITS["title"]), ("description", LIMITS["description"])):
        if len(embed.get(key, "")) > limit:
            problems.append(f"{key} has {len(embed[key])} characters")
    if len(embed.get("footer", {}).get("text", "")) > LIMITS["footer"]:
        problems.append("footer over 2048 characters")
    if len(embed.get("author", {}).get("name", "")) > LIMITS["author"]:
        problems.append("author over 256 characters")
    fields = embed.get("fields", [])
    if len(fields) > LIMITS["fields"]:
        problems.append(f"{len(fields)} fields")
    for field in fields:
        if not field.get("name") or len(field["name"]) > LIMITS["field_name"]:
            problems.append("field name empty or over 256 characters")
        if not field.get("value") or len(field["value"]) > LIMITS["field_value"]:
            problems.append("field value empty or over 1024 characters")
    if embed_length(embed) > LIMITS["embed_total"]:
        problems.append("embed over 6000 characters")
    return problems


def _main_description(episode: Episode) -> str:
    parts = [_notice(episode)] if episode.information.strip() else []
    budget = LIMITS["description"] - sum(len(part) + 2 for part in parts)
    if episode.topics:
        parts.append(_topic_list(episode.topics, budget))
    else:
        pieces = _description_pieces(episode, budget)
        if pieces:
            parts.append(pieces[0])
    return "\n\n".join(parts)


def _topic_list(topics: Sequence[Topic], budget: int) -> str:
    heading = f"**{i18n.t('announce.topics')}**"
    lines = [
        f"{index}. {link(topic.title, topic.url, LIST_TITLE_LIMIT, escape_light)}"
        for index, topic in enumerate(topics, start=1)
    ]
    shown = len(lines)
    while shown > 0:
        text = "\n".join([heading, *lines[:shown]])
        if shown < len(lines):
            text += "\n" + i18n.t("announce.more_topics", count=len(lines) - shown)
        if len(text) <= budget:
            return text
        shown -= 1
    return truncate(i18n.t("announce.more_topics", count=len(lines)), budget)


def _description_pieces(episode: Episode, budget: int) -> list[str]:
    return split_markdown(episode.description, max(budget, 1))


def _description_overflow(episode: Episode) -> list[Payload]:
    """Embeds for the part of a topic-less episode's description that did not fit in the main embed."""
    budget = LIMITS["description"]
    if episode.information.strip():
        budget -= len(_notice(episode)) + 2
    title = i18n.t("announce.description") + i18n.t("announce.continued")
    return [
        {"title": title, "description": piece, "color": COLOR} for piece in _description_pieces(episode, budget)[1:]
    ]


def _notice(episode: Episode) -> str:
    """The ``information`` notice as the main embed shows it (shortened past NOTICE_LIMIT)."""
    return f"**{i18n.t('announce.notice')}**\n{truncate(episode.information.strip(), NOTICE_LIMIT)}"


def _notice_in_full(episode: Episode) -> list[Payload]:
    """A notice too long for the main embed, in full, first in the thread."""
    information = episode.information.strip()
    if len(information) <= NOTICE_LIMIT:
        return []
    title = i18n.t("announce.notice")
    return [
        {"title": title + (i18n.t("announce.continued") if index else ""), "description": piece, "color": COLOR}
        for index, piece in enumerate(split_markdown(information, LIMITS["description"]))
    ]


def _tag_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().strip()
