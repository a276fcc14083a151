"""Jekyll post files (``_posts/YYYY-MM-DD-slug.md``) to :class:`~bot.episodes.model.Episode` values.

Front matter is YAML between ``---`` lines, split and loaded by python-frontmatter's YAML handler
(libyaml's safe loader when available) with Jekyll's delimiters; the body's topics come from
:func:`bot.episodes.topics.extract_topics` over the block tree of :mod:`bot.episodes.mdparse`.
Every problem with a file is reported as :class:`PostError`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from bot.episodes.mdparse import parse_blocks
from bot.episodes.model import Episode, episode_key
from bot.episodes.site import Site
from bot.episodes.topics import extract_topics
from bot.episodes.urls import to_uri, youtube_watch_url

MAX_POST_BYTES = 2 * 1024 * 1024
#: Bump when a post file gives a different episode than before: the posts folder then reads every file again.
READER_VERSION = 1
POST_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)\.(?:md|markdown)$")
#: A post starts with a '---' line (Jekyll's rule); python-frontmatter splits it at that line and at the
#: next '---' or '...' line, which ends the front matter in Jekyll.
_FRONT_START = re.compile(r"---[ \t]*\r?\n")
_FRONT_MATTER = YAMLHandler(fm_boundary=re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE))
_IFRAME_SRC = re.compile(r"""<iframe\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})$")
_ACTOR_SEPARATORS = re.compile(r"\s*[,、，]\s*")
#: Years a post or feed date may have (in UTC and in the site's zone): the ends of Python's range (years 1
#: and 9999) leave no room to change zones or to add the few days the announcer's rules add.
FIRST_YEAR, LAST_YEAR = 1000, 9000


class PostError(Exception):
    """A post file that cannot be read as an episode; ``str()`` is ``"<file name>: <reason>"``."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.reason = reason


class Unpublished(PostError):
    """A post with ``published: false`` in its front matter: Jekyll does not publish it, so it is no episode."""

    def __init__(self, filename: str) -> None:
        super().__init__(filename, "not published (published: false in the front matter)")


def read_post(path: Path, *, site: Site) -> Episode:
    """Read and parse one post file."""
    return parse_post(read_post_bytes(path), filename=path.name, site=site, source=str(path))


def read_post_bytes(path: Path) -> bytes:
    """The bytes of one post file; of a file over :data:`MAX_POST_BYTES`, one byte more (``parse_post`` refuses it)."""
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_POST_BYTES + 1)
    except OSError as exc:
        raise PostError(path.name, f"cannot read the file ({exc.strerror or exc.__class__.__name__})") from None


def parse_post(text: str | bytes, *, filename: str, site: Site, source: str | None = None) -> Episode:
    """The episode of one post's content; ``filename`` is its file name (it holds date and slug)."""
    match = POST_NAME.match(filename)
    if match is None:
        raise PostError(filename, "file name is not a post name (expected YYYY-MM-DD-slug.md)")
    try:
        named = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise PostError(filename, "file name does not start with a valid date") from None
    slug = match.group(4)
    content = _decode(text, filename)
    front, body = _split(content, filename)
    meta = _front_matter(front, filename)
    if meta.get("published") is False:  # Jekyll's rule: only the boolean false hides a post
        raise Unpublished(filename)

    title = meta.get("title")
    title = str(title).strip() if isinstance(title, str | int | float | date) and not isinstance(title, bool) else ""
    if not title:
        raise PostError(filename, "missing or empty title in the front matter")
    published = _published(meta.get("date"), named, site, filename)

    permalink = meta.get("permalink")
    page_url = to_uri(site.page_url(slug, published, permalink if isinstance(permalink, str) else None))
    try:
        topics = tuple(extract_topics(parse_blocks(body, base=page_url)))
    except RecursionError:
        raise PostError(filename, "markdown nested too deeply") from None
    return Episode(
        key=episode_key(page_url),
        number=slug,
        title=" ".join(title.split()),
        published=published,
        page_url=page_url,
        actors=_actors(meta.get("actor_ids")),
        description=clean_text(meta.get("description")),
        information=clean_text(meta.get("information")),
        audio_url=_url(meta.get("audio_file_path"), site),
        youtube_url=_youtube(body),
        image_url=_image(meta, site),
        topics=topics,
        source=source if source is not None else filename,
    )


def clean_text(value: object) -> str:
    """A front-matter or feed text field: stripped, line ends without trailing spaces."""
    if value is None or isinstance(value, bool | dict | list):
        return ""
    text = str(value).strip()
    if "\n" not in text:
        return text
    return "\n".join(line.rstrip() for line in text.splitlines())


def _decode(text: str | bytes, filename: str) -> str:
    if isinstance(text, bytes):
        if len(text) > MAX_POST_BYTES:
            raise PostError(filename, f"file is larger than {MAX_POST_BYTES} bytes")
        if b"\x00" in text:
            raise PostError(filename, "file contains NUL bytes (binary data, not a text post)")
        try:
            return text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PostError(filename, f"file is not valid UTF-8 (bad byte at offset {exc.start})") from None
    if len(text) > MAX_POST_BYTES:
        raise PostError(filename, f"file is larger than {MAX_POST_BYTES} bytes")
    if "\x00" in text:
        raise PostError(filename, "file contains NUL characters (binary data, not a text post)")
    return text.removeprefix("\ufeff")


def _split(content: str, filename: str) -> tuple[str, str]:
    """The front matter (from the end of the first line, so its line 0 is the file's line 1) and the body."""
    if _FRONT_START.match(content) is None:
        raise PostError(filename, "no front matter (the file must start with a '---' line)")
    try:
        front, body = _FRONT_MATTER.split(content)
    except ValueError:  # no second delimiter line
        raise PostError(filename, "front matter is not closed by a '---' line") from None
    return front, body.removeprefix("\n")


def _front_matter(front: str, filename: str) -> dict[str, Any]:
    try:
        meta = _FRONT_MATTER.load(front)  # yaml's safe loader (libyaml's when available)
    except yaml.MarkedYAMLError as exc:
        where = f" (line {exc.problem_mark.line + 1})" if exc.problem_mark else ""
        raise PostError(filename, f"invalid YAML in the front matter: {exc.problem or exc}{where}") from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise PostError(filename, f"invalid YAML in the front matter: {exc}") from None
    if meta is None:
        raise PostError(filename, "front matter is empty")
    if not isinstance(meta, dict):
        raise PostError(filename, f"front matter is not a mapping of keys to values (got {type(meta).__name__})")
    return {str(key): value for key, value in meta.items()}


def parse_date(value: object, site: Site) -> datetime | None:
    """A post date (YAML timestamp, date or string; naive means ``site.zone``) as an aware datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip().replace("T", " ", 1)
        if not text:
            return None
        text = _OFFSET.sub(r"\1\2:\3", text.replace(" +", "+").replace(" -", "-")) if " " in text else text
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=site.zone)
    return moment


def _published(value: object, named: date, site: Site, filename: str) -> datetime:
    """The front matter's date; without one, Jekyll's rule: the file name's date at midnight in ``site.zone``."""
    if value is None or value == "":
        value = named
    moment = parse_date(value, site)
    if moment is None:
        raise PostError(filename, f"unparseable date {str(value)[:60]!r} in the front matter")
    if not date_in_range(moment, site):
        raise PostError(
            filename, f"date {str(value)[:60]!r} in the front matter is out of range (years {FIRST_YEAR}-{LAST_YEAR})"
        )
    return moment


def date_in_range(moment: datetime, site: Site) -> bool:
    """Whether ``moment`` falls within :data:`FIRST_YEAR`..:data:`LAST_YEAR` in UTC and in the site's zone."""
    try:
        return all(FIRST_YEAR <= moment.astimezone(zone).year <= LAST_YEAR for zone in (UTC, site.zone))
    except (OverflowError, ValueError):
        return False


def _actors(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        names = _ACTOR_SEPARATORS.split(value)
    elif isinstance(value, list):
        names = [str(item) for item in value if isinstance(item, str | int | float)]
    else:
        return ()
    return tuple(dict.fromkeys(name.strip() for name in names if name.strip()))


def _url(value: object, site: Site) -> str | None:
    if not isinstance(value, str):
        return None
    absolute = site.absolute(value)
    return to_uri(absolute) if absolute else None


def _image(meta: dict[str, Any], site: Site) -> str | None:
    for key in ("image_url", "thumbnail_url", "card"):
        value = meta.get(key)
        if isinstance(value, str) and (value.startswith("/") or value.lower().startswith(("http://", "https://"))):
            return _url(value, site)
    return None


def _youtube(body: str) -> str | None:
    if "<iframe" not in body and "<IFRAME" not in body:
        return None
    for match in _IFRAME_SRC.finditer(body):
        src = next(group for group in match.groups() if group is not None)
        url = youtube_watch_url(src)
        if url:
            return url
    return None
