"""How a letter looks to the hosts: the embed of its message (listener text escaped) and list lines.

Its buttons are in :mod:`cogs.letters.buttons`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot import i18n
from bot.letters.model import Action, Letter, LetterEvent, Status
from bot.output import clip, escape_text
from cogs.letters.texts import status_label

EMBED_ROOM = 4000
HISTORY_LINES = 8

STATUS_COLOURS: dict[Status, discord.Colour] = {
    Status.NEW: discord.Colour.blue(),
    Status.HELD: discord.Colour.gold(),
    Status.READ: discord.Colour.light_grey(),
    Status.ADOPTED: discord.Colour.green(),
    Status.REJECTED: discord.Colour.dark_grey(),
    Status.AIRED: discord.Colour.purple(),
    Status.DELETED: discord.Colour.default(),
}


def timestamp(iso: str, style: str = "f") -> str:
    return f"<t:{int(datetime.fromisoformat(iso).timestamp())}:{style}>"


def event_line(event: LetterEvent, locale: object | None) -> str:
    values = {
        "from_status": status_label(event.from_status, locale) if event.from_status else "—",
        "to_status": status_label(event.to_status, locale) if event.to_status else "—",
        "detail": escape_text(event.detail) if event.action is Action.AIRED else event.detail,
    }
    if event.action is Action.NOTIFIED:
        values["detail"] = i18n.t(f"letters.how.{event.detail}", locale) if event.detail else "—"
    text = i18n.t(f"letters.action.{event.action.value}", locale, **values)
    who = f" — <@{event.actor_id}>" if event.actor_id else ""
    return f"{timestamp(event.at, 'd')} {timestamp(event.at, 't')} {text}{who}"


def episode_link(number: str, key: str | None) -> str:
    """``#389`` linked to the episode's page (its key is the canonical page URL) when it is one."""
    label = clip("#" + escape_text(number), 100)
    if key and key.startswith("https://") and len(key) <= 900 and not any(c in key for c in " ()<>"):
        return f"[{label}]({key})"
    return label


def host_embed(
    letter: Letter, history: Sequence[LetterEvent], *, blocked: bool = False, locale: object | None = None
) -> discord.Embed:
    """The letter for hosts: text escaped (markdown and mentions shown literally), status with who and when."""
    title = i18n.t("letters.embed.title", locale, number=letter.number)
    if letter.deleted:
        description = i18n.t("letters.embed.deleted", locale)
    else:
        description = clip(escape_text(letter.body), EMBED_ROOM)
    embed = discord.Embed(title=title, description=description, colour=STATUS_COLOURS[letter.status])
    embed.timestamp = datetime.fromisoformat(letter.created_at)
    embed.set_footer(text=i18n.t("letters.embed.footer", locale))
    embed.add_field(name=i18n.t("letters.embed.status", locale), value=status_label(letter.status, locale))
    if not letter.deleted:
        embed.add_field(name=i18n.t("letters.embed.name", locale), value=clip(escape_text(letter.radio_name), 1024))
        if letter.author_id is not None:
            author = f"<@{letter.author_id}>"
            if blocked:
                author += "\n" + i18n.t("letters.embed.blocked", locale)
            embed.add_field(name=i18n.t("letters.embed.author", locale), value=author)
    if letter.episode_number:
        embed.add_field(
            name=i18n.t("letters.embed.episode", locale),
            value=episode_link(letter.episode_number, letter.episode_key),
        )
    if letter.status is Status.AIRED and letter.aired_episode_number and letter.aired_at:
        embed.add_field(
            name=i18n.t("letters.embed.aired", locale),
            value=f"{episode_link(letter.aired_episode_number, letter.aired_episode_key)} "
            f"{timestamp(letter.aired_at, 'R')}",
        )
    if not letter.deleted:
        if letter.notify_result:
            how = i18n.t(f"letters.how.{letter.notify_result}", locale)
            notice = i18n.t("letters.embed.notify.done", locale, how=how)
        else:
            notice = i18n.t("letters.embed.notify.yes" if letter.notify else "letters.embed.notify.no", locale)
        embed.add_field(name=i18n.t("letters.embed.notify", locale), value=notice)
    lines = [event_line(event, locale) for event in history[-HISTORY_LINES:]]
    if lines:
        text = "\n".join(lines)
        while len(text) > 1024 and len(lines) > 1:
            lines = lines[1:]
            text = "\n".join(lines)
        embed.add_field(name=i18n.t("letters.embed.history", locale), value=clip(text, 1024), inline=False)
    return embed


def letter_line(letter: Letter, locale: object | None, *, snippet: int = 60) -> str:
    """One line of a list: number, status, when, radio name and the start of the text (escaped)."""
    head = i18n.t(
        "letters.line",
        locale,
        number=letter.number,
        status=status_label(letter.status, locale),
        when=timestamp(letter.created_at, "d"),
    )
    if letter.deleted:
        return head
    text = " ".join(letter.body.split())
    sep = i18n.t("letters.sep", locale)
    episode = f"{sep}#{escape_text(letter.episode_number)}" if letter.episode_number else ""
    return f"{head}{episode}{sep}{escape_text(letter.radio_name)}\n> {escape_text(clip(text, snippet))}"
