"""The bot holds to Discord's own contract: what it sends passes the emulator's check against Discord's OpenAPI
spec and rules, Discord shows all of it, and a long rate limit does not stall it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import pytest

from bot.announce.ledger import delivery_nonce, edit_body, with_nonce
from bot.app import ZundaBot
from bot.episodes.model import Episode
from bot.episodes.posts import read_post
from bot.episodes.site import Site
from bot.render import forum_post, render_announcement, thread_body, thread_name
from discord_emulator import DiscordEmulator, EmulatorConfig, Message, RateLimitConfig
from discord_emulator.errors import FormErrors
from discord_emulator.models import hidden_embed_indexes
from discord_emulator.schema import validate_body
from discord_emulator.validation import validate_message
from tests.harness import BotRunner, Community

JST = timezone(timedelta(hours=9))
PUBLISH = "POST /channels/{channel_id}/messages/{message_id}/crosspost"
CHANNEL = 123456789012345678
ROLE = 223456789012345678
TAGS = [323456789012345678, 423456789012345678]


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """Discord's behaviour, with room for many messages in one channel (these tests are not about limits)."""
    return EmulatorConfig(heartbeat_interval_ms=1_000, ratelimits=RateLimitConfig(message_limit=1000))


def write_post(folder: Path, number: int, summaries: list[str]) -> Path:
    """A post in the site's format, published a minute ago, with one topic per summary."""
    local = (datetime.now(UTC) - timedelta(minutes=1)).astimezone(JST)
    lines = [
        "---",
        "actor_ids:",
        "  - ずんだもん",
        f"audio_file_path: /audio/test_podcast_{number}.mp3",
        f"date: {local:%Y-%m-%d %H:%M:%S} +0900",
        "layout: article",
        f"title: テスト放送局 第{number}回",
        "---",
        "",
        "## 関連リンク",
        "",
    ]
    for index, summary in enumerate(summaries, start=1):
        url = f"https://example.com/articles/{number}-{index}"
        lines += ["", f"- [話題{index}]({url})", "", summary, "", f"引用元: {url}", ""]
    path = folder / f"{local:%Y-%m-%d}-{number}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def announcements(bot: ZundaBot) -> Any:
    cog = bot.get_cog("Announcements")
    assert cog is not None
    return cog


async def settled(emu: DiscordEmulator, bot: ZundaBot) -> None:
    """Wait until the first cycle (which takes the archive found at start as already known) is over."""
    cog = announcements(bot)
    await emu.wait_until(lambda: cog.last_cycle is not None and not cog.busy, 30, "a quiet moment")


async def run_cycle(emu: DiscordEmulator, bot: ZundaBot, *, within: float = 30.0) -> None:
    """Poll and announce once, as the scheduler would; fail if it takes longer than ``within``."""
    await settled(emu, bot)
    await asyncio.wait_for(announcements(bot).cycle(), within)


def bot_messages(emu: DiscordEmulator, channel: Any) -> list[Message]:
    return [m for m in channel.messages if m.author.id == emu.bot.id]


async def test_a_long_summary_is_shown_whole_in_the_thread(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start(announce_channel_ids=[community.general.id])
    await settled(emulator, bot)
    long_summary = "\n\n".join(
        f"第{i}段落。長い要約の一部で、分割されても全部読めるはずなのだ。" * 20 for i in range(8)
    )
    assert len(long_summary) > 4500
    write_post(bot_runner.posts, 7, [long_summary, "短い要約なのだ。"])
    await run_cycle(emulator, bot)
    [main] = bot_messages(emulator, community.general)
    assert main.thread is not None
    parts = bot_messages(emulator, main.thread)
    embeds = [embed for message in parts for embed in message.embeds]
    assert sum("（続き）" in embed["title"] for embed in embeds) >= 1
    for message in parts:
        assert message.shown_embeds == message.embeds  # no embed hidden behind an earlier one with its url
    shown = "".join(embed.get("description", "") for message in parts for embed in message.shown_embeds)
    assert shown.count("段落。") == long_summary.count("段落。")


async def test_a_long_rate_limit_sets_the_delivery_aside_instead_of_stalling(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start(announce_channel_ids=[community.news.id, community.general.id])
    await settled(emulator, bot)
    emulator.faults.storm_429(1, retry_after=600, route=PUBLISH)  # e.g. the hourly publish limit of the channel
    write_post(bot_runner.posts, 8, ["要約なのだ。"])
    await run_cycle(emulator, bot)  # without a limit on waiting, discord.py would sleep 10 minutes here
    assert emulator.count_429(route=PUBLISH) == 1
    [news] = bot_messages(emulator, community.news)
    assert not news.crossposted
    assert len(bot_messages(emulator, community.general)) == 1
    report = announcements(bot).last_report
    [failed] = report.failed
    assert failed.channel_id == community.news.id
    assert "rate limited" in str(failed.error)


async def test_an_edited_post_edits_its_thread_after_discord_archived_it(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start(announce_channel_ids=[community.general.id])
    await settled(emulator, bot)
    path = write_post(bot_runner.posts, 9, ["最初の要約なのだ。"])
    await run_cycle(emulator, bot)
    [main] = bot_messages(emulator, community.general)
    thread = main.thread
    assert thread is not None
    thread.archive()  # a week without activity
    path.write_text(path.read_text(encoding="utf-8").replace("最初の要約", "訂正した要約"), encoding="utf-8")
    await run_cycle(emulator, bot)
    [part] = bot_messages(emulator, thread)
    assert "訂正した要約" in part.embeds[0]["description"]
    edits = [
        r
        for r in emulator.requests_for("PATCH /channels/{channel_id}/messages/{message_id}")
        if str(thread.id) in r.path
    ]
    assert [(r.status, (r.response or {}).get("code")) for r in edits] == [(400, 50083), (200, None)]
    [unarchive] = [
        r for r in emulator.requests_for("PATCH /channels/{channel_id}") if r.path == f"/channels/{thread.id}"
    ]
    assert unarchive.body == {"archived": False}
    assert not thread.archived


# --- the real archive ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_episodes(corpus_dir: Path) -> list[Episode]:
    return [read_post(path, site=Site()) for path in sorted(corpus_dir.glob("*.md"))]


def refusals(method: str, route: str, body: dict[str, Any], *, variant: str | None = None) -> dict[str, Any]:
    """What the emulator (Discord's spec and rules) refuses in a body; embeds Discord would hide count too."""
    errors = FormErrors()
    validate_body(method, route, body, errors, variant=variant)
    message = body.get("message", body)
    if "embeds" in message or "content" in message:
        validate_message(message, errors)
    for index in hidden_embed_indexes(message.get("embeds") or []):
        errors.add(("embeds", index, "url"), "HIDDEN", "shares its url with an earlier embed")
    return errors.to_dict()


CREATE = ("POST", "/channels/{channel_id}/messages", None)
EDIT = ("PATCH", "/channels/{channel_id}/messages/{message_id}", None)
START_THREAD = ("POST", "/channels/{channel_id}/messages/{message_id}/threads", None)
RENAME_THREAD = ("PATCH", "/channels/{channel_id}", "UpdateThreadRequestPartial")
FORUM_POST = ("POST", "/channels/{channel_id}/threads", "CreateForumThreadRequest")


def bodies_for(episode: Episode, role: int | None) -> list[tuple[tuple[str, str, str | None], dict[str, Any]]]:
    """Every body the bot sends for an episode: messages (created with their nonce, and edited), the thread
    started from the main message and its rename, and the forum post."""
    name = thread_name(episode)
    bodies = [
        (START_THREAD, thread_body(name)),
        (RENAME_THREAD, {"name": name}),
        (FORUM_POST, forum_post(episode, role_id=role, applied_tags=TAGS)),
    ]
    for index, payload in enumerate(render_announcement(episode, role_id=role)):
        bodies.append((CREATE, with_nonce(payload, delivery_nonce(episode.number, CHANNEL, index))))
        bodies.append((EDIT, edit_body(payload)))
    return bodies


@pytest.mark.corpus
def test_every_body_for_every_real_post_is_one_discord_takes(corpus_episodes: list[Episode]) -> None:
    problems: dict[str, object] = {}
    for episode in corpus_episodes:
        for role in (None, ROLE):
            for (method, route, variant), body in bodies_for(episode, role):
                found = refusals(method, route, body, variant=variant)
                if found:
                    problems[f"{episode.number} {method} {route}"] = found
    assert problems == {}
    assert len(corpus_episodes) > 400


async def test_the_synced_command_tree_and_the_letter_form_conform_in_every_locale(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start(letters_channel_id=community.hosts.id)
    [sync] = emulator.requests_for("PUT /applications/{application_id}/commands")
    assert sync.status == 200
    errors = FormErrors()
    validate_body("PUT", "/applications/{application_id}/commands", sync.body, errors)
    assert errors.to_dict() == {}
    commands = cast(list[dict[str, Any]], sync.body)
    assert {"ja", "en-US", "en-GB"} <= {locale for c in commands for locale in c.get("name_localizations") or {}}
    titles = set()
    for locale in ("ja", "en-US", "en-GB", "ko", "zh-TW"):
        user = emulator.create_user(f"listener-{locale}", locale=locale)
        community.guild.add_member(user)
        opened = await emulator.slash(user, community.general, "otayori write")
        assert opened.modal is not None, locale
        titles.add(opened.modal.title)
    assert len(titles) == 2  # Japanese, and English for the English locales
    callbacks = emulator.requests_for("/callback")
    assert [r.status < 300 for r in callbacks] == [True] * 5
    assert bot.is_ready()
