"""Episode sources as the running bot sees them: a posts folder that is missing at start, then appears; a restart
over a folder that changed while the bot was stopped."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.episodes import post_worker
from bot.episodes.model import Episode
from bot.episodes.posts import parse_post
from bot.episodes.site import Site
from bot.render import render_announcement
from discord_emulator import DiscordEmulator
from tests.harness import BotRunner, Community, announcements, assert_announced_once, poll_now, settled, write_post


async def test_a_missing_posts_folder_is_a_source_failure_until_it_appears(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    folder = bot_runner.workdir / "not-yet"
    bot = await bot_runner.start(content_dir=folder, announce_channel_ids=[community.general.id])
    await settled(emulator, bot)
    cog = announcements(bot)
    offset = [timedelta(0)]
    cog.clock = cog.poller.clock = lambda: datetime.now(UTC) + offset[0]
    offset[0] = timedelta(hours=1)  # past the source's backoff
    await poll_now(emulator, bot)

    status = await emulator.slash(community.host, community.general, "status")
    [sources] = [f["value"] for f in status.embeds[0]["fields"] if f["name"] == "取り込み元"]
    text = sources.replace("\\", "")  # markdown escapes
    # Shown by the folder's name only: the absolute path stays out of Discord.
    assert "folder:not-yet" in text
    assert "the posts folder not-yet does not exist" in text
    assert str(bot_runner.workdir) not in text
    state = await bot.store.sources.get(f"folder:{folder.resolve()}")
    assert state.failures == 2  # the poll at start, then one more: retried, not dropped

    folder.mkdir()
    write_post(folder, 7, datetime.now(UTC) - timedelta(minutes=1))
    offset[0] = timedelta(hours=3)
    await poll_now(emulator, bot)
    episode = await bot.store.episodes.by_number("7")
    assert episode is not None
    assert_announced_once(emulator, community.general, render_announcement(episode))
    state = await bot.store.sources.get(f"folder:{folder.resolve()}")
    assert state.failures == 0
    assert state.last_error is None


async def test_a_restart_parses_only_the_posts_that_changed_while_the_bot_was_stopped(
    emulator: DiscordEmulator,
    community: Community,
    bot_runner: BotRunner,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    parsed: list[str] = []

    def counting_parse(data: bytes, *, filename: str, site: Site, source: str | None = None) -> Episode:
        parsed.append(filename)
        return parse_post(data, filename=filename, site=site, source=source)

    monkeypatch.setattr(post_worker, "parse_post", counting_parse)
    now = datetime.now(UTC)
    posts = [write_post(bot_runner.posts, n, now - timedelta(days=4 - n)) for n in (1, 2, 3)]
    (bot_runner.posts / "2026-03-09-9.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    bot = await bot_runner.start(announce_channel_ids=[community.general.id])
    await settled(emulator, bot)
    assert sorted(parsed) == sorted([*(path.name for path in posts), "2026-03-09-9.md"])

    # unchanged folder: nothing is parsed, every episode is still there, the broken post is reported again
    parsed.clear()
    caplog.clear()
    bot = await bot_runner.restart()
    await settled(emulator, bot)
    assert parsed == []
    assert any("2026-03-09-9.md" in record.getMessage() for record in caplog.records if record.levelname == "WARNING")
    assert [episode.number for episode in await bot.store.episodes.all()] == ["1", "2", "3"]
    state = await bot.store.sources.get(f"folder:{bot_runner.posts.resolve()}")
    assert state.failures == 0

    # while stopped: post 2 is edited, post 3 deleted, post 1 only touched (same bytes)
    await bot_runner.stop()
    write_post(bot_runner.posts, 2, now - timedelta(days=2), title="第2回（改訂版）")
    os.utime(posts[1], ns=(time.time_ns(), time.time_ns() + 1_000_000))
    posts[2].unlink()
    os.utime(posts[0], ns=(time.time_ns(), time.time_ns() + 2_000_000))
    bot = await bot_runner.start()
    await settled(emulator, bot)
    assert parsed == [posts[1].name]  # the edited post only
    assert [episode.number for episode in await bot.store.episodes.all()] == ["1", "2"]  # 3 withdrawn
    edited = await bot.store.episodes.by_number("2")
    assert edited is not None
    assert edited.title == "第2回（改訂版）"
    answer = await emulator.slash(community.listener, community.general, "episode", episode="3")
    assert "https://zund-arm-on.com/episode/3" not in [embed.get("url") for embed in answer.embeds]
