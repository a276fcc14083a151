"""Letters as files for the hosts: JSON (the script generator's input), CSV (Excel) and Markdown.

Radio names and bodies are plain text, never Markdown or HTML (the JSON says so in ``text_fields``):
whoever renders them must escape them. Each format is safe for the tool that opens it:

* JSON keeps the text exactly as stored (which has no invisible tag characters: see ``bot.letters.text``);
* CSV gives a cell that Excel would run as a formula — starting with ``=``, ``+``, ``-``, ``@`` (or their
  full-width forms ``＝ ＋ － ＠``), a tab or a carriage return — a leading ``'``;
* Markdown escapes HTML and Markdown in every listener text, and quotes every line of a body, so
  nothing in a letter becomes a tag, a link or leaves its quote.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from bot.letters.model import STATUS_LABELS, Letter, Status
from bot.letters.text import strip_stray_tags
from bot.output import escape_markdown

#: Identifies the JSON layout; bump it when a field changes meaning.
JSON_FORMAT = "zundabot.letters/1"

CSV_COLUMNS = (
    "guild_id",
    "number",
    "status",
    "status_label",
    "radio_name",
    "body",
    "episode_number",
    "aired_episode_number",
    "aired_at",
    "created_at",
    "updated_at",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_LINK_SPECIAL = re.compile(r"([\\\[\]])")
#: What the JSON says about its text fields.
TEXT_FIELDS = {
    "fields": ["radio_name", "body"],
    "format": "plain text as the listener wrote it; not Markdown or HTML: escape it wherever it is rendered",
}


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"

    @property
    def suffix(self) -> str:
        return {"json": "json", "csv": "csv", "markdown": "md"}[self.value]

    @property
    def mime(self) -> str:
        return {"json": "application/json", "csv": "text/csv", "markdown": "text/markdown"}[self.value]


def local_time(value: str | None, zone: tzinfo) -> str | None:
    """A stored UTC ISO timestamp as ISO 8601 in ``zone`` (seconds precision), or ``None``."""
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(zone).isoformat(timespec="seconds")


def letter_record(letter: Letter, zone: tzinfo) -> dict[str, Any]:
    """One letter as a JSON-ready dict. The author's Discord id is not exported."""
    return {
        "guild_id": letter.guild_id,
        "number": letter.number,
        "status": letter.status.value,
        "radio_name": strip_stray_tags(letter.radio_name),
        "body": strip_stray_tags(letter.body),
        "episode": {"number": letter.episode_number, "key": letter.episode_key} if letter.episode_number else None,
        "aired_episode": (
            {"number": letter.aired_episode_number, "key": letter.aired_episode_key}
            if letter.aired_episode_number
            else None
        ),
        "aired_at": local_time(letter.aired_at, zone),
        "wants_notification": letter.notify,
        "created_at": local_time(letter.created_at, zone),
        "updated_at": local_time(letter.updated_at, zone),
    }


def to_json(letters: Sequence[Letter], zone: tzinfo, *, exported_at: datetime, filters: Mapping[str, Any]) -> bytes:
    document = {
        "format": JSON_FORMAT,
        "exported_at": exported_at.astimezone(zone).isoformat(timespec="seconds"),
        "filters": dict(filters),
        "text_fields": TEXT_FIELDS,
        "count": len(letters),
        "letters": [letter_record(letter, zone) for letter in letters],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def neutralise_formula(text: str) -> str:
    """Prefix ``'`` to a cell Excel would evaluate as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(letters: Sequence[Letter], zone: tzinfo) -> bytes:
    """UTF-8 with a byte-order mark, CRLF rows: Excel opens the Japanese text correctly."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for letter in letters:
        writer.writerow(
            (
                letter.guild_id,
                letter.number,
                letter.status.value,
                STATUS_LABELS[letter.status],
                neutralise_formula(strip_stray_tags(letter.radio_name)),
                neutralise_formula(strip_stray_tags(letter.body)),
                letter.episode_number or "",
                letter.aired_episode_number or "",
                local_time(letter.aired_at, zone) or "",
                local_time(letter.created_at, zone) or "",
                local_time(letter.updated_at, zone) or "",
            )
        )
    return out.getvalue().encode("utf-8-sig")


def markdown_text(text: str) -> str:
    """A radio name shown literally in Markdown: HTML escaped (no tags, no entities), Markdown escaped."""
    return escape_markdown(html.escape(strip_stray_tags(text), quote=False))


def markdown_quote(text: str) -> str:
    """A body as a block quote: every line quoted (so nothing leaves it), HTML escaped, links impossible.

    Markdown inside stays (a listener's list is a list in the quote), but ``[`` ``]`` and ``\\`` are
    escaped, so no link or image can form, and ``<`` ``>`` ``&`` are entities, so no tag or autolink.
    """
    safe = _LINK_SPECIAL.sub(r"\\\1", html.escape(strip_stray_tags(text), quote=False))
    return "\n".join(f"> {line}".rstrip() for line in safe.split("\n"))


def to_markdown(letters: Sequence[Letter], zone: tzinfo, *, exported_at: datetime) -> bytes:
    """A readable list for preparing the show; each body is a block quote so it cannot break the layout."""
    stamp = exported_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    parts = [f"# お便り一覧（{stamp} 出力・{len(letters)} 通）\n"]
    servers = len({letter.guild_id for letter in letters}) > 1  # numbers restart in each server
    for letter in letters:
        where = f"サーバー {letter.guild_id} " if servers else ""
        parts.append(f"\n## {where}#{letter.number} {markdown_text(letter.radio_name)}\n\n")
        parts.append(f"- 状態: {STATUS_LABELS[letter.status]}\n")
        if letter.episode_number:
            parts.append(f"- 関連エピソード: #{letter.episode_number}\n")
        if letter.status is Status.AIRED and letter.aired_episode_number:
            parts.append(f"- 放送回: #{letter.aired_episode_number}\n")
        created = local_time(letter.created_at, zone)
        if created:
            parts.append(f"- 受付: {created[:16].replace('T', ' ')}\n")
        if letter.body:
            parts.append("\n" + markdown_quote(letter.body) + "\n")
    return "".join(parts).encode("utf-8")


def export_letters(
    letters: Sequence[Letter],
    fmt: ExportFormat,
    zone: tzinfo,
    *,
    exported_at: datetime,
    filters: Mapping[str, Any] | None = None,
) -> bytes:
    """The letters in ``fmt``; CPU-bound for large sets, so callers on the event loop use a thread."""
    if fmt is ExportFormat.JSON:
        return to_json(letters, zone, exported_at=exported_at, filters=filters or {})
    if fmt is ExportFormat.CSV:
        return to_csv(letters, zone)
    return to_markdown(letters, zone, exported_at=exported_at)
