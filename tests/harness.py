"""End-to-end harness: the real zundabot, built as ``zundabot run`` builds it, against the emulator.

Fixtures (imported by tests/conftest.py):

* ``community`` — an emulated server 「ずんだもんリスナー会」 with a text channel ``general``, an
  announcement channel ``news``, a forum ``forum`` (tags named after the MCs), a hosts' channel ``hosts``
  (hidden from @everyone), a host role, and users ``admin`` (Manage Server), ``host`` (host role),
  ``listener`` and ``english`` (locale en-US).
* ``bot_runner`` — builds and starts bots on one database, HOST_ROLE_ID set to the community's host role
  (``await runner.start(**settings)``, ``await runner.restart()``, ``await runner.stop()``), closing
  whatever is left after the test.
* ``running_bot`` — a started bot in ``community``.

A test then acts as a user: ``await emulator.slash(community.listener, community.general, "status")``.

Helpers shared by the end-to-end modules: ``write_post`` (a post in the site's format, ``TOPICS`` its
default topics), ``poll_now`` (fire a scheduled job now and wait for its cycle), ``settled`` (wait for the
running cycle), ``announcements`` (the bot's announcements cog), ``bot_messages`` and
``assert_announced_once`` (what the bot posted in a channel), ``SimulatedCrash`` and ``raise_at`` (a
checkpoint's "the process died here").
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import pytest

from bot.app import ZundaBot, build_bot
from bot.config import Settings
from cogs.announce import POLL_JOB, Announcements
from discord_emulator import (
    FAST_CLIENT_OPTIONS,
    Channel,
    DiscordEmulator,
    Guild,
    Message,
    Permission,
    PermOverwrite,
    Role,
    User,
    use_emulator,
)

MC_TAGS = ("ずんだもん", "春日部つむぎ", "お嬢様ずんだもん")
JST = timezone(timedelta(hours=9))
MESSAGE_ROUTE = "POST /channels/{channel_id}/messages"

TOPICS = [
    (
        "小さな言語モデルを手元で動かす",
        "https://example.com/articles/small-llm",
        "ノートPCで動く小さな言語モデルを試した記事なのだ。\n\n"
        "**ポイント**\n- 量子化でメモリを節約\n- `llama.cpp` で推論\n\n"
        "最後に、速度と精度のバランスを比べているのだ。",
    ),
    (
        "型ヒントで壊れにくいコードを書く",
        "https://example.com/articles/type-hints",
        "Python の型ヒントと mypy の strict モードの話なのだ。" * 40,
    ),
    (
        "ベクトル検索の落とし穴",
        "https://example.com/articles/vector-search",
        "\n\n".join(f"第{i}段落。埋め込みの次元と距離の選び方を説明しているのだ。" * 20 for i in range(8)),
    ),
]


def write_post(
    folder: Path,
    number: int,
    published: datetime,
    *,
    title: str | None = None,
    topics: Sequence[tuple[str, str, str]] = TOPICS,
    actors: Sequence[str] = ("ずんだもん",),
) -> Path:
    """A post in the site's format (front matter, 関連リンク with topics, the お便り link)."""
    local = published.astimezone(JST)
    lines = [
        "---",
        "actor_ids:",
        *(f"  - {actor}" for actor in actors),
        f"audio_file_path: /audio/test_podcast_{number}.mp3",
        f"date: {local:%Y-%m-%d %H:%M:%S} +0900",
        "description: 'テスト用のエピソード'",
        "layout: article",
        f"title: {title or f'テスト放送局 podcast {local:%Y%m%d}'}",
        "---",
        "",
        "## 関連リンク",
        "",
    ]
    for topic_title, url, summary in topics:
        lines += ["", f"- [{topic_title}]({url})", "", summary, "", f"引用元: {url}", ""]
    lines += ["", "- [お便り投稿フォーム](https://example.com/form)", ""]
    path = folder / f"{local:%Y-%m-%d}-{number}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def announcements(bot: ZundaBot) -> Announcements:
    """The bot's announcements cog (discord.py loads extensions as their own module objects)."""
    cog = bot.get_cog("Announcements")
    assert type(cog).__name__ == "Announcements"
    return cast(Announcements, cog)


async def settled(emu: DiscordEmulator, bot: ZundaBot, after: datetime | None = None, wait: float = 30) -> None:
    """Wait until a cycle has finished (after ``after``) and none is running."""
    cog = announcements(bot)

    def done() -> bool:
        return cog.last_cycle is not None and (after is None or cog.last_cycle > after) and not cog.busy

    await emu.wait_until(done, wait, "an announcement cycle")


async def poll_now(emu: DiscordEmulator, bot: ZundaBot, job_id: str = POLL_JOB, wait: float = 30) -> None:
    """Fire a scheduled job now, as its timer would, and wait for the cycle to finish."""
    await settled(emu, bot)
    before = announcements(bot).last_cycle
    job = bot.scheduler.get_job(job_id)
    assert job is not None, job_id
    job.modify(next_run_time=datetime.now(UTC))
    await settled(emu, bot, before, wait)


def bot_messages(emu: DiscordEmulator, channel: Channel) -> list[Message]:
    return [m for m in channel.messages if m.author.id == emu.bot.id]


def assert_announced_once(emu: DiscordEmulator, channel: Channel, payloads: list[dict[str, object]]) -> Message:
    """One main message (or forum post) and a thread holding every summary, each exactly once."""
    main, rest = payloads[0], payloads[1:]
    if channel.type.name == "FORUM":
        [post] = channel.posts
        messages = bot_messages(emu, post)
        assert [m.embeds[0]["title"] for m in messages] == [p["embeds"][0]["title"] for p in payloads]  # type: ignore[index]
        assert [len(m.embeds) for m in messages] == [len(p["embeds"]) for p in payloads]  # type: ignore[arg-type]
        return messages[0]
    [message] = bot_messages(emu, channel)
    assert [e["title"] for e in message.embeds] == [e["title"] for e in main["embeds"]]  # type: ignore[attr-defined]
    thread = message.thread
    assert thread is not None
    parts = bot_messages(emu, thread)
    assert [[e["description"] for e in m.embeds] for m in parts] == [
        [e.get("description") for e in p["embeds"]]  # type: ignore[attr-defined]
        for p in rest
    ]
    return message


async def fill_the_disk(bot: ZundaBot) -> None:
    """A full disk, as SQLite sees it: the file may not grow (``max_page_count``) and every free page is used."""
    db = bot.store.db
    async with db.transaction() as conn:
        pages = int(await db.scalar("PRAGMA page_count"))
        await conn.execute(f"PRAGMA max_page_count = {pages + 8}")
        await conn.execute("CREATE TABLE ballast (b BLOB)")

    async def fill(size: int) -> None:
        for _ in range(10_000):
            async with db.transaction() as conn:
                await conn.execute(f"INSERT INTO ballast VALUES (randomblob({size}))")

    for size in (1000, 100, 1):  # then the room left in partly used pages
        with pytest.raises(sqlite3.OperationalError, match="full"):
            await fill(size)


class SimulatedCrash(BaseException):
    """Raised at a checkpoint to stand for the process dying there."""


def raise_at(step: str) -> Any:
    """A checkpoint that crashes at ``step``."""

    async def checkpoint(reached: str) -> None:
        if reached == step:
            raise SimulatedCrash(step)

    return checkpoint


async def crash_while_announcing(bot: ZundaBot, runner: BotRunner, step: str, number: int) -> None:
    """Write post ``number``, poll at once, and crash the bot when its delivery reaches ``step``."""
    reached = asyncio.Event()

    async def die_at(name: str) -> None:
        if name == step:
            reached.set()
            raise SimulatedCrash(name)

    announcements(bot).announcer.deliverer.checkpoint = die_at
    write_post(runner.posts, number, datetime.now(UTC) - timedelta(minutes=1))
    bot.scheduler.get_job(POLL_JOB).modify(next_run_time=datetime.now(UTC))  # type: ignore[union-attr]
    await asyncio.wait_for(reached.wait(), 30)
    await runner.crash()


@dataclass
class Community:
    """The emulated server the bot serves, with the people who use it."""

    emu: DiscordEmulator
    guild: Guild
    general: Channel
    news: Channel
    forum: Channel
    hosts: Channel
    host_role: Role
    admin: User
    host: User
    listener: User
    english: User


def build_community(emu: DiscordEmulator, name: str = "ずんだもんリスナー会") -> Community:
    admin = emu.create_user("kanri")
    guild = emu.create_guild(name, owner=admin)
    host_role = guild.create_role("ホスト")
    hidden = PermOverwrite(deny=int(Permission.VIEW_CHANNEL))
    shown = PermOverwrite(allow=int(Permission.VIEW_CHANNEL))
    hosts = guild.create_channel(
        "hosts",
        overwrites={guild.everyone: hidden, host_role: shown, guild.bot_role: shown},  # type: ignore[dict-item]
    )
    host = emu.create_user("host")
    listener = emu.create_user("listener")
    english = emu.create_user("english", locale="en-US")
    guild.add_member(host, roles=[host_role])
    guild.add_member(listener)
    guild.add_member(english)
    return Community(
        emu=emu,
        guild=guild,
        general=guild.create_channel("general"),
        news=guild.create_channel("news", type="news"),
        forum=guild.create_channel("forum", type="forum", tags=MC_TAGS),
        hosts=hosts,
        host_role=host_role,
        admin=admin,
        host=host,
        listener=listener,
        english=english,
    )


class BotRunner:
    """Starts zundabot processes-in-a-task against the emulator, one after another, on one database."""

    def __init__(self, emu: DiscordEmulator, workdir: Path, community: Community | None = None) -> None:
        self.emu = emu
        self.community = community
        self.workdir = workdir
        self.posts = workdir / "posts"
        self.posts.mkdir(parents=True, exist_ok=True)
        self.database = workdir / "zundabot.sqlite3"
        self.bot: ZundaBot | None = None
        self._task: asyncio.Task[None] | None = None
        self._overrides: dict[str, Any] = {}
        self._emulator_urls = contextlib.ExitStack()

    def settings(self, **overrides: Any) -> Settings:
        """Settings as the operator would write them in .env, pointed at the emulator."""
        values: dict[str, Any] = {
            "discord_token": self.emu.token,
            "discord_api_base": self.emu.api_base,
            "discord_gateway_url": self.emu.gateway_url,
            "database_path": self.database,
            "content_dir": self.posts,
            "feed_url": None,
            "poll_interval": 3600,
            "poll_jitter": 0,
            "log_level": "DEBUG",
            "host_role_id": self.community.host_role.id if self.community else None,
        }
        values.update(self._overrides)
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    async def start(self, *, timeout: float = 15.0, **overrides: Any) -> ZundaBot:  # noqa: ASYNC109
        """Build the bot exactly as ``zundabot run`` does and wait until it is ready in every guild."""
        if self.bot is not None:
            raise RuntimeError("a bot is already running: stop it first")
        self._overrides.update(overrides)
        self._emulator_urls.enter_context(use_emulator(self.emu))
        settings = self.settings()
        bot = build_bot(settings, **FAST_CLIENT_OPTIONS)
        self.bot = bot
        self._task = asyncio.create_task(bot.start(settings.token()), name="zundabot")
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({self._task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            ready.cancel()
            self._task.result()
            raise RuntimeError("the bot stopped before it was ready")
        if ready not in done:
            ready.cancel()
            raise TimeoutError(f"the bot was not ready after {timeout} s")
        wanted = {g.id for g in self.emu.world.guilds.values() if self.emu.world.bot_in(g)}
        await self.emu.wait_until(lambda: wanted <= {g.id for g in bot.guilds}, timeout, "the bot's guilds")
        return bot

    async def stop(self) -> None:
        """Close the bot as SIGTERM does and wait for its task to end."""
        bot, task = self.bot, self._task
        self.bot = self._task = None
        try:
            if bot is not None:
                await bot.close()
            if task is not None:
                await asyncio.wait_for(task, 15)
        finally:
            self._emulator_urls.close()

    async def restart(self, **overrides: Any) -> ZundaBot:
        await self.stop()
        return await self.start(**overrides)

    async def crash(self) -> None:
        """Stop abruptly, as a killed process would: no graceful shutdown, nothing flushed by the bot."""
        bot, task = self.bot, self._task
        self.bot = self._task = None
        try:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if bot is not None:
                bot.closing = True
                if bot.scheduler.running:
                    bot.scheduler.shutdown(wait=False)
                if bot._store is not None:
                    await bot._store.close()
                    bot._store = None
                with contextlib.suppress(Exception):
                    if bot.ws is not None:
                        await bot.ws.close(code=1006)
                    await bot.http.close()
        finally:
            self._emulator_urls.close()


@pytest.fixture
def community(emulator: DiscordEmulator) -> Community:
    return build_community(emulator)


@pytest.fixture
async def bot_runner(emulator: DiscordEmulator, community: Community, tmp_path: Path) -> AsyncIterator[BotRunner]:
    runner = BotRunner(emulator, tmp_path, community)
    yield runner
    await runner.stop()


@pytest.fixture
async def running_bot(bot_runner: BotRunner) -> ZundaBot:
    return await bot_runner.start()
