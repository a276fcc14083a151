"""``zundabot preview``: the exact message bodies an announcement would send, for operators to check."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot import i18n
from bot.announce.ledger import wire_bodies
from bot.announce.wording import TemplateError, Wording, announcement, check_template
from bot.card import CardStyle, card_summary, component_count, is_card, text_length
from bot.cli.common import CommandError, add_db_option, command, db_path, print_json
from bot.config import Settings
from bot.episodes.catalogue import episode_number, is_visible
from bot.episodes.model import Episode
from bot.episodes.posts import PostError, read_post
from bot.episodes.site import Site
from bot.episodes.sources import FolderSource, SourceFailed
from bot.render import Payload, embed_length, message_problems
from bot.store.store import Store


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="PATH_OR_NUMBER",
        help="post files, post folders, or episode numbers in the store (default: the latest episode in the store)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='one line per episode: {"episode": N, "messages": [...]}, each message the exact JSON body sent '
        "to create it (main message first, then the thread's)",
    )
    parser.add_argument(
        "--channel",
        type=int,
        metavar="ID",
        help="the text or announcement channel whose nonces the bodies carry (default: the first of "
        "ANNOUNCE_CHANNEL_IDS; without any channel the bodies have no nonce)",
    )
    parser.add_argument("--role", type=int, metavar="ID", help="role to mention (default: ANNOUNCE_ROLE_ID)")
    parser.add_argument(
        "--language", choices=i18n.PUBLIC_LANGUAGES, default="ja", help="a server's /settings language (default ja)"
    )
    parser.add_argument("--headline", metavar="TEMPLATE", help="a server's /settings headline ({title} {number} ...)")
    parser.add_argument(
        "--card",
        choices=[style.value for style in CardStyle],
        help="the main message's layout, as /settings card: embed or v2 (default: what the channel chose, as the "
        "store records it, else embed; a forum always gets the embed)",
    )
    add_db_option(parser)


HEADLINE_PROBLEMS = {
    "empty": "is empty",
    "too_long": "is longer than {detail} characters",
    "mention": "may not hold mentions (the role comes from --role)",
    "braces": "has unmatched braces: write placeholders as {{title}}",
    "unknown": "uses {detail}, which is not a placeholder: use {{title}}, {{number}}, {{mcs}} or {{date}}",
}


def kind_of(item: str) -> str:
    """``file``, ``folder`` or ``number`` (anything else is looked up in the store)."""
    path = Path(item)
    return "file" if path.is_file() else "folder" if path.is_dir() else "number"


async def read_folder(folder: Path, site: Site) -> tuple[list[Episode], list[str]]:
    """The posts of a folder, oldest first, and a line per post that could not be read."""
    try:
        poll = await FolderSource(folder, site).poll()
    except SourceFailed as exc:
        raise CommandError(str(exc)) from exc
    return sorted(poll.episodes, key=lambda e: e.published), [f"{name}: {reason}" for name, reason in poll.failures]


async def load(inputs: list[str], args: argparse.Namespace, settings: Settings) -> tuple[list[Episode], list[str]]:
    """Episodes from post files, post folders and/or episode numbers looked up in the store, in the order given;
    and the posts of folders that could not be read."""
    site = settings.make_site()
    kinds = [await asyncio.to_thread(kind_of, item) for item in inputs]
    stored: dict[str, Episode] = {}
    latest: list[Episode] = []
    if not inputs or "number" in kinds:
        database = db_path(args, settings)
        if not await asyncio.to_thread(database.exists):
            raise CommandError(f"no database at {database}: give post files or folders, or run `zundabot ingest` first")
        async with await Store.open(database) as store:
            if not inputs:
                latest = await store.episodes.latest(1, scheduled=True)
            for item, kind in zip(inputs, kinds, strict=True):
                if kind == "number":
                    number = episode_number(item)
                    episode = await store.episodes.by_number(number, scheduled=True) if number else None
                    if episode is None:
                        raise CommandError(
                            f"{item}: no such file or folder, and no episode with that number in the store "
                            f"({await store.episodes.count(scheduled=True)} stored; `zundabot episodes` lists them)"
                        )
                    stored[item] = episode
    found: list[Episode] = []
    problems: list[str] = []
    for item, kind in zip(inputs, kinds, strict=True):
        if kind == "number":
            found.append(stored[item])
        elif kind == "folder":
            episodes, skipped = await read_folder(Path(item), site)
            found.extend(episodes)
            problems.extend(skipped)
        else:
            try:
                found.append(await asyncio.to_thread(read_post, Path(item), site=site))
            except PostError as exc:
                raise CommandError(str(exc)) from exc
    return found or latest, problems


async def chosen_style(channel_id: int | None, args: argparse.Namespace, settings: Settings) -> CardStyle:
    """The layout ``channel_id`` chose with /settings card, as the store records it (embed without either)."""
    database = db_path(args, settings)
    if channel_id is None or not await asyncio.to_thread(database.exists):
        return CardStyle.EMBED
    async with await Store.open(database) as store:
        return await store.cards.get(channel_id)


def one_line(text: object, limit: int = 100) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def describe(index: int, body: Payload) -> list[str]:
    """What a message shows, for a reader: a size line, then its text, embeds and buttons, indented."""
    where = "main" if index == 0 else f"thread {index}"
    if is_card(body):
        components = body.get("components", [])
        counts = f"{component_count(components)} component(s), {text_length(components)} characters"
        return [f"  {where:>9}: V2 card, {counts}", *(f"      {one_line(line)}" for line in card_summary(body))]
    embeds = body.get("embeds", [])
    buttons = [button for row in body.get("components", []) for button in row.get("components", [])]
    size = sum(embed_length(embed) for embed in embeds)
    lines = [f"  {where:>9}: {len(embeds)} embed(s), {size} characters, {len(buttons)} button(s)"]
    if body.get("content"):
        lines.append(f"      {one_line(body['content'])}")
    for embed in embeds:
        if embed.get("title"):
            lines.append(f"      ■ {one_line(embed['title'])}" + (f"  <{embed['url']}>" if embed.get("url") else ""))
        if embed.get("description"):
            lines.append(f"        {one_line(embed['description'])}")
        lines.extend(
            f"        {one_line(field['name'], 40)}: {one_line(field['value'])}" for field in embed.get("fields", [])
        )
    labels = [f"[{button.get('label', '')}]" + (f" {button['url']}" if button.get("url") else "") for button in buttons]
    if labels:
        lines.append(f"      {'  '.join(labels)}")
    return lines


@command("preview", "Print the announcement messages of episodes exactly as the bot would send them.", configure)
async def preview(args: argparse.Namespace, settings: Settings) -> int:
    channel_id = args.channel or (settings.announce_channel_ids[0] if settings.announce_channel_ids else None)
    role_id = args.role if args.role is not None else settings.announce_role_id
    try:
        headline = check_template(args.headline) if args.headline is not None else None
    except TemplateError as exc:
        raise CommandError(f"--headline {HEADLINE_PROBLEMS[exc.problem].format(detail=exc.detail)}") from None
    wording = Wording(args.language, headline)
    status = 0
    episodes, skipped = await load(args.inputs, args, settings)
    style = CardStyle(args.card) if args.card else await chosen_style(channel_id, args, settings)
    for problem in skipped:
        print(f"zundabot: skipped {problem}", file=sys.stderr)
        status = 1
    for episode in episodes:
        payloads = announcement(episode, wording, role_id=role_id, zone=settings.zone, style=style)
        bodies = wire_bodies(episode.key, channel_id, payloads) if channel_id else payloads
        visible = is_visible(episode.published, datetime.now(UTC))
        problems = [f"message {i + 1}: {p}" for i, body in enumerate(bodies) for p in message_problems(body)]
        if args.json:
            number: int | str = int(episode.number) if episode.number.isdigit() else episode.number
            scheduled = {} if visible else {"scheduled": episode.published.isoformat()}
            print_json({"episode": number, **scheduled, "messages": bodies})
        else:
            when = f"{episode.published.astimezone(settings.zone):%Y-%m-%d %H:%M}"
            label = "" if visible else f"  [scheduled: not shown to listeners before {when}]"
            print(f"{episode.number}  {episode.title}  ({len(bodies)} message(s)){label}")
            for index, body in enumerate(bodies):
                print("\n".join(describe(index, body)))
        for problem in problems:
            print(f"zundabot: episode {episode.number}: {problem}", file=sys.stderr)
            status = 1
    return status
