"""Render post files as the site's Jekyll build does, and build feeds from them (tests and benchmarks).

Markdown goes through markdown-it-py in CommonMark mode with raw HTML allowed (plus tables and
strikethrough), the model of the site's kramdown/GFM renderer. The feed is RSS 2.0 with the
iTunes extension, newest item first, like the site's ``feed.xml``. Small Atom and RDF builders
serve the generic feed tests. Nothing here uses the readers under test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

import yaml
from markdown_it import MarkdownIt

SITE_URL = "https://zund-arm-on.com"
ZONE = ZoneInfo("Asia/Tokyo")
_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)\.(?:md|markdown)$")
_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


@dataclass
class RenderedPost:
    """What the site publishes for one post."""

    slug: str
    title: str
    published: datetime
    page_url: str
    html: str
    audio_url: str | None = None
    image_url: str | None = None
    description: str = ""
    actors: list[str] = field(default_factory=list)


def markdown_to_html(text: str) -> str:
    """The HTML Jekyll's markdown converter produces for a post body (modelled with markdown-it)."""
    return _MARKDOWN.render(text)


def _published(value: object, name_date: date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZONE)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=ZONE)
    if isinstance(value, str):
        for pattern in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%dT%H:%M:%S%z"):
            try:
                return datetime.strptime(value.strip(), pattern)
            except ValueError:
                continue
        return datetime.fromisoformat(value.strip()).replace(tzinfo=ZONE)
    return datetime(name_date.year, name_date.month, name_date.day, tzinfo=ZONE)


def render_post(path: Path, site_url: str = SITE_URL) -> RenderedPost:
    """Read one post file and render it as the site does."""
    text = path.read_text(encoding="utf-8")
    match = _NAME.match(path.name)
    if match is None:
        raise ValueError(f"not a post file name: {path.name}")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front) or {}
    slug = match.group(4)
    published = _published(meta.get("date"), date(*map(int, match.groups()[:3])))
    audio = meta.get("audio_file_path")
    if isinstance(audio, str) and audio.startswith("/"):
        audio = site_url + audio
    image = next(
        (
            value
            for value in (meta.get("image_url"), meta.get("thumbnail_url"), meta.get("card"))
            if isinstance(value, str) and value.startswith(("/", "http://", "https://"))
        ),
        None,
    )
    if image and image.startswith("/"):
        image = site_url + image
    actors = meta.get("actor_ids") or []
    return RenderedPost(
        slug=slug,
        title=str(meta.get("title", "")),
        published=published,
        page_url=f"{site_url}/episode/{quote(slug)}",
        html=markdown_to_html(body),
        audio_url=audio if isinstance(audio, str) else None,
        image_url=image if isinstance(image, str) else None,
        description=str(meta.get("description") or ""),
        actors=[actors] if isinstance(actors, str) else [str(actor) for actor in actors],
    )


def rss_feed(
    posts: Iterable[RenderedPost], *, title: str = "株式会社ずんだもん技術室AI放送局", link: str = SITE_URL
) -> bytes:
    """An RSS 2.0 podcast feed of ``posts``, newest first, descriptions holding the rendered HTML."""
    items = []
    for post in sorted(posts, key=lambda post: post.published, reverse=True):
        parts = [
            f"<title>{escape(post.title)}</title>",
            f"<link>{escape(post.page_url)}</link>",
            f'<guid isPermaLink="true">{escape(post.page_url)}</guid>',
            f"<pubDate>{format_datetime(post.published)}</pubDate>",
            f"<description>{escape(post.html)}</description>",
        ]
        if post.description:
            parts.append(f"<itunes:summary>{escape(post.description)}</itunes:summary>")
        if post.actors:
            parts.append(f"<itunes:author>{escape(', '.join(post.actors))}</itunes:author>")
        if post.audio_url:
            parts.append(f'<enclosure url={quoteattr(post.audio_url)} length="0" type="audio/mpeg"/>')
        if post.image_url:
            parts.append(f"<itunes:image href={quoteattr(post.image_url)}/>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>"
        "<description>AIやテクノロジーのニュースを毎朝お届けします</description>"
        + "\n".join(items)
        + "</channel></rss>\n"
    ).encode()


@dataclass
class Entry:
    """One entry of a generic Atom or RDF feed."""

    title: str
    link: str
    published: datetime | None
    summary_html: str = ""
    author: str = ""
    audio_url: str | None = None


def atom_feed(entries: Iterable[Entry], *, title: str, link: str) -> bytes:
    """A minimal Atom 1.0 feed."""
    rows = []
    for entry in entries:
        parts = [
            f"<title>{escape(entry.title)}</title>",
            f'<link rel="alternate" href={quoteattr(entry.link)}/>',
            f"<id>{escape(entry.link)}</id>",
            f'<summary type="html">{escape(entry.summary_html)}</summary>',
        ]
        if entry.published is not None:
            parts.append(f"<published>{entry.published.isoformat()}</published>")
            parts.append(f"<updated>{entry.published.isoformat()}</updated>")
        if entry.author:
            parts.append(f"<author><name>{escape(entry.author)}</name></author>")
        if entry.audio_url:
            parts.append(f'<link rel="enclosure" type="audio/mpeg" length="1" href={quoteattr(entry.audio_url)}/>')
        rows.append("<entry>" + "".join(parts) + "</entry>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><link href={quoteattr(link)}/><id>{escape(link)}</id>"
        + "".join(rows)
        + "</feed>\n"
    ).encode()


def rdf_feed(entries: Iterable[Entry], *, title: str, link: str) -> bytes:
    """A minimal RDF Site Summary (RSS 1.0) feed with Dublin Core dates and creators."""
    entries = list(entries)
    refs = "".join(f"<rdf:li rdf:resource={quoteattr(entry.link)}/>" for entry in entries)
    rows = []
    for entry in entries:
        parts = [
            f"<title>{escape(entry.title)}</title>",
            f"<link>{escape(entry.link)}</link>",
            f"<description>{escape(entry.summary_html)}</description>",
        ]
        if entry.published is not None:
            parts.append(f"<dc:date>{entry.published.isoformat()}</dc:date>")
        if entry.author:
            parts.append(f"<dc:creator>{escape(entry.author)}</dc:creator>")
        rows.append(f"<item rdf:about={quoteattr(entry.link)}>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel rdf:about={quoteattr(link)}><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>{escape(title)}</description><items><rdf:Seq>{refs}</rdf:Seq></items></channel>"
        + "".join(rows)
        + "</rdf:RDF>\n"
    ).encode()
