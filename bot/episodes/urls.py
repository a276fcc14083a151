"""URL helpers shared by the readers: one URI form for every URL, and YouTube player links."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urljoin, urlsplit

# Characters kept as they are (besides ASCII letters and digits), as CommonMark renderers do.
_SAFE = ";/?:@&=+$,-_.!~*'()#"
_CLEAN = re.compile(r"(?:[A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]|%[0-9A-Fa-f]{2})*")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_HTTP = re.compile(r"[ \t\n]*https?://[^/?#\s]", re.IGNORECASE)
_HOST = re.compile(r"((?:https?:)?//(?:[^/?#@]*@)?)([^/?#:]+)", re.IGNORECASE)
_HOST_DOTS = re.compile("[.\u3002\uff0e\uff61]")
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{6,32}")
_YOUTUBE_HOSTS = {"youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com"}


def to_uri(url: str) -> str:
    """``url`` stripped, with spaces, non-ASCII and other unsafe characters percent-encoded.

    Existing ``%XX`` escapes are kept, so the function is idempotent:
    ``to_uri("/audio/放送.mp3") == to_uri(to_uri("/audio/放送.mp3")) == "/audio/%E6%94%BE%E9%80%81.mp3"``.
    This is also what markdown renderers put into ``href``, so a link read from a post and the same
    link read from the rendered HTML compare equal.
    """
    text = url.strip()
    if _CLEAN.fullmatch(text):
        return text
    if not text.isascii():
        text = _ascii_host(text)
    parts: list[str] = []
    pos = 0
    for match in _ESCAPE.finditer(text):
        parts.append(quote(text[pos : match.start()], safe=_SAFE, errors="replace"))
        parts.append(match.group())
        pos = match.end()
    parts.append(quote(text[pos:], safe=_SAFE, errors="replace"))
    return "".join(parts)


def _ascii_host(url: str) -> str:
    """``url`` with a non-ASCII host of an http(s) URL written in punycode (``xn--...``)."""
    match = _HOST.match(url)
    if not match or match.group(2).isascii():
        return url
    labels = _HOST_DOTS.split(match.group(2))
    try:
        host = ".".join(label if label.isascii() else "xn--" + label.encode("punycode").decode() for label in labels)
    except UnicodeError:
        return url
    return match.group(1) + host + url[match.end() :]


def is_http(url: str) -> bool:
    """True for an absolute ``http://`` or ``https://`` URL with a host."""
    return _HTTP.match(url) is not None


def resolve(url: str, base: str | None) -> str | None:
    """``url`` made absolute against ``base`` and URI-encoded, or None unless it is http(s)."""
    text = url.strip()
    if not text:
        return None
    if text.startswith(("https://", "http://")) and _CLEAN.fullmatch(text) and len(text) > 8:
        return text
    if base and not is_http(text):
        try:
            text = urljoin(base, text)
        except ValueError:
            return None
    return to_uri(text) if is_http(text) else None


def youtube_watch_url(src: str) -> str | None:
    """``https://www.youtube.com/watch?v=ID`` for an embed, watch, shorts or youtu.be URL, else None."""
    text = src.strip()
    if text.startswith("//"):
        text = "https:" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().removeprefix("www.")
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"}:
        return None
    video: str | None = None
    if host == "youtu.be":
        video = parts.path.strip("/").split("/")[0]
    elif host in _YOUTUBE_HOSTS:
        segments = [segment for segment in parts.path.split("/") if segment]
        if segments[:1] == ["watch"]:
            video = (parse_qs(parts.query).get("v") or [""])[0]
        elif len(segments) >= 2 and segments[0] in {"embed", "shorts", "live", "v"}:
            video = segments[1]
    if video and _YOUTUBE_ID.fullmatch(video):
        return f"https://www.youtube.com/watch?v={video}"
    return None
