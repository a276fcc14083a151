"""Plain values of the lookup features: search filters, hits, statistics."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from urllib.parse import urlsplit

from bot.search.query import Query

_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


class InvalidDate(ValueError):
    """A date option could not be read; ``value`` is what the user typed."""

    def __init__(self, value: str) -> None:
        super().__init__(f"not a date: {value!r}")
        self.value = value


def parse_date(text: str) -> date:
    """``2025-06-30``, ``2025/6/30``, ``2025年6月30日`` or ``20250630`` (full-width digits too)."""
    value = unicodedata.normalize("NFKC", text)
    match = _DATE.match(value) or _COMPACT_DATE.match(value)
    if match is None:
        raise InvalidDate(text)
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise InvalidDate(text) from None


def day_start(day: date, zone: tzinfo) -> datetime:
    """Local midnight at the start of ``day``."""
    return datetime.combine(day, time(), zone)


def day_end(day: date, zone: tzinfo) -> datetime:
    """The end of local day ``day`` (exclusive): the next midnight.

    Any date works: for the last one ``date`` can hold (9999-12-31) it is that day's last microsecond, which
    rounds up to the same second (publication times are whole seconds).
    """
    if day == date.max:
        return datetime.combine(day, time.max, zone)
    return day_start(day + timedelta(days=1), zone)


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions on a search: an MC, a source site, and a half-open publication window."""

    mc: str | None = None
    site: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def from_input(
        cls,
        *,
        zone: tzinfo,
        mc: str | None = None,
        site: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Filters:
        """Filters from command options; ``since``/``until`` are inclusive local dates (YYYY-MM-DD).

        Raises :class:`InvalidDate` for a date that cannot be read; any readable date works, from 0001-01-01
        to 9999-12-31.
        """
        start = day_start(parse_date(since), zone) if since and since.strip() else None
        end = day_end(parse_date(until), zone) if until and until.strip() else None
        return cls(
            mc=(mc or "").strip() or None,
            site=site_host(site),
            since=start,
            until=end,
        )

    @property
    def empty(self) -> bool:
        return self.mc is None and self.site is None and self.since is None and self.until is None


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A search as a listener asked for it, the words and options as typed: what its answer's buttons search
    again (a page turn), and whether the answer was shared."""

    owner_id: int
    query: str
    mc: str | None = None
    site: str | None = None
    since: str | None = None
    until: str | None = None
    shared: bool = False

    def filters(self, zone: tzinfo) -> Filters:
        """Its filters (:meth:`Filters.from_input`; its dates were readable when it was asked)."""
        return Filters.from_input(zone=zone, mc=self.mc, site=self.site, since=self.since, until=self.until)


def site_host(site: str | None) -> str | None:
    """A site filter as typed (``zenn.dev``, ``www.zenn.dev``, ``https://zenn.dev/``) as the host it names."""
    text = (site or "").strip().lower()
    if "//" in text:
        text = urlsplit(text if "://" in text else f"https:{text}").hostname or ""
    text = text.split("/", 1)[0].removeprefix("www.")
    return text or None


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: a topic, or an episode whose own title or description matched.

    ``text`` is the markdown the snippet is cut from (the topic's summary or the episode's description).
    """

    episode_key: str
    number: str
    published: datetime
    page_url: str
    episode_title: str
    position: int | None
    title: str
    url: str
    text: str
    site: str
    score: float

    @property
    def is_topic(self) -> bool:
        return self.position is not None


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The best hits, best first; ``more`` when the query matches more than these.

    ``by_relevance`` tells bm25 ranking from the recency ranking used for common words (title matches first);
    ``partial_from`` is the index of the first hit that holds only most of the words (the relaxed query), or
    ``None`` when every hit holds them all; ``searched`` is the query as run, with the synonyms of its words
    (snippets bold what it matched).
    """

    hits: tuple[Hit, ...] = ()
    more: bool = False
    by_relevance: bool = True
    partial_from: int | None = None
    searched: Query | None = None

    @property
    def partial(self) -> bool:
        """Whether no hit holds every word."""
        return self.partial_from == 0


@dataclass(frozen=True, slots=True)
class TopicRef:
    """A topic with the episode it belongs to."""

    episode_key: str
    number: str
    published: datetime
    page_url: str
    position: int
    title: str
    url: str
    summary: str
    site: str


@dataclass(frozen=True, slots=True)
class Stats:
    """Archive statistics for ``/stats``."""

    episodes: int = 0
    topics: int = 0
    first: datetime | None = None
    last: datetime | None = None
    top_sites: tuple[tuple[str, int], ...] = ()
    per_mc: tuple[tuple[str, int], ...] = ()
    busiest_months: tuple[tuple[str, int], ...] = ()
