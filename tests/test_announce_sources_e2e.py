"""Episode sources as the running bot sees them: a posts folder that is missing at start, then appears."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
