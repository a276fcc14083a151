"""``zundabot studio``: the real bot in an emulated Discord server, shown in a local web page.

The studio starts the Discord emulator, seeds a server like the show's (text, announcement, forum and hosts'
channels; a listener, a host and an admin), starts the bot exactly as ``zundabot run`` builds it pointed at
the emulator, and serves the page on 127.0.0.1. It works on copies: the posts folder is copied to a
temporary folder and the database is a temporary file unless ``--db`` is given, so the operator's files
never change. Nothing is sent to the real Discord.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.cli.common import CommandError, add_db_option, command
from bot.config import Settings, feed_location, off
from bot.episodes.posts import POST_NAME, PostError, parse_post
from discord_emulator import (
    Channel,
    DiscordEmulator,
    EmulatorConfig,
    Guild,
    Permission,
    PermOverwrite,
    Role,
    User,
    use_emulator,
)
from discord_emulator.studio import DEFAULT_PORT, Control, ControlField, RemoteBindRefused, Studio, Viewer, check_bind

if TYPE_CHECKING:
    from bot.app import ZundaBot

#: The id of the bot's polling job (cogs' announcements): the studio's "poll now" runs it at once.
POLL_JOB = "announce:poll"
MC_TAGS = ("ずんだもん", "春日部つむぎ", "お嬢様ずんだもん")
READY_TIMEOUT = 60.0
NUMBERED_POST = re.compile(r"^\d{4}-\d{2}-\d{2}-(\d+)\.(?:md|markdown)$")
#: The newest posts offered for editing (the page holds their text).
EDITABLE_POSTS = 30


@dataclass
class StudioServer:
    """The emulated server of the studio and the members a person can act as."""

    guild: Guild
    general: Channel
    news: Channel
    forum: Channel
    hosts: Channel
    host_role: Role
    notify_role: Role
    listener: User
    host: User
    admin: User


def seed(emulator: DiscordEmulator) -> StudioServer:
    """A server like the show's: 雑談 (text), お知らせ (news), 番組フォーラム (forum), ホスト控室 (hosts only)."""
    admin = emulator.create_user("kanri", global_name="管理人")
    guild = emulator.create_guild("ずんだもんリスナー会", owner=admin)
    host_role = guild.create_role("ホスト", color=0x57F287)
    notify_role = guild.create_role("新着通知", mentionable=True, color=0x5865F2)
    hidden = PermOverwrite(deny=int(Permission.VIEW_CHANNEL))
    shown = PermOverwrite(allow=int(Permission.VIEW_CHANNEL))
    general = guild.create_channel("雑談", topic="番組の感想や雑談はこちら")
    read_only = PermOverwrite(deny=int(Permission.SEND_MESSAGES))
    news = guild.create_channel(
        "お知らせ",
        type="news",
        topic="新しい回のお知らせ",
        overwrites={guild.everyone: read_only, guild.bot_role: PermOverwrite(allow=int(Permission.SEND_MESSAGES))},  # type: ignore[dict-item]
    )
    forum = guild.create_channel("番組フォーラム", type="forum", tags=MC_TAGS)
    hosts = guild.create_channel(
        "ホスト控室",
        topic="リスナーからのお便りが届きます",
        overwrites={guild.everyone: hidden, host_role: shown, guild.bot_role: shown},  # type: ignore[dict-item]
    )
    listener = emulator.create_user("zunda_fan", global_name="ずんだファン")
    host = emulator.create_user("tsumugi_p", global_name="つむぎP")
    guild.add_member(listener, roles=[notify_role])
    guild.add_member(host, roles=[host_role, notify_role])
    return StudioServer(guild, general, news, forum, hosts, host_role, notify_role, listener, host, admin)


def viewers(server: StudioServer) -> list[Viewer]:
    return [
        Viewer(server.listener, {"ja": "リスナー", "en": "listener"}),
        Viewer(server.host, {"ja": "ホスト", "en": "host"}),
        Viewer(server.admin, {"ja": "管理者", "en": "admin"}),
    ]


@dataclass
class StudioOptions:
    """What ``zundabot studio`` takes; ``None`` means the settings' value (or a temporary one)."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    allow_remote: bool = False
    content_dir: Path | None = None
    feed: str | None = None
    db: Path | None = None
    backfill: int = 3


@dataclass
class StudioSession:
    emulator: DiscordEmulator
    server: StudioServer
    studio: Studio
    settings: Settings
    posts: Path

    @property
    def url(self) -> str:
        return self.studio.url


def studio_settings(
    settings: Settings, emulator: DiscordEmulator, server: StudioServer, posts: Path, db: Path, options: StudioOptions
) -> Settings:
    """The operator's settings pointed at the emulator and the studio's copies, with the seeded server's ids."""
    return settings.model_copy(
        update={
            "discord_token": SecretStr(emulator.token),
            "discord_api_base": emulator.api_base,
            "discord_gateway_url": emulator.gateway_url,
            "dev_guild_id": None,
            "shard_count": None,
            "database_path": db,
            "content_dir": posts,
            "feed_url": (options.feed or None) if options.feed is not None else settings.feed_url,
            "announce_channel_ids": [server.news.id, server.forum.id],
            "announce_role_id": server.notify_role.id,
            "announce_backfill": options.backfill,
            "letters_channel_id": server.hosts.id,
            "host_role_id": server.host_role.id,
        }
    )


def copy_posts(source: Path | None, target: Path) -> None:
    """Copy the posts of ``source`` (when given and present) into the new folder ``target``."""
    if source is not None and source.is_dir():
        shutil.copytree(source, target)
    else:
        target.mkdir(parents=True)


class PostsControls:
    """The operator's side of the studio: write or edit a post in the (copied) posts folder, and poll now."""

    def __init__(self, posts: Path, settings: Settings, poll: PollTrigger) -> None:
        self.posts = posts
        self.settings = settings
        self.poll = poll

    def controls(self) -> Sequence[Control]:
        """The controls with the newest posts to edit (reads files: the studio calls it in a worker thread)."""
        files = sorted((p for p in self.posts.iterdir() if POST_NAME.match(p.name)), reverse=True)[:EDITABLE_POSTS]
        new_name, template = self.new_post()
        choices = [{"value": "", "label": "新しい記事 / new post", "fills": {"name": new_name, "text": template}}]
        choices += [
            {"value": p.name, "label": p.name, "fills": {"name": p.name, "text": p.read_text(encoding="utf-8")}}
            for p in files
        ]
        return [
            Control(
                name="post",
                label="記事を保存して取り込む / Save the post and poll",
                description=f"投稿フォルダ（コピー）/ posts folder (a copy): {self.posts}",
                fields=[
                    ControlField("file", "記事 / post", "select", "", choices),
                    ControlField("name", "ファイル名 / file name", "text", new_name),
                    ControlField("text", "内容 / content", "textarea", template),
                ],
                run=self.save,
            ),
            Control(name="poll", label="今すぐ取り込む / Poll now", run=self.poll_now),
        ]

    def new_post(self) -> tuple[str, str]:
        """A file name and text for the next episode, dated now in the site's zone."""
        numbers = [int(m.group(1)) for p in self.posts.iterdir() if (m := NUMBERED_POST.match(p.name))]
        number = max(numbers, default=0) + 1
        now = datetime.now(self.settings.zone).replace(microsecond=0)
        text = (
            "---\n"
            "actor_ids:\n  - ずんだもん\n"
            f"date: {now.strftime('%Y-%m-%d %H:%M:%S %z')}\n"
            "layout: article\n"
            f"title: スタジオで書いた回 {now.strftime('%Y%m%d')}\n"
            "---\n\n"
            "## 関連リンク\n\n"
            "- [新しい話題のタイトル](https://example.com/articles/studio)  \n"
            "タイトル: 新しい話題のタイトル\n\n"
            "要約:\n\nここに話題の要約を書くのだ。**太字**や [リンク](https://example.com) も使えるのだ。\n"
        )
        return f"{now.strftime('%Y-%m-%d')}-{number}.md", text

    async def save(self, values: Mapping[str, str]) -> str:
        name = values.get("name", "").strip()
        text = values.get("text", "")
        if not POST_NAME.match(name) or "/" in name or "\\" in name:
            raise ValueError(
                f"ファイル名は YYYY-MM-DD-番号.md の形にしてください / name the file YYYY-MM-DD-slug.md ({name!r})"
            )
        try:
            await asyncio.to_thread(parse_post, text, filename=name, site=self.settings.make_site())
        except PostError as exc:
            raise ValueError(f"記事を読めません / the post cannot be read: {exc}") from None
        await asyncio.to_thread((self.posts / name).write_text, text, encoding="utf-8")
        self.poll()
        return f"{name} を保存しました。取り込みと告知を始めます / saved {name}; polling now"

    async def poll_now(self, values: Mapping[str, str]) -> str:
        self.poll()
        return "取り込みを始めました / polling now"


class PollTrigger:
    """Runs the bot's polling job now, as its interval would (the scheduler tick, not a private call)."""

    def __init__(self) -> None:
        self.bot: ZundaBot | None = None

    def __call__(self) -> None:
        bot = self.bot
        if bot is None or not bot.is_ready():
            raise ValueError("ボットがまだ起動していません / the bot is not ready yet")
        job = bot.scheduler.get_job(POLL_JOB)
        if job is None:
            raise ValueError("ボットの取り込みジョブがありません / the bot has no polling job")
        job.modify(next_run_time=datetime.now(bot.settings.zone))


@contextlib.asynccontextmanager
async def open_studio(settings: Settings, options: StudioOptions) -> AsyncIterator[StudioSession]:
    """The emulator, the seeded server, the running bot and the page; everything stopped and removed after."""
    from bot.app import build_bot  # discord.py is imported only by the commands that need it

    check_bind(options.host, allow_remote=options.allow_remote)
    workdir = Path(tempfile.mkdtemp(prefix="zundabot-studio-"))
    posts = workdir / "posts"
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        source = options.content_dir if options.content_dir is not None else settings.content_dir
        await asyncio.to_thread(copy_posts, source, posts)
        emulator = await stack.enter_async_context(DiscordEmulator())
        server = seed(emulator)
        db = options.db if options.db is not None else workdir / "zundabot.sqlite3"
        bot_settings = studio_settings(settings, emulator, server, posts, db, options)
        trigger = PollTrigger()
        controls = PostsControls(posts, bot_settings, trigger)
        studio = Studio(emulator, viewers(server), controls=controls.controls, title="zundabot studio")
        stack.enter_context(use_emulator(emulator))
        bot = build_bot(bot_settings)
        trigger.bot = bot
        task = asyncio.create_task(bot.start(bot_settings.token()), name="zundabot")
        stack.push_async_callback(_stop_bot, bot, task)
        await _wait_ready(bot, task)
        await studio.start(options.host, options.port, allow_remote=options.allow_remote)
        stack.push_async_callback(studio.stop)
        yield StudioSession(emulator, server, studio, bot_settings, posts)


async def _wait_ready(bot: ZundaBot, task: asyncio.Task[None]) -> None:
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        ready.cancel()
        task.result()
        raise CommandError("the bot stopped before it was ready")
    if ready not in done:
        ready.cancel()
        raise CommandError(f"the bot was not ready after {READY_TIMEOUT:.0f} s")


async def _stop_bot(bot: ZundaBot, task: asyncio.Task[None]) -> None:
    await bot.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(task, 30)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port of the page (default {DEFAULT_PORT})")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, loopback only)")
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow an address other machines reach (the page has no login)"
    )
    parser.add_argument(
        "--content-dir", type=Path, metavar="DIR", help="posts folder to copy (default: CONTENT_DIR, the samples)"
    )
    parser.add_argument("--feed", metavar="URL", help="RSS/Atom feed to read as well (default: FEED_URL; off: none)")
    parser.add_argument("--backfill", type=int, default=3, metavar="N", help="announce the latest N posts at start")
    add_db_option(parser)


def options_from(args: argparse.Namespace) -> StudioOptions:
    if not 0 <= args.port <= 65535:
        raise CommandError(f"--port must be 0-65535, not {args.port}")
    if args.backfill < 0:
        raise CommandError("--backfill must be 0 or more")
    feed = None
    if args.feed is not None:
        chosen = off(args.feed)
        try:
            feed = "" if chosen is None else feed_location(str(chosen))
        except ValueError as exc:
            raise CommandError(f"--feed: {exc}") from None
    if args.content_dir is not None and not args.content_dir.is_dir():
        raise CommandError(f"--content-dir: {args.content_dir} is not a folder")
    return StudioOptions(
        host=args.host,
        port=args.port,
        allow_remote=args.allow_remote,
        content_dir=args.content_dir,
        feed=feed,
        db=args.db,
        backfill=args.backfill,
    )


@command(
    "studio", "Run the bot in an emulated Discord server shown in a local web page (no Discord account).", configure
)
async def studio(args: argparse.Namespace, settings: Settings) -> int:
    from bot.logs import setup_logging

    options = options_from(args)
    try:
        check_bind(options.host, allow_remote=options.allow_remote)
    except RemoteBindRefused as exc:
        raise CommandError(str(exc)) from None
    setup_logging(settings.log_level, settings.log_format, EmulatorConfig().token)  # the only token: the emulator's
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        async with open_studio(settings, options) as session:
            print(
                f"zundabot studio: {session.url}\n"
                f"  ブラウザで開いてください。エミュレーターの中の Discord です（本物の Discord には接続しません）。\n"
                f"  Open it in a browser: an emulated Discord server; nothing is sent to the real Discord.\n"
                f"  posts (a copy): {session.posts}\n  database: {session.settings.database_path}\n"
                "  Ctrl+C で終了 / Ctrl+C to stop",
                flush=True,
            )
            await stop.wait()
    except OSError as exc:
        raise CommandError(f"cannot listen on {options.host}:{options.port}: {exc.strerror or exc}") from None
    print("zundabot studio: stopped", file=sys.stderr)
    return 0
