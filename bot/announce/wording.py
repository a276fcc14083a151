"""How a server's announcements are worded: the language of their fixed text and the headline template.

A headline template is one line of text with placeholders — ``{title}``, ``{number}``, ``{mcs}``, ``{date}`` —
filled from the episode (escaped, so a title's markdown shows as written). Without a template the show's own
headline (「📻 新しいエピソードを公開したのだ！」, in the server's language) is used.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import tzinfo

from bot import i18n
from bot.card import CardStyle
from bot.episodes.model import Episode
from bot.output import escape_text
from bot.render import DEFAULT_ZONE, Payload, format_date, render_announcement

PLACEHOLDERS = ("title", "number", "mcs", "date")
#: Longest template accepted; the filled headline is cut at HEADLINE_LIMIT (room is left for the role mention).
TEMPLATE_LIMIT = 200
HEADLINE_LIMIT = 1000
i18n.register({"announce.mc_separator": {"ja": "、", "en": ", "}})
_MENTION = re.compile(r"@(everyone|here)|<[@#][!&]?\d+>", re.IGNORECASE)


class TemplateError(ValueError):
    """A template that cannot be used; ``problem`` is the i18n key suffix, ``detail`` what to show with it."""

    def __init__(self, problem: str, detail: str = "") -> None:
        super().__init__(f"{problem}: {detail}" if detail else problem)
        self.problem = problem
        self.detail = detail


def check_template(template: str) -> str:
    """The template as stored (trimmed, on one line), or :class:`TemplateError` saying what is wrong."""
    text = " ".join(template.split())
    if not text:
        raise TemplateError("empty")
    if len(text) > TEMPLATE_LIMIT:
        raise TemplateError("too_long", str(TEMPLATE_LIMIT))
    if _MENTION.search(text):
        raise TemplateError("mention")
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        raise TemplateError("braces") from None
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise TemplateError("unknown", "{" + name + "}")
    return text


@dataclass(frozen=True, slots=True)
class Wording:
    """A server's choices: ``language`` of the fixed text (``ja``/``en``), ``headline`` template (None: default)."""

    language: str = "ja"
    headline: str | None = None


def headline(template: str, episode: Episode, zone: tzinfo = DEFAULT_ZONE) -> str:
    """The template filled in for ``episode`` (in the public language in force)."""
    separator = i18n.t("announce.mc_separator")
    values = {
        "title": escape_text(episode.title),
        "number": escape_text(episode.number),
        "mcs": escape_text(separator.join(episode.actors)),
        "date": format_date(episode, zone),
    }
    text = template.format_map(values)
    return text if len(text) <= HEADLINE_LIMIT else text[: HEADLINE_LIMIT - 1] + "…"


def announcement(
    episode: Episode,
    wording: Wording = Wording(),
    *,
    role_id: int | None = None,
    site_name: str | None = None,
    zone: tzinfo = DEFAULT_ZONE,
    style: CardStyle = CardStyle.EMBED,
) -> list[Payload]:
    """The whole announcement of ``episode`` worded as a server chose (main message first, then the thread's),
    its main message an embed or a V2 card (``style``)."""
    with i18n.speaking(wording.language):
        text = headline(wording.headline, episode, zone) if wording.headline else None
        card = style is CardStyle.V2
        return render_announcement(episode, role_id=role_id, site_name=site_name, zone=zone, headline=text, card=card)
