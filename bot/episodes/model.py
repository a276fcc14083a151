"""The episode model: plain, immutable values that know nothing of Discord or storage."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit


@dataclass(frozen=True, slots=True)
class Topic:
    """One news item of an episode: the linked article and the show's summary of it.

    ``summary`` is markdown in the canonical form of :mod:`bot.episodes.markdown`
    (paragraphs, lists, bold, inner headings kept).
    """

    title: str
    url: str
    summary: str = ""

    @property
    def site(self) -> str:
        """The article's host without ``www.`` (``zenn.dev``), or ``""`` for a URL without one."""
        host = urlsplit(self.url).hostname or ""
        return host.removeprefix("www.")


@dataclass(frozen=True, slots=True)
class Episode:
    """One episode, whether read from a post file or from a feed item.

    ``key`` is the canonical page URL (see :func:`episode_key`): the same episode seen through the
    posts folder and through the site's feed has the same key.
    """

    key: str
    number: str
    title: str
    published: datetime
    page_url: str
    actors: tuple[str, ...] = ()
    description: str = ""
    information: str = ""
    audio_url: str | None = None
    youtube_url: str | None = None
    image_url: str | None = None
    topics: tuple[Topic, ...] = ()
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.published.tzinfo is None:
            raise ValueError("Episode.published must be timezone-aware")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``published`` as ISO 8601 with offset)."""
        return {
            "key": self.key,
            "number": self.number,
            "title": self.title,
            "published": self.published.isoformat(),
            "page_url": self.page_url,
            "actors": list(self.actors),
            "description": self.description,
            "information": self.information,
            "audio_url": self.audio_url,
            "youtube_url": self.youtube_url,
            "image_url": self.image_url,
            "topics": [{"title": t.title, "url": t.url, "summary": t.summary} for t in self.topics],
        }

    @property
    def fingerprint(self) -> str:
        """A hash of everything listeners see; it changes exactly when the episode's content does."""
        digest = hashlib.sha256()
        fields = (
            self.key,
            self.number,
            self.title,
            self.published.isoformat(),
            self.page_url,
            "\x1f".join(self.actors),
            self.description,
            self.information,
            self.audio_url or "",
            self.youtube_url or "",
            self.image_url or "",
            *(part for topic in self.topics for part in (topic.title, topic.url, topic.summary)),
        )
        for value in fields:
            digest.update(value.encode())
            digest.update(b"\x00")
        return digest.hexdigest()


def episode_key(page_url: str) -> str:
    """Canonical form of an episode page URL, used as the episode's key.

    Scheme and host are lower-cased, default ports, query, fragment and a trailing slash dropped,
    and the path percent-encoded one way, so ``https://Site/episode/%E3%81%82/`` and
    ``https://site/episode/あ`` give the same key. A value that is not an http(s) URL (a feed
    item's opaque guid) is returned stripped.
    """
    text = page_url.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return text
    host = parts.hostname.lower()
    if parts.port and parts.port not in {80, 443}:
        host = f"{host}:{parts.port}"
    path = quote(unquote(parts.path), safe="/-._~!$&'()*+,;=:@%").rstrip("/")
    return urlunsplit(("https", host, path, "", ""))
