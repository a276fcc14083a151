"""``/follow`` (「/フォロー」): follow words, list and remove them; listens for completed announcements.

How the bot learns of an announcement: the announcements side dispatches ``episode_announced``
(an :class:`bot.announce.announcer.Announced`) when an episode's announcement is complete in a
channel. Matching runs in a worker thread; notices are committed to the outbox with the scan, so a
crash between the two is caught up from the announcement ledger (:meth:`Follows.catch_up`).

Leaving a server: the bot has only the ``guilds`` intent, so Discord does not tell it when a member
leaves (``GUILD_MEMBER_REMOVE`` needs the privileged members intent). Before each DM that links to a
server's announcement the bot asks Discord whether the listener is still a member
(``GET /guilds/{id}/members/{user}``, no intent needed); when not, their follows in that server are
deleted. When the bot itself leaves a server (``GUILD_DELETE``), every follow made there is deleted.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

import discord
from discord import app_commands, ui
from discord.ext import commands

from bot import i18n
from bot.announce.announcer import Announced
from bot.follow.matching import Matcher, group, word_forms
from bot.follow.model import ANYWHERE, Announcement, Follow
from bot.follow.outbox import FollowOutbox
from bot.follow.words import MAX_WORD_LENGTH, MAX_WORDS, WordRefused, clean_word
from bot.search.worker import off_loop
from bot.store.follows import Added
from bot.ui.answer import answer
from bot.ui.errors import UserFacingError, report_error
from bot.ui.safety import quoted
from bot.ui.translator import ls
from cogs.follow.transport import DiscordTransport

if TYPE_CHECKING:
    from bot.app import ZundaBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["ZundaBot"]

FOLLOW_COG = "Follows"
OUTBOX_JOB = "follow:outbox"
OUTBOX_INTERVAL = 60
#: Announcements completed this long ago are still matched when a crash kept them from it.
CATCH_UP_WINDOW = timedelta(days=1)
EVERYWHERE_INSTALLS = app_commands.AppInstallationType(guild=True, user=True)
EVERYWHERE_CONTEXTS = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)

i18n.register(
    {
        "follow.cmd": {"default": "follow", "ja": "フォロー", "en": "follow"},
        "follow.cmd.desc": {
            "ja": "気になる言葉をフォローして、新しい回の話題に出てきたら DM で知らせてもらうのだ",
            "en": "Follow words; get a DM when a new episode's topics mention them",
        },
        "follow.cmd.word": {"default": "word", "ja": "追加", "en": "word"},
        "follow.cmd.word.desc": {
            "ja": "言葉やフレーズをフォローする（最大20個）",
            "en": "Follow a word or phrase (up to 20)",
        },
        "follow.cmd.list": {"default": "list", "ja": "一覧", "en": "list"},
        "follow.cmd.list.desc": {
            "ja": "フォロー中の言葉と DM の状態を表示します",
            "en": "Your followed words and DM status",
        },
        "follow.cmd.remove": {"default": "remove", "ja": "解除", "en": "remove"},
        "follow.cmd.remove.desc": {"ja": "言葉のフォローをやめます", "en": "Stop following a word"},
        "follow.opt.word": {"default": "word", "ja": "言葉", "en": "word"},
        "follow.opt.word.desc": {"ja": "例: 画像生成、Gemini、ローカルLLM", "en": "e.g. 画像生成, Gemini, local LLM"},
        "follow.added": {
            "ja": "「{word}」をフォローしたのだ（{count}/{limit}）。新しい回の話題に出てきたら DM で知らせるのだ。",
            "en": "Following “{word}” ({count}/{limit}). You will get a DM when a new episode's topics mention it.",
        },
        "follow.added.anywhere": {
            "ja": "（サーバーの外でフォローしたので、どのサーバーの告知でも知らせるのだ。"
            "リンクはエピソードページなのだ）",
            "en": "(Followed outside a server: any server's announcement counts; the DM links to the episode page.)",
        },
        "follow.exists": {"ja": "「{word}」はもうフォローしているのだ。", "en": "You already follow “{word}”."},
        "follow.full": {
            "ja": "フォローできるのは {limit} 個までなのだ。`/フォロー 解除` で減らしてほしいのだ。",
            "en": "You can follow up to {limit} words: remove one with `/follow remove` first.",
        },
        "follow.refused.blank": {"ja": "言葉が空っぽなのだ。", "en": "The word is empty."},
        "follow.refused.too_long": {
            "ja": "言葉は {limit} 文字までにしてほしいのだ。",
            "en": "Keep the word to {limit} characters.",
        },
        "follow.refused.control": {
            "ja": "見えない制御文字が入っているのだ。打ち直してほしいのだ。",
            "en": "The word holds invisible control characters: please type it again.",
        },
        "follow.removed": {"ja": "「{word}」のフォローをやめたのだ。", "en": "Stopped following “{word}”."},
        "follow.not_followed": {"ja": "「{word}」はフォローしていないのだ。", "en": "You do not follow “{word}”."},
        "follow.list.head": {
            "ja": "**フォロー中の言葉（{count}/{limit}）**",
            "en": "**Followed words ({count}/{limit})**",
        },
        "follow.list.empty": {
            "ja": "まだ何もフォローしていないのだ。`/フォロー 追加` で始められるのだ。",
            "en": "You follow nothing yet: start with `/follow word`.",
        },
        "follow.list.anywhere": {"ja": "どこでも", "en": "anywhere"},
        "follow.list.closed": {
            "ja": "⚠️ {when} のお知らせは DM が閉じていて届かなかったのだ。"
            "サーバーのプライバシー設定で DM を許可するか、"
            "下のボタンでその回のスレッドでメンションしてもらえるのだ（あなただけへのメンション）。",
            "en": "⚠️ The notice of {when} could not be sent: your DMs are closed. Allow DMs from the server, or use "
            "the button below to be mentioned in the episode's thread instead (only you are pinged).",
        },
        "follow.list.mention_on": {
            "ja": "🧵 DM が届かないときは、その回のスレッドでメンションするのだ。",
            "en": "🧵 When a DM cannot be sent, you are mentioned in the episode's thread.",
        },
        "follow.button.mention_on": {"ja": "スレッドでメンションしてもらう", "en": "Mention me in the thread"},
        "follow.button.mention_off": {"ja": "スレッドでのメンションをやめる", "en": "Stop thread mentions"},
        "follow.button.forget": {"ja": "すべて解除", "en": "Remove all"},
        "follow.status": {"ja": "フォロー", "en": "Follows"},
        "follow.status.line": {
            "ja": "フォローしている人 {followers} 人・送信待ちの DM {pending} 件・DM が閉じていた {closed} 件・"
            "送れなかった {failed} 件",
            "en": "{followers} listener(s) following; DMs: {pending} waiting, {closed} refused (DMs closed), "
            "{failed} failed",
        },
        "follow.forgotten": {
            "ja": "フォローと設定をすべて消したのだ。",
            "en": "All your follows and settings are deleted.",
        },
    }
)


class FollowButton(ui.DynamicItem[ui.Button[ui.View]], template=r"zb:follow:(?P<action>mention-on|mention-off|forget)"):
    """A button of ``/follow list``: it acts on the follows of whoever presses it, nobody else's."""

    def __init__(self, action: str, *, locale: object | None = None) -> None:
        labels = {"mention-on": "mention_on", "mention-off": "mention_off", "forget": "forget"}
        style = discord.ButtonStyle.danger if action == "forget" else discord.ButtonStyle.secondary
        label = i18n.t(f"follow.button.{labels[action]}", locale)
        super().__init__(ui.Button(label=label, style=style, custom_id=f"zb:follow:{action}"))
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["action"], locale=interaction.locale)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self._apply(interaction)
        except Exception as exc:
            await report_error(interaction, exc, where=f"FollowButton/{self.action}")

    async def _apply(self, interaction: Interaction) -> None:
        bot = interaction.client
        store = bot.store.follows
        if self.action == "forget":
            await store.forget_user(interaction.user.id)
            await interaction.response.edit_message(content=i18n.t("follow.forgotten", interaction.locale), view=None)
            return
        await store.set_thread_mention(interaction.user.id, self.action == "mention-on")
        content, view = await follow_list(bot, interaction)
        await interaction.response.edit_message(content=content, view=view)


async def follow_list(bot: ZundaBot, interaction: Interaction) -> tuple[str, ui.View]:
    """The answer of ``/follow list`` for whoever asked: their words, and the buttons that apply to them."""
    locale = interaction.locale
    store = bot.store.follows
    follows = await store.of_user(interaction.user.id)
    prefs = await store.prefs(interaction.user.id)
    view = ui.View(timeout=None)
    if not follows:
        return i18n.t("follow.list.empty", locale), view
    count = len({f.normalized for f in follows})
    lines = [i18n.t("follow.list.head", locale, count=count, limit=MAX_WORDS)]
    lines += [f"・{quoted(f.word)}{_where(bot, f, interaction)}" for f in follows]
    if prefs.dm_closed_at:
        when = f"<t:{int(datetime.fromisoformat(prefs.dm_closed_at).timestamp())}:R>"
        lines.append(i18n.t("follow.list.closed", locale, when=when))
    if prefs.thread_mention:
        lines.append(i18n.t("follow.list.mention_on", locale))
    if prefs.thread_mention:
        view.add_item(FollowButton("mention-off", locale=locale))
    elif prefs.dm_closed_at:
        view.add_item(FollowButton("mention-on", locale=locale))
    view.add_item(FollowButton("forget", locale=locale))
    return "\n".join(lines), view


def _where(bot: ZundaBot, follow: Follow, interaction: Interaction) -> str:
    """Where a follow applies, when that is not the server it is listed in."""
    if follow.guild_id == interaction.guild_id:
        return ""
    if follow.guild_id == ANYWHERE:
        return f"（{i18n.t('follow.list.anywhere', interaction.locale)}）"
    guild = bot.get_guild(follow.guild_id)
    return f"（{quoted(guild.name, 40)}）" if guild else ""


class Follows(commands.Cog, name=FOLLOW_COG):
    """Listeners follow words; a matching announced episode reaches them by DM, once."""

    follow = app_commands.Group(
        name=ls("follow.cmd"),
        description=ls("follow.cmd.desc"),
        allowed_installs=EVERYWHERE_INSTALLS,
        allowed_contexts=EVERYWHERE_CONTEXTS,
    )

    def __init__(self, bot: ZundaBot) -> None:
        self.bot = bot
        # The store's clock: the one the announcer and listener reads use (tests move it).
        self.outbox = FollowOutbox(bot.store.follows, DiscordTransport(bot), clock=lambda: bot.store.now())

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(FollowButton)
        self.bot.add_job(self.tick, "interval", seconds=OUTBOX_INTERVAL, id=OUTBOX_JOB, max_instances=1, coalesce=True)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(FollowButton)
        if self.bot.scheduler.get_job(OUTBOX_JOB) is not None:
            self.bot.scheduler.remove_job(OUTBOX_JOB)

    # ---- announcements in, DMs out ---------------------------------------------------------

    @commands.Cog.listener()
    async def on_episode_announced(self, done: Announced) -> None:
        if done.guild_id is None:
            return
        episode = done.episode
        # In a forum the post is the thread: the DM links to it as the thread (there is no message to jump to).
        announcement = Announcement(
            episode.key,
            episode.number,
            episode.title,
            episode.page_url,
            episode.topics,
            done.guild_id,
            done.channel_id,
            None if done.forum else done.message_id,
            done.thread_id,
            done.revision,
            done.at,
        )
        self.bot.track(self.match(announcement))

    async def match(self, announcement: Announcement) -> int:
        """Queue the notices of one announcement (once per revision and server), then deliver them."""
        store = self.bot.store.follows
        if await store.scanned(announcement):
            return 0
        words = await store.words(announcement.guild_id, announcement.at)

        def run() -> dict[str, set[int]]:
            return Matcher(announcement.topics).hits(words)

        hits = await asyncio.to_thread(run) if words else {}
        follows = await store.following(announcement.guild_id, announcement.at, list(hits))
        matched = group(follows, hits)
        linked = {f.user_id: True for f in follows if f.guild_id == announcement.guild_id}
        queued = await store.enqueue(announcement, matched, linked)
        if queued:
            log.info("follow: %d notice(s) for %s in guild %d", queued, announcement.episode_key, announcement.guild_id)
            self.kick()
        return queued

    async def catch_up(self) -> None:
        """Match announcements a crash kept from being matched (completed in the last day)."""
        since = self.bot.store.now() - CATCH_UP_WINDOW
        for key, guild_id, channel_id, message_id, thread_id, revision, at in await self.bot.store.follows.unscanned(
            since
        ):
            episode = await self.bot.store.episodes.get(key, scheduled=True)
            if episode is None:
                continue
            await self.match(
                Announcement(
                    key,
                    episode.number,
                    episode.title,
                    episode.page_url,
                    episode.topics,
                    guild_id,
                    channel_id,
                    message_id,
                    thread_id,
                    revision,
                    datetime.fromisoformat(at),
                )
            )

    async def deliver(self) -> None:
        try:
            report = await self.outbox.run()
        except Exception:
            log.exception("follow: delivering notices failed")
            return
        if report.total:
            log.info(
                "follow: %d DM(s), %d thread mention(s), %d closed, %d left, %d failed, %d to retry",
                report.sent,
                report.mentioned,
                report.closed,
                report.left,
                report.failed,
                report.retrying,
            )

    async def tick(self) -> None:
        """The periodic job (and the first thing once connected): catch up, then drain the outbox."""
        if self.bot.closing or not self.bot.is_ready():
            return
        try:
            await self.catch_up()
        except Exception:
            log.exception("follow: catching up on announcements failed")
        await self.deliver()

    def kick(self) -> None:
        if not self.bot.closing:
            self.bot.track(self.deliver())

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.bot.track(self.tick())

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        removed = await self.bot.store.follows.forget_guild(guild.id)
        if removed:
            log.info("follow: left guild %d; removed %d follow(s) made there", guild.id, removed)

    async def status_fields(self, guild_id: int, locale: object | None) -> list[tuple[str, str]]:
        """Followers in this server and the DMs about its announcements, for ``/status``."""
        store = self.bot.store.follows
        backlog = await store.backlog(guild_id)
        line = i18n.t(
            "follow.status.line",
            locale,
            followers=await store.followers_in(guild_id),
            pending=backlog.pending,
            closed=backlog.closed,
            failed=backlog.failed,
        )
        return [(i18n.t("follow.status", locale), line)]

    # ---- commands --------------------------------------------------------------------------

    def _scope(self, interaction: Interaction) -> int:
        """The server a follow belongs to: this one if the bot is in it, else "anywhere"."""
        guild_id = interaction.guild_id
        return guild_id if guild_id is not None and self.bot.get_guild(guild_id) is not None else ANYWHERE

    @follow.command(name=ls("follow.cmd.word"), description=ls("follow.cmd.word.desc"))
    @app_commands.rename(word=ls("follow.opt.word"))
    @app_commands.describe(word=ls("follow.opt.word.desc"))
    async def word(self, interaction: Interaction, word: app_commands.Range[str, 1, 100]) -> None:
        locale = interaction.locale
        try:
            shown, normalized = clean_word(word)
        except WordRefused as exc:
            raise UserFacingError(i18n.t(f"follow.refused.{exc.reason.value}", locale, limit=MAX_WORD_LENGTH)) from None
        store = self.bot.store.follows
        scope = self._scope(interaction)
        forms = await off_loop(word_forms, shown)  # the analyser, on the lookup thread
        added = await store.add(interaction.user.id, scope, shown, normalized, locale.value, forms)
        if added is Added.FULL:
            raise UserFacingError(i18n.t("follow.full", locale, limit=MAX_WORDS))
        if added is Added.EXISTS:
            await answer(interaction, i18n.t("follow.exists", locale, word=quoted(shown)))
            return
        count = len({f.normalized for f in await store.of_user(interaction.user.id)})
        text = i18n.t("follow.added", locale, word=quoted(shown), count=count, limit=MAX_WORDS)
        if scope == ANYWHERE:
            text += "\n" + i18n.t("follow.added.anywhere", locale)
        await answer(interaction, text)

    @follow.command(name=ls("follow.cmd.list"), description=ls("follow.cmd.list.desc"))
    async def list_(self, interaction: Interaction) -> None:
        content, view = await follow_list(self.bot, interaction)
        await answer(interaction, content, view=view)

    @follow.command(name=ls("follow.cmd.remove"), description=ls("follow.cmd.remove.desc"))
    @app_commands.rename(word=ls("follow.opt.word"))
    @app_commands.describe(word=ls("follow.opt.word.desc"))
    async def remove(self, interaction: Interaction, word: app_commands.Range[str, 1, 100]) -> None:
        locale = interaction.locale
        try:
            shown, normalized = clean_word(word)
        except WordRefused:
            shown, normalized = word, ""
        removed = await self.bot.store.follows.remove(interaction.user.id, normalized) if normalized else 0
        key = "follow.removed" if removed else "follow.not_followed"
        await answer(interaction, i18n.t(key, locale, word=quoted(shown)))

    @remove.autocomplete("word")
    async def _own_words(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        try:
            follows = await self.bot.store.follows.of_user(interaction.user.id)
        except Exception:
            log.exception("follow: autocomplete failed")
            return []
        wanted = current.strip().casefold()
        words = dict.fromkeys(f.word for f in follows if wanted in f.word.casefold())
        return [app_commands.Choice(name=w[:100], value=w[:100]) for w in list(words)[:25]]
