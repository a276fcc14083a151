"""Where a site publishes its episodes: base URL, permalink template and local time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

_PLACEHOLDER = re.compile(r":(slug|title|year|month|day|i_month|i_day|short_year|categories)")


@dataclass(frozen=True, slots=True)
class Site:
    """A Jekyll site as seen by zundabot.

    ``url`` is the site's base URL without a trailing slash; ``permalink`` a Jekyll permalink
    template (``/episode/:slug``); ``zone`` the time zone of naive dates in posts.
    """

    url: str = "https://zund-arm-on.com"
    permalink: str = "/episode/:slug"
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Tokyo"))

    def page_url(self, slug: str, published: datetime, permalink: str | None = None) -> str:
        """The public URL of a post: SITE_URL + its permalink (the post's own, or the template)."""
        local = published.astimezone(self.zone)
        values = {
            "slug": slug,
            "title": slug,
            "year": f"{local.year:04d}",
            "month": f"{local.month:02d}",
            "day": f"{local.day:02d}",
            "i_month": str(local.month),
            "i_day": str(local.day),
            "short_year": f"{local.year % 100:02d}",
            "categories": "",
        }
        path = _PLACEHOLDER.sub(lambda m: values[m.group(1)], permalink or self.permalink)
        path = re.sub(r"/{2,}", "/", path)
        return self.absolute(path) or self.url

    def absolute(self, url: str | None) -> str | None:
        """Resolve a site-relative URL (``/audio/x.mp3``) against the site; keep absolute ones."""
        if url is None:
            return None
        text = str(url).strip()
        if not text:
            return None
        if urlsplit(text).scheme:
            return text
        return urljoin(self.url + "/", text)
