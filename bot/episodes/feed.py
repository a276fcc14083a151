"""RSS 2.0, Atom and RDF feeds to :class:`~bot.episodes.model.Episode` values.

feedparser reads the XML (HTML sanitising and URI rewriting off); item HTML is read only through
:mod:`bot.episodes.html`. Items of this site's feed (a ``関連リンク`` heading followed by topic
links) get their topics exactly as the posts reader finds them; other items keep their text as a
plain description. Unreadable items are skipped with a line in :attr:`FeedResult.problems`.
"""

from __future__ import annotations

import contextlib
import io
import re
import time as _time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import feedparser

from bot.episodes.blocks import Heading, render
from bot.episodes.html import first_youtube, parse_html, tree_blocks
from bot.episodes.markdown import html_to_text
from bot.episodes.model import Episode, episode_key
from bot.episodes.posts import FIRST_YEAR, LAST_YEAR, clean_text, date_in_range, parse_date
from bot.episodes.site import Site
from bot.episodes.topics import LINKS_HEADING, extract_topics
from bot.episodes.urls import is_http, resolve

MAX_FEED_BYTES = 32 * 1024 * 1024
_CONTENT_START = re.compile(rb"[^\s\xef\xbb\xbf]")
_AUDIO_SUFFIXES = (".mp3", ".m4a", ".aac", ".ogg", ".opus", ".wav", ".flac")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")
_ACTOR_SEPARATORS = (",", "、", "，", " & ", " and ", "/")


class FeedError(Exception):
    """The document is not a feed that can be read; the message is one line saying why."""


class _Skip(Exception):
    """An item that cannot become an episode (the reason is the message)."""


@dataclass(frozen=True)
class FeedResult:
    """A feed's title, its episodes in feed order, and one line per problem met while reading."""

    title: str
    episodes: list[Episode] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


#: Items sharing one link from which the link stops naming an episode (see :func:`_shared_links`).
SHARED_LINK_ITEMS = 3


def parse_feed(data: bytes, *, url: str, site: Site | None = None, max_bytes: int = MAX_FEED_BYTES) -> FeedResult:
    """Read a feed document fetched from ``url``; raises :class:`FeedError` when it is not a feed."""
    if len(data) > max_bytes:
        raise FeedError(f"feed is larger than the limit of {max_bytes} bytes ({len(data)} bytes)")
    start = _CONTENT_START.search(data)
    head = data[start.start() : start.start() + 4] if start else b""
    if not head:
        raise FeedError("empty document, not an RSS, Atom or RDF feed")
    if head[:1] in (b"{", b"["):
        raise FeedError("not an RSS, Atom or RDF feed (the document looks like JSON)")
    if head[:1] != b"<" and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FeedError("not an RSS, Atom or RDF feed (the document is not XML)")
    try:
        parsed = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # feedparser is meant not to raise; never let a bad document escape
        raise FeedError(f"cannot parse the feed ({exc.__class__.__name__}: {exc})") from None
    version = parsed.get("version") or ""
    entries = parsed.get("entries") or []
    problems: list[str] = []
    if parsed.get("bozo"):
        reason = _one_line(parsed.get("bozo_exception"))
        if not version and not entries:
            raise FeedError(f"not an RSS, Atom or RDF feed ({reason})")
        problems.append(f"feed is not well-formed ({reason}); read {len(entries)} item(s) that parsed")
    elif not version:
        raise FeedError("not an RSS, Atom or RDF feed")
    feed_info = parsed.get("feed") or {}
    title = " ".join(str(feed_info.get("title") or "").split())
    base = _base(url, site)
    shared = _shared_links(entries, feed_info, base)
    episodes: list[Episode] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        label = f"item {number}"
        try:
            label = f"item {number} ({_title(entry) or 'untitled'})"
            episode = _episode(entry, url, base, site, shared)
        except _Skip as reason:
            problems.append(f"{label}: {reason}; skipped")
            continue
        except Exception as exc:  # hostile input: one bad item must not cost the others
            problems.append(f"{label}: cannot be read ({exc.__class__.__name__}); skipped")
            continue
        if episode.key in seen:
            problems.append(f"{label}: duplicate of an earlier item ({episode.key}); skipped")
            continue
        seen.add(episode.key)
        episodes.append(episode)
    return FeedResult(title, episodes, problems)


def _base(url: str, site: Site | None) -> str | None:
    """What relative item URLs resolve against: the feed's URL, or for a local feed file the site (SITE_URL)."""
    if is_http(url):
        return url
    return site.url + "/" if site else None


def _one_line(exc: object) -> str:
    text = " ".join(str(exc or "unknown error").split())
    return text[:200]


def _title(entry: Any) -> str:
    raw = entry.get("title") or ""
    detail = entry.get("title_detail") or {}
    text = html_to_text(raw) if detail.get("type") == "text/html" and "<" in raw else raw
    return " ".join(str(text).split())


def _shared_links(entries: list[Any], feed_info: Any, feed_base: str | None) -> frozenset[str]:
    """Keys of item links that do not name one episode: the show's own link, or a link of three or more
    items (some podcast hosts give every item the show's home page). Such items are known by their guid;
    two items with one link are a re-post, the later one skipped as a duplicate."""
    links: Counter[str] = Counter()
    for entry in entries:
        with contextlib.suppress(Exception):  # a hostile item is reported when it is read
            link = _link(entry, feed_base)
            if link:
                links[episode_key(link)] += 1
    shared = {key for key, count in links.items() if count >= SHARED_LINK_ITEMS}
    home = feed_info.get("link")
    if isinstance(home, str) and home.strip():
        shared.add(episode_key(resolve(home, feed_base) or home))
    return frozenset(shared)


def _episode(entry: Any, feed_url: str, feed_base: str | None, site: Site | None, shared: frozenset[str]) -> Episode:
    title = _title(entry)
    if not title:
        raise _Skip("no title")
    link = _link(entry, feed_base)
    guid = str(entry.get("id") or "").strip()
    if link is None and guid:
        link = resolve(guid, feed_base) if is_http(guid) else None
    if link is None and not guid:
        raise _Skip("no link or guid")
    published = _published(entry, site)
    if published is None:
        raise _Skip("no publication date")
    identity = link
    if link is not None and episode_key(link) in shared:
        if not guid:
            raise _Skip("its link is the show's or another item's, and it has no guid")
        identity = resolve(guid, feed_base) if is_http(guid) else None
    key = episode_key(identity) if identity else guid
    base = link or feed_base

    body, body_type, others = _bodies(entry)
    topics: tuple[Any, ...] = ()
    youtube: str | None = None
    description = ""
    if body and body_type != "text/plain":
        root, iframes = parse_html(body)
        youtube = first_youtube(iframes)
        blocks = tree_blocks(root, base)
        topics = tuple(extract_topics(blocks))
        site_item = any(isinstance(block, Heading) and block.text.strip() == LINKS_HEADING for block in blocks)
        if site_item:
            description = _text(others[0]) if others else _intro(blocks)
        else:
            description = clean_text(render(tree_blocks(root, base, plain=True), plain=True))
    elif body:
        description = clean_text(body)
    if not description and others:
        description = _text(others[0])
    return Episode(
        key=key,
        number=_number(entry, identity),
        title=title,
        published=published,
        page_url=link or "",
        actors=_actors(entry),
        description=description,
        audio_url=_audio(entry, base),
        youtube_url=youtube,
        image_url=_image(entry, base),
        topics=topics,
        source=feed_url,
    )


def _link(entry: Any, feed_base: str | None) -> str | None:
    candidates = [entry.get("link")]
    candidates += [
        item.get("href")
        for item in entry.get("links") or []
        if isinstance(item, dict) and item.get("rel", "alternate") == "alternate"
    ]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            url = resolve(candidate, feed_base)
            if url:
                return url
    return None


def _published(entry: Any, site: Site | None) -> datetime | None:
    zone = site.zone if site else UTC
    moment: datetime | None = None
    for name in ("published", "updated", "created"):
        raw = dict.get(entry, name)  # plain dict access: no feedparser fallback between the two keys
        if isinstance(raw, str) and raw.strip():
            moment = _parse_date(raw.strip(), site)
            if moment is None:
                parsed = dict.get(entry, f"{name}_parsed")
                if isinstance(parsed, _time.struct_time):
                    moment = datetime(*parsed[:6], tzinfo=UTC)
            if moment is not None:
                break
    if moment is None:
        return None
    if not date_in_range(moment, site or Site()):
        raise _Skip(f"its date {moment.isoformat()} is out of range (years {FIRST_YEAR}-{LAST_YEAR})")
    return moment.astimezone(zone) if site else moment


def _parse_date(raw: str, site: Site | None) -> datetime | None:
    moment: datetime | None
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        moment = parse_date(raw, site or Site())
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=site.zone if site else UTC)
    return moment


def _bodies(entry: Any) -> tuple[str, str, list[str]]:
    """The item's main content (longest of description/content) with its type, and the other texts."""
    texts: list[tuple[str, str]] = []
    for detail in [entry.get("summary_detail"), *(entry.get("content") or [])]:
        if isinstance(detail, dict) and isinstance(detail.get("value"), str) and detail["value"].strip():
            texts.append((detail["value"], str(detail.get("type") or "text/html")))
    if not texts:
        return "", "", []
    body, kind = max(texts, key=lambda pair: len(pair[0]))
    others = sorted({value for value, _ in texts if value != body}, key=len)
    return body, kind, others


def _text(value: str) -> str:
    if "<" in value and any(f"<{tag}" in value for tag in ("p", "br", "a ", "div", "span", "ul", "b>", "strong")):
        return clean_text(html_to_text(value))
    return clean_text(value)


def _intro(blocks: list[Any]) -> str:
    """Plain text of what precedes the 関連リンク heading (headings left out)."""
    intro = []
    for block in blocks:
        if isinstance(block, Heading):
            if block.text.strip() == LINKS_HEADING:
                break
            continue
        intro.append(block)
    return clean_text(render(intro))


def _number(entry: Any, link: str | None) -> str:
    episode = str(entry.get("itunes_episode") or "").strip()
    if episode:
        return episode
    if not link:
        return ""
    segments = [segment for segment in urlsplit(link).path.split("/") if segment]
    return unquote(segments[-1]) if segments else ""


def _actors(entry: Any) -> tuple[str, ...]:
    names: list[str] = []
    for author in entry.get("authors") or []:
        if isinstance(author, dict) and author.get("name"):
            names.append(str(author["name"]))
    if not names and entry.get("author"):
        names.append(str(entry["author"]))
    split: list[str] = []
    for name in names:
        parts = [name]
        for separator in _ACTOR_SEPARATORS:
            parts = [piece for part in parts for piece in part.split(separator)]
        split.extend(" ".join(part.split()) for part in parts)
    return tuple(dict.fromkeys(name for name in split if name))


def _audio(entry: Any, base: str | None) -> str | None:
    enclosures = [item for item in entry.get("enclosures") or [] if isinstance(item, dict) and item.get("href")]
    for item in enclosures:
        kind = str(item.get("type") or "")
        href = str(item["href"])
        if kind.startswith("audio/") or urlsplit(href).path.lower().endswith(_AUDIO_SUFFIXES):
            return resolve(href, base)
    for item in enclosures:
        if not str(item.get("type") or "").startswith(("image/", "text/")):
            return resolve(str(item["href"]), base)
    return None


def _image(entry: Any, base: str | None) -> str | None:
    candidates: list[str] = []
    image = entry.get("image")
    if isinstance(image, dict) and image.get("href"):
        candidates.append(str(image["href"]))
    for thumb in entry.get("media_thumbnail") or []:
        if isinstance(thumb, dict) and thumb.get("url"):
            candidates.append(str(thumb["url"]))
    for media in entry.get("media_content") or []:
        if isinstance(media, dict) and media.get("url"):
            kind = str(media.get("type") or "")
            if media.get("medium") == "image" or kind.startswith("image/"):
                candidates.append(str(media["url"]))
    for item in entry.get("enclosures") or []:
        if isinstance(item, dict) and item.get("href"):
            href = str(item["href"])
            if str(item.get("type") or "").startswith("image/") or href.lower().endswith(_IMAGE_SUFFIXES):
                candidates.append(href)
    for candidate in candidates:
        url = resolve(candidate, base)
        if url:
            return url
    return None


__all__ = ["MAX_FEED_BYTES", "FeedError", "FeedResult", "parse_feed"]
