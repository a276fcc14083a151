"""A post dated in the future is a scheduled episode: invisible to listeners everywhere until its time.

Listeners see the archive through one rule (``bot.episodes.catalogue.is_visible``, applied by the store);
the announcer holds the same episode until then. Driven through the emulator as listeners would, with the
store's clock moved forward, and through ``zundabot search``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.store.store import Store
from cogs.announce import RELEASE_JOB
from discord_emulator import DiscordEmulator, InteractionResult
from tests.factories import make_episode
from tests.harness import BotRunner, Community, announcements, bot_messages, poll_now, settled, write_post

SECRET = ("量子アニーリングの新発表", "https://example.com/quantum", "量子の話なのだ。")
OLD = ("昔の話題", "https://example.com/old", "古い要約なのだ。")


def text_of(result: InteractionResult) -> str:
    parts = [result.content or ""]
    for embed in result.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{field['name']} {field['value']}" for field in embed.get("fields", [])]
    return "\n".join(parts)


async def listener_view(emulator: DiscordEmulator, community: Community) -> dict[str, object]:
    """What a listener finds about the scheduled episode (number 2) through every lookup."""
    who, where = community.listener, community.general
    latest = await emulator.slash(who, where, "latest")
    search = await emulator.slash(who, where, "search", query="量子")
    topics = await emulator.slash(who, where, "topics", episode="2")
    by_number = await emulator.autocomplete(who, where, "episode", focused="episode", episode="2")
    by_words = await emulator.autocomplete(who, where, "episode", focused="episode", episode="量子")
    titles = await emulator.autocomplete(who, where, "search", focused="query", query="量子")
    stats = await emulator.slash(who, where, "stats")
    randoms = [text_of(await emulator.slash(who, where, "random")) for _ in range(4)]
    form = await emulator.slash(who, where, "otayori write")
    assert form.modal is not None
    options = form.modal.inputs.get("episode", {}).get("options", [])
    return {
        "latest": "podcast 2" in text_of(latest),
        "search": SECRET[0] in text_of(search),
        "topics": SECRET[0] in text_of(topics),
        "autocomplete number": "2" in [choice["value"] for choice in by_number.choices],
        "autocomplete words": bool(by_words.choices),
        "search autocomplete": bool(titles.choices),
        "stats": {field["name"]: field["value"] for field in stats.embeds[0]["fields"]}["エピソード"] == "2",
        "random": any(SECRET[0] in text for text in randoms),
        "letter form": any(option["label"].startswith("#2 ") for option in options),
    }


async def test_a_scheduled_episode_is_invisible_until_its_time_then_shown_and_announced(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    write_post(
        bot_runner.posts, 1, datetime.now(UTC) - timedelta(days=30), title="テスト放送局 podcast 1", topics=[OLD]
    )
    bot = await bot_runner.start(announce_channel_ids=[community.general.id])
    await settled(emulator, bot)
    cog = announcements(bot)
    now = datetime.now(UTC).replace(microsecond=0)
    offset = [timedelta(0)]
    cog.clock = lambda: datetime.now(UTC) + offset[0]
    publication = now + timedelta(days=3)
    write_post(bot_runner.posts, 2, publication, title="テスト放送局 podcast 2", topics=[SECRET])
    await poll_now(emulator, bot)
    stored = await bot.store.episodes.by_number("2", scheduled=True)
    assert stored is not None  # stored and held by the announcer, but listeners see nothing of it

    before = await listener_view(emulator, community)
    assert before == dict.fromkeys(before, False)
    assert bot_messages(emulator, community.general) == []

    offset[0] = publication - now + timedelta(seconds=1)  # the clock reaches the publication time
    await poll_now(emulator, bot, RELEASE_JOB + stored.key)
    after = await listener_view(emulator, community)
    assert {name: seen for name, seen in after.items() if name != "random"} == dict.fromkeys(
        after.keys() - {"random"}, True
    )
    [announcement] = bot_messages(emulator, community.general)
    assert announcement.embeds[0]["title"] == "テスト放送局 podcast 2"


async def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = await asyncio.to_thread(main, list(argv))
    return code, capsys.readouterr().out


async def test_zundabot_search_agrees(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "store.sqlite3"
    shown = make_episode(1, published=datetime.now(UTC) - timedelta(days=1))
    held = make_episode(2, published=datetime.now(UTC) + timedelta(days=1))
    async with await Store.open(database) as store:
        await store.episodes.upsert_many([shown, held])
    code, out = await run_cli(capsys, "search", "--db", str(database), "--json", "話題")
    assert code == 0
    assert [line for line in out.splitlines() if '"episode": "2"' in line] == []
    assert '"episode": "1"' in out


async def test_hosts_preview_shows_a_scheduled_episode_labelled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "store.sqlite3"
    held = make_episode(7, published=datetime.now(UTC) + timedelta(days=1))
    async with await Store.open(database) as store:
        await store.episodes.upsert(held)
    code, out = await run_cli(capsys, "preview", "7", "--db", str(database))
    assert code == 0
    local = held.published.astimezone(ZoneInfo("Asia/Tokyo"))
    assert out.splitlines()[0].endswith(f"[scheduled: not shown to listeners before {local:%Y-%m-%d %H:%M}]")
