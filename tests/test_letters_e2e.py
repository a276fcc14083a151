"""Letters end to end: the real bot against the Discord emulator, driven as listeners and hosts would."""

from __future__ import annotations

import asyncio
import csv
import importlib
import io
import json
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import discord
import pytest

from bot.app import ZundaBot
from bot.letters.custom_ids import episode_option_value
from bot.letters.model import Action, Letter, Status
from bot.output import escape_text
from bot.render import main_message
from bot.store.letters import LetterStore
from bot.ui import expiring
from cogs.letters.cog import Letters
from discord_emulator import (
    Channel,
    DiscordEmulator,
    EmulatorConfig,
    Guild,
    InteractionResult,
    Message,
    Permission,
    RateLimitConfig,
    Role,
    User,
)
from tests.factories import make_episode
from tests.harness import BotRunner, Community, fill_the_disk, poll_now, settled, write_post

ROLE_ID_TEXT = "<@&{role}>"
HOSTILE = (
    "@everyone @here {role} <@{user}> **太字** __下線__ `code` ||ネタバレ|| [リンク](https://example.com) "
    "ゼロ幅\u200bスペース، مرحبا بكم שלום ありがとうなのだ"
)


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """Discord's behaviour, with room for many messages in one channel (these tests are not about limits)."""
    return EmulatorConfig(heartbeat_interval_ms=1_000, ratelimits=RateLimitConfig(message_limit=1000))


@dataclass
class World:
    """The harness's community plus what letters need: a listener with DMs closed and a mentionable role."""

    emu: DiscordEmulator
    community: Community
    runner: BotRunner
    closed: User
    fans: Role

    @property
    def guild(self) -> Guild:
        return self.community.guild

    @property
    def general(self) -> Channel:
        return self.community.general

    @property
    def hosts(self) -> Channel:
        return self.community.hosts

    @property
    def admin(self) -> User:
        return self.community.admin

    @property
    def host(self) -> User:
        return self.community.host

    @property
    def listener(self) -> User:
        return self.community.listener

    async def start(self, **settings: object) -> ZundaBot:
        """Start (or restart) the bot with the hosts' channel set, as ``zundabot run`` builds it.

        The server's admin has shown ``/letters`` to the host role (Server Settings → Integrations).
        """
        if self.runner.bot is not None:
            await self.runner.stop()
        self.emu.commands.set_permissions(self.guild.id, "letters", {self.community.host_role.id: True})
        return await self.runner.start(letters_channel_id=self.hosts.id, **settings)

    async def write(self, user: User, values: dict[str, object], channel: Channel | None = None) -> InteractionResult:
        where = channel or self.general
        opened = await self.emu.slash(user, where, "otayori write")
        assert opened.modal is not None
        return await self.emu.submit_modal(user, where, opened.modal, values)


@pytest.fixture
def world(emulator: DiscordEmulator, community: Community, bot_runner: BotRunner) -> World:
    closed = emulator.create_user("closed", global_name="ボブ", dms_open=False)
    community.guild.add_member(closed)
    fans = community.guild.create_role("ファン", mentionable=True)
    community.guild.set_member_roles(community.listener, [fans])
    return World(emulator, community, bot_runner, closed, fans)


def option(number: int) -> str:
    """The form's select value of the sample episode ``number`` (by its unique key)."""
    return episode_option_value(make_episode(number).key)


def letters_pager() -> ModuleType:
    """The shared pager module, to patch its timeout."""
    return importlib.import_module("bot.ui.pager")


def letters_cog(bot: ZundaBot) -> Any:
    """The loaded cog (extensions are executed afresh per bot, so its class is not ``cogs.letters.Letters``)."""
    cog = bot.get_cog("Letters")
    assert cog is not None
    assert type(cog).__name__ == Letters.__name__
    return cog


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait until an async condition on the bot's state holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


def no_pings(world: World) -> None:
    """Nothing the bot sent anywhere notified anybody."""
    for channel in world.guild.channels:
        for message in channel.all_messages:
            assert world.emu.pings(message).nobody, (channel.name, message.content)


async def test_submit_is_stored_confirmed_and_forwarded(world: World) -> None:
    bot = await world.start()
    await bot.store.episodes.upsert_many([make_episode(388), make_episode(389)])
    result = await world.write(
        world.listener, {"本文": "いつも楽しく聴いています！", "episode": option(389), "notify": True}
    )
    assert result.ephemeral
    assert "#1" in result.content
    stored = await bot.store.letters.get(world.guild.id, 1)
    assert stored is not None
    assert (stored.author_id, stored.radio_name, stored.episode_number, stored.notify) == (
        world.listener.id,
        "listener",
        "389",
        True,
    )
    posted = await world.emu.wait_for_message(world.hosts)
    embed = posted.embeds[0]
    assert embed["title"] == "お便り #1"
    assert embed["description"] == "いつも楽しく聴いています！"
    custom_ids = [c["custom_id"] for row in posted.components for c in row["components"]]
    assert custom_ids == [f"zb:lh:{a}:{stored.id}" for a in ("adopt", "hold", "read", "reject", "block")]
    no_pings(world)


async def test_host_buttons_work_after_a_restart(world: World) -> None:
    await world.start()
    await world.write(world.listener, {"body": "再起動をまたぐお便りです。"})
    posted = await world.emu.wait_for_message(world.hosts)
    bot = await world.start()
    letter = await bot.store.letters.get(world.guild.id, 1)
    assert letter is not None
    pressed = await world.emu.click(world.host, posted, f"zb:lh:adopt:{letter.id}")
    assert pressed.original is not None
    fields = {f["name"]: f["value"] for f in pressed.original.embeds[0]["fields"]}
    assert fields["状態"] == "採用"
    assert f"<@{world.host.id}>" in fields["履歴"]
    adopted = await bot.store.letters.get(world.guild.id, 1)
    assert adopted is not None
    assert adopted.status is Status.ADOPTED
    history = await bot.store.letters.history(adopted)
    assert (history[-1].action, history[-1].actor_id) == (Action.STATUS, world.host.id)


async def test_members_without_the_role_cannot_manage_letters(world: World) -> None:
    bot = await world.start()
    world.emu.commands.set_permissions(world.guild.id, "letters", {world.guild.id: True})  # shown to everyone
    await world.write(world.listener, {"body": "ホスト以外には見えないはずのお便り"})
    posted = await world.emu.wait_for_message(world.hosts)
    for command, options in (
        ("letters list", {}),
        ("letters show", {"number": 1}),
        ("letters export", {"format": "json"}),
        ("letters status", {"number": 1, "new_status": "rejected"}),
    ):
        refused = await world.emu.slash(world.closed, world.general, command, **options)
        assert refused.ephemeral
        assert "ホスト" in refused.content
        assert not refused.attachments
    letter = await bot.store.letters.get(world.guild.id, 1)
    assert letter is not None
    world.hosts.set_overwrite(world.closed, allow=Permission.VIEW_CHANNEL)  # sees the buttons, is no host
    pressed = await world.emu.click(world.closed, posted, f"zb:lh:reject:{letter.id}")
    assert pressed.ephemeral
    assert "ホスト" in pressed.content
    unchanged = await bot.store.letters.get(world.guild.id, 1)
    assert unchanged is not None
    assert unchanged.status is Status.NEW
    listed = await world.emu.slash(world.host, world.general, "letters list")
    assert "#1" in listed.embeds[0]["description"]


async def test_rate_limit_refuses_and_keeps_the_text(world: World) -> None:
    bot = await world.start()
    for n in range(3):
        accepted = await world.write(world.listener, {"body": f"連続で送るお便り その{n + 1}"})
        assert f"#{n + 1}" in accepted.content
    refused = await world.write(world.listener, {"body": "4通目は送りすぎなのだ"})
    assert "ペースが速すぎる" in refused.content
    assert refused.embeds[0]["description"] == "4通目は送りすぎなのだ"
    assert await bot.store.letters.count(world.guild.id) == 3
    retry = await world.emu.click(world.listener, refused.message, refused.custom_ids[0])
    assert retry.modal is not None
    assert retry.modal.inputs["body"]["value"] == "4通目は送りすぎなのだ"
    other = await world.write(world.closed, {"body": "ほかの人は送れるのだ。"})
    assert "#4" in other.content


async def test_block_and_unblock(world: World) -> None:
    bot = await world.start()
    await world.write(world.listener, {"body": "ブロックされる前のお便り"})
    posted = await world.emu.wait_for_message(world.hosts)
    letter = await bot.store.letters.get(world.guild.id, 1)
    assert letter is not None
    blocked = await world.emu.click(world.host, posted, f"zb:lh:block:{letter.id}")
    assert blocked.original is not None
    assert "ブロック中" in json.dumps(blocked.original.embeds, ensure_ascii=False)
    refused = await world.write(world.listener, {"body": "ブロックされた後のお便り"})
    assert "受け付けられない" in refused.content
    assert await bot.store.letters.count(world.guild.id) == 1
    await world.emu.click(world.host, posted, f"zb:lh:unblock:{letter.id}")  # the button now says ブロック解除
    accepted = await world.write(world.listener, {"body": "ブロック解除後のお便り"})
    assert "#2" in accepted.content


async def test_delete_leaves_a_tombstone_and_redacts_the_hosts_copy(world: World) -> None:
    bot = await world.start()
    await world.write(world.listener, {"body": "あとで消すお便りなのだ", "ラジオネーム": "秘密の名前"})
    posted = await world.emu.wait_for_message(world.hosts)
    not_hers = await world.emu.slash(world.closed, world.general, "otayori delete", number=1)
    assert "見つからない" in not_hers.content
    asked = await world.emu.slash(world.listener, world.general, "otayori delete", number=1)
    confirmed = await world.emu.click(world.listener, asked.message, asked.custom_ids[0])
    assert confirmed.original is not None
    assert "削除した" in confirmed.original.content
    await world.emu.wait_until(lambda: bool(posted.edits), 5, "the hosts' copy redacted")
    text = json.dumps(posted.embeds, ensure_ascii=False)
    assert "あとで消す" not in text
    assert "秘密の名前" not in text
    assert posted.components == []
    tomb = await bot.store.letters.get(world.guild.id, 1)
    assert tomb is not None
    assert (tomb.status, tomb.body, tomb.author_id) == (Status.DELETED, "", None)
    mine = await world.emu.slash(world.listener, world.general, "otayori mine")
    assert "まだ" in mine.content
    counts = await bot.store.letters.counts(world.guild.id)
    assert counts == {Status.DELETED: 1}


async def test_aired_notice_by_dm_or_in_the_episode_thread(world: World) -> None:
    bot = await world.start(announce_channel_ids=[world.general.id])
    await settled(world.emu, bot)  # the first cycle takes what is already there as the archive
    write_post(world.runner.posts, 389, datetime.now(UTC) - timedelta(minutes=5))
    await poll_now(world.emu, bot)
    [announcement] = [m for m in world.general.messages if m.author.id == world.emu.bot.id]
    assert announcement.thread is not None
    for user in (world.listener, world.closed):  # from the announcement's 「お便りを送る」 button
        opened = await world.emu.click(user, announcement, "zb:letter:389")
        assert opened.modal is not None
        values = {"body": "読まれたら教えてほしいのだ", "episode": option(389), "notify": True}
        assert "#" in (await world.emu.submit_modal(user, world.general, opened.modal, values)).content
    by_dm = await world.emu.slash(world.host, world.general, "letters aired", number=1, episode="389")
    assert "DMで知らせた" in by_dm.message.content
    [dm] = world.emu.dms(world.listener)
    assert "#1" in dm.content
    assert "#389" in dm.content
    in_thread = await world.emu.slash(world.host, world.general, "letters aired", number=2, episode="389")
    assert "スレッドでメンション" in in_thread.message.content
    mention = announcement.thread.messages[-1]
    assert f"<@{world.closed.id}>" in mention.content
    assert world.emu.pings(mention).user_ids == {world.closed.id}
    assert not world.emu.pings(mention).role_ids
    assert not world.emu.pings(mention).everyone
    again = await world.emu.slash(world.host, world.general, "letters aired", number=1, episode="389")
    assert "DM" not in again.message.content  # told once
    assert len(world.emu.dms(world.listener)) == 1


async def test_hostile_text_pings_nobody_and_breaks_nothing(world: World) -> None:
    hostile = HOSTILE.format(role=ROLE_ID_TEXT.format(role=world.fans.id), user=world.admin.id)
    bot = await world.start()
    accepted = await world.write(world.listener, {"body": hostile, "ラジオネーム": "@everyone **名前**"})
    assert "#1" in accepted.content
    posted = await world.emu.wait_for_message(world.hosts)
    description = posted.embeds[0]["description"]
    assert "@\u200beveryone" in description
    assert "\\*\\*太字\\*\\*" in description
    stored = await bot.store.letters.get(world.guild.id, 1)
    assert stored is not None
    assert "ゼロ幅スペース" in stored.body  # the zero-width space is dropped, the rest kept exactly
    assert "مرحبا بكم שלום" in stored.body
    override = await world.write(world.listener, {"body": "右から左\u202eへ書き換える文字です"})
    assert "文字の向き" in override.content
    # The form counts to 2000; musical notes like 𝅗𝅥 decompose under NFC, so this paste grows past the limit.
    paste = ("**長い**お便り @everyone です。\U0001d15e" * 200)[:2000]
    too_long = await world.write(world.listener, {"body": paste})
    assert "長すぎる" in too_long.content
    assert too_long.embeds[0]["description"] == escape_text(unicodedata.normalize("NFC", paste))  # shown whole
    assert len(too_long.embeds[0]["description"]) <= 4096
    listed = await world.emu.slash(world.host, world.general, "letters list")
    exported = await world.emu.slash(world.host, world.general, "letters export", format="json")
    data = json.loads(exported.attachments[0].data)
    assert data["letters"][0]["body"] == stored.body  # exports keep the raw text
    assert "@\u200beveryone" in listed.embeds[0]["description"]
    fields = {f["name"]: f["value"] for f in posted.embeds[0]["fields"]}
    assert fields["ラジオネーム"] == "\\@\u200beveryone \\*\\*名前\\*\\*"
    no_pings(world)


async def test_export_files(world: World) -> None:
    await world.start()
    await world.write(world.listener, {"body": "=1+1 エクセルで式にならないでほしい"})
    csv_result = await world.emu.slash(world.host, world.general, "letters export", format="csv")
    raw = csv_result.attachments[0].data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0]["body"] == "'=1+1 エクセルで式にならないでほしい"
    markdown = await world.emu.slash(world.host, world.general, "letters export", format="markdown")
    assert "## #1 listener" in markdown.attachments[0].data.decode()
    empty = await world.emu.slash(world.host, world.general, "letters export", format="json", status="aired")
    assert "該当する" in empty.content


async def test_outbox_holds_letters_until_the_channel_works(world: World) -> None:
    world.hosts.set_overwrite(world.guild.bot_role, deny=Permission.SEND_MESSAGES)  # type: ignore[arg-type]
    bot = await world.start()
    for n in range(2):
        await world.write(world.listener, {"body": f"届け先に書けないときのお便り {n}"})
    cog = letters_cog(bot)
    await cog.deliver()
    assert world.hosts.messages == []
    status = await world.emu.slash(world.host, world.general, "status")
    backlog = json.dumps(status.embeds, ensure_ascii=False)
    assert "2件" in backlog
    world.hosts.remove_overwrite(world.guild.bot_role)  # type: ignore[arg-type]
    new_hosts = world.guild.create_channel("hosts-2")
    await world.emu.slash(world.admin, world.general, "settings letters", channel=new_hosts)
    await cog.deliver()
    await world.emu.wait_for_messages(new_hosts, 2)
    # A run already under way (kicked by the submissions) may be the one that posts: wait for its bookkeeping.
    for _ in range(100):
        if (await bot.store.letters.backlog(world.guild.id)).pending == 0:
            break
        await asyncio.sleep(0.05)
    assert (await bot.store.letters.backlog(world.guild.id)).pending == 0
    assert len(new_hosts.messages) == 2


async def test_letters_of_one_server_are_invisible_from_another(world: World) -> None:
    other = world.emu.create_guild("別のサーバー", owner=world.admin)
    other_general = other.create_channel("general")
    other.add_member(world.listener)
    await world.start()
    await world.write(world.listener, {"body": "最初のサーバーへのお便り"})
    listed = await world.emu.slash(world.admin, other_general, "letters list")
    assert "該当する" in listed.content
    shown = await world.emu.slash(world.admin, other_general, "letters show", number=1)
    assert "ない" in shown.content
    mine = await world.emu.slash(world.listener, other_general, "otayori mine")
    assert "まだ" in mine.content


async def test_announcement_button_and_a_form_opened_before_a_restart(world: World) -> None:
    bot = await world.start()
    await bot.store.episodes.upsert(make_episode(389))
    payload = main_message(make_episode(389))  # what the announcements send
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=world.general.id)
    sent = await bot.http.request(route, json=payload)
    message: Message = world.emu.world.messages[int(sent["id"])]
    opened = await world.emu.click(world.listener, message, "zb:letter:389")
    assert opened.modal is not None
    [default] = [o for o in opened.modal.inputs["episode"]["options"] if o.get("default")]
    assert default["value"] == option(389)
    assert default["label"].startswith("#389 ")
    bot = await world.start()
    submitted = await world.emu.submit_modal(
        world.listener, world.general, opened.modal, {"body": "再起動の前に開いたフォームです", "episode": option(389)}
    )
    assert "#1" in submitted.content
    letter = await bot.store.letters.get(world.guild.id, 1)
    assert letter is not None
    assert letter.episode_number == "389"


async def test_crash_after_confirmation_and_after_posting_loses_and_duplicates_nothing(world: World) -> None:
    bot = await world.start()
    gate = asyncio.Event()

    async def killed_before_recording(*args: object) -> None:
        await gate.wait()  # the process dies here: the post was sent, its message id never recorded
        raise RuntimeError("the process is gone")

    bot.store.letters.posted = killed_before_recording  # type: ignore[method-assign]
    confirmed = await world.write(world.listener, {"body": "落ちても消えないお便りなのだ"})
    assert "#1" in confirmed.content
    posted = await world.emu.wait_for_message(world.hosts)
    await world.runner.crash()
    gate.set()
    bot = await world.start()
    letter = await bot.store.letters.get(world.guild.id, 1)
    assert letter is not None  # confirmed means committed
    assert letter.body == "落ちても消えないお便りなのだ"

    async def recorded() -> bool:
        current = await bot.store.letters.get(world.guild.id, 1)
        return current is not None and current.host_message_id is not None

    await eventually(recorded)  # the outbox runs again once the restarted bot is ready
    delivered = await bot.store.letters.get(world.guild.id, 1)
    assert delivered is not None
    assert delivered.host_message_id == posted.id  # the resent post was recognised by its nonce
    assert [m.id for m in world.hosts.messages] == [posted.id]


async def test_mine_and_list_are_paged_and_localised(world: World) -> None:
    english = world.community.english
    bot = await world.start(letter_rate_short=50, letter_rate_daily=50)
    for n in range(12):
        await world.write(english, {"body": f"English listener letter number {n + 1}"})
    await bot.store.letters.set_status(world.guild.id, 3, Status.ADOPTED, actor_id=world.host.id)
    mine = await world.emu.slash(english, world.general, "letter mine")
    assert mine.embeds[0]["title"] == "Your letters (12)"
    first = mine.embeds[0]["description"]
    assert "**#12** New" in first
    assert "**#3** Adopted" in first
    assert "**#2**" not in first
    assert [b["label"] for b in mine.buttons] == ["Previous", "1/2", "Next"]
    page_two = await world.emu.click(english, mine.message, mine.buttons[2]["custom_id"])
    assert page_two.original is not None
    second = page_two.original.embeds[0]["description"]
    assert "**#1** New · " in second
    assert "**#3**" not in second
    adopted = await world.emu.slash(world.host, world.general, "letters list", status="adopted")
    assert adopted.embeds[0]["title"] == "お便り一覧（1通）"
    assert adopted.buttons == []  # one page: no pager
    choices = await world.emu.autocomplete(english, world.general, "letter delete", focused="number", number="1")
    assert choices.choice_names[:3] == [
        "#12 English listener letter number 12",
        "#11 English listener letter number 11",
        "#10 English listener letter number 10",
    ]


async def test_hosts_show_change_filter_and_export_letters(world: World) -> None:
    bot = await world.start()
    await bot.store.episodes.upsert_many([make_episode(388), make_episode(389)])
    suggested = await world.emu.autocomplete(
        world.listener, world.general, "otayori write", focused="episode", episode="38"
    )
    assert "389" in [choice["value"] for choice in suggested.choices]
    opened = await world.emu.slash(world.listener, world.general, "otayori write", episode="389")
    assert opened.modal is not None
    [preset] = [o for o in opened.modal.inputs["episode"]["options"] if o.get("default")]
    assert preset["value"] == option(389)
    assert preset["label"].startswith("#389 ")
    await world.emu.submit_modal(world.listener, world.general, opened.modal, {"body": "389回の感想なのだ。"})
    await world.write(world.closed, {"body": "エピソードを選ばないお便り"})
    posted = await world.emu.wait_for_message(world.hosts)

    shown = await world.emu.slash(world.host, world.general, "letters show", number=1)
    assert shown.ephemeral
    assert shown.embeds[0]["title"] == "お便り #1"
    assert shown.embeds[0]["description"] == "389回の感想なのだ。"

    changed = await world.emu.slash(world.host, world.general, "letters status", number=1, new_status="adopted")
    assert "「採用」" in changed.content
    await world.emu.wait_until(lambda: bool(posted.edits), 5, "the hosts' message updated")
    assert {f["name"]: f["value"] for f in posted.embeds[0]["fields"]}["状態"] == "採用"
    same = await world.emu.slash(world.host, world.general, "letters status", number=1, new_status="adopted")
    assert "すでに" in same.content

    by_episode = await world.emu.slash(world.host, world.general, "letters list", episode="389")
    assert "#1" in by_episode.embeds[0]["description"]
    assert "#2" not in by_episode.embeds[0]["description"]
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    later = await world.emu.slash(world.host, world.general, "letters export", format="json", since=tomorrow)
    assert "該当する" in later.content
    today = await world.emu.slash(world.host, world.general, "letters export", format="json", since="2020-01-01")
    assert [x["number"] for x in json.loads(today.attachments[0].data)["letters"]] == [1, 2]
    bad = await world.emu.slash(world.host, world.general, "letters export", format="json", since="きのう")
    assert "2026-03-01" in bad.content

    world.emu.commands.set_permissions(world.guild.id, "letters", {world.guild.id: True})  # shown to everyone
    not_a_host = await world.emu.slash(world.closed, world.general, "letters aired", number=1, episode="389")
    assert "ホスト" in not_a_host.content
    letter = await bot.store.letters.get(world.guild.id, 1)
    assert letter is not None
    assert letter.status is Status.ADOPTED


async def test_the_pager_expires_cleanly_after_late_presses(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.emu.config.interaction_token_lifetime = 3.0  # Discord: 15 minutes
    monkeypatch.setattr(expiring, "TOKEN_LIFETIME", 3.0)
    monkeypatch.setattr(expiring, "TOKEN_MARGIN", 0.3)
    await world.start(letter_rate_short=50, letter_rate_daily=50)
    monkeypatch.setattr(letters_pager(), "PAGER_TIMEOUT", 1.5)
    for n in range(11):
        await world.write(world.listener, {"body": f"十一通のうちの {n + 1} 通目なのだ"})
    mine = await world.emu.slash(world.listener, world.general, "otayori mine")
    message = mine.message
    ids = {b["label"]: b["custom_id"] for b in mine.buttons}
    stranger = await world.emu.click(world.host, message, ids["次へ"])
    assert stranger.content.startswith("このボタンはコマンドを使った人だけが押せるのだ")
    for label in ("次へ", "前へ"):  # each press restarts the timeout, the second past the command's token
        await asyncio.sleep(1.0)
        await world.emu.click(world.listener, message, ids[label])
    await world.emu.wait_until(lambda: not message.components, 5, "the pager's buttons to be removed")
    assert "**#11**" in message.embeds[0]["description"]  # the first page stays, without buttons


async def test_a_page_shown_as_the_pager_expires_keeps_no_dead_buttons(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    find = LetterStore.find

    async def slow_second_page(self: LetterStore, guild_id: int, **options: Any) -> list[Letter]:
        if options.get("offset"):
            await asyncio.sleep(1.5)  # a slow database: the pager expires while the page is being read
        return await find(self, guild_id, **options)

    monkeypatch.setattr(LetterStore, "find", slow_second_page)
    await world.start(letter_rate_short=50, letter_rate_daily=50)
    monkeypatch.setattr(letters_pager(), "PAGER_TIMEOUT", 1.0)
    for n in range(11):
        await world.write(world.listener, {"body": f"十一通のうちの {n + 1} 通目なのだ"})
    mine = await world.emu.slash(world.listener, world.general, "otayori mine")
    message = mine.message
    await asyncio.sleep(0.5)
    turned = await world.emu.click(world.listener, message, mine.button("次へ")["custom_id"])
    assert turned.responded
    assert "**#1**" in message.embeds[0]["description"]  # the second page was shown, with the buttons
    await world.emu.wait_until(lambda: not message.components, 5, "the pager's buttons to be removed")


MASKED = "聴いてます [公式](https://a.example) [プレゼント](https://evil.example/login) https://evil.example/bare"


def unescaped(text: str) -> str:
    """``text`` without its backslash-escaped characters: what Discord would still read as markdown."""
    return re.sub(r"\\.", "", text, flags=re.DOTALL)


def assert_no_live_links(text: str) -> None:
    live = unescaped(text)
    assert "](" not in live, text
    assert "://" not in live, text
    assert "[" not in live, text


async def test_masked_links_and_bare_urls_in_letters_show_as_text(world: World) -> None:
    await world.start()
    accepted = await world.write(world.listener, {"body": MASKED, "ラジオネーム": "[名前](https://evil.example/n)"})
    assert "#1" in accepted.content
    assert_no_live_links(accepted.content)
    posted = await world.emu.wait_for_message(world.hosts)
    description = posted.embeds[0]["description"]
    assert_no_live_links(description)
    # every link shows whole, as text the hosts can copy (escapes removed, it is the listener's text)
    assert re.sub(r"\\(.)", r"\1", description) == MASKED
    fields = {f["name"]: f["value"] for f in posted.embeds[0]["fields"]}
    assert_no_live_links(fields["ラジオネーム"])
    listed = await world.emu.slash(world.host, world.general, "letters list")
    assert_no_live_links(listed.embeds[0]["description"])
    assert "プレゼント" in listed.embeds[0]["description"]
    mine = await world.emu.slash(world.listener, world.general, "otayori mine")
    assert_no_live_links(mine.embeds[0]["description"])
    shown = await world.emu.slash(world.host, world.general, "letters show", number=1)
    assert_no_live_links(shown.embeds[0]["description"])
    refused = await world.write(
        world.listener, {"body": MASKED + "\u202e", "ラジオネーム": "[名前](https://e.example)"}
    )
    assert "文字の向き" in refused.content
    assert_no_live_links(refused.embeds[0]["description"])
    assert_no_live_links(refused.embeds[0]["fields"][0]["value"])
    no_pings(world)


async def test_long_option_values_are_echoed_short(world: World) -> None:
    """Discord options hold up to 6000 characters; an answer echoing one whole would exceed 2000 and fail."""
    await world.start()
    long = "[x](https://evil.example) " + "あ" * 3000
    answers = [
        await world.emu.slash(world.host, world.general, "letters export", format="json", since=long),
        await world.emu.slash(world.host, world.general, "letters list", episode=long),
        await world.emu.slash(world.host, world.general, "letters aired", number=1, episode=long),
        await world.emu.slash(world.listener, world.general, "otayori write", episode=long),
    ]
    for answer in answers:
        assert not answer.rejected
        assert answer.ephemeral
        text = answer.content
        assert len(text) < 400, text
        assert "あ" * 50 in text
        assert "…" in text
        assert_no_live_links(text)


async def posted_letters(world: World, bot: ZundaBot, count: int) -> list[tuple[Letter, Message]]:
    """The first ``count`` letters once each is in the hosts' channel, with its message there."""

    async def all_posted() -> bool:
        found = [await bot.store.letters.get(world.guild.id, n) for n in range(1, count + 1)]
        return all(letter is not None and letter.host_message_id is not None for letter in found)

    await eventually(all_posted)
    pairs = []
    for number in range(1, count + 1):
        letter = await bot.store.letters.get(world.guild.id, number)
        assert letter is not None
        assert letter.host_message_id is not None
        pairs.append((letter, world.emu.world.messages[letter.host_message_id]))
    return pairs


async def test_a_stale_block_button_blocks_and_never_unblocks(world: World) -> None:
    bot = await world.start()
    await world.write(world.listener, {"body": "一通目のお便りなのだ。"})
    await world.write(world.listener, {"body": "二通目のお便りなのだ。"})
    (first, m1), (second, m2) = await posted_letters(world, bot, 2)
    # The hosts' channel cannot be edited for now: letter 2's message keeps its old ブロック button.
    world.emu.faults.fail_next(50, status=403, route="PATCH /channels/{channel_id}/messages/{message_id}")
    await world.emu.click(world.host, m1, f"zb:lh:block:{first.id}")
    assert await bot.store.letters.is_blocked(world.guild.id, world.listener.id)
    assert f"zb:lh:unblock:{first.id}" in m1.custom_ids  # the button now says ブロック解除
    assert f"zb:lh:block:{second.id}" in m2.custom_ids
    stale = await world.emu.click(world.admin, m2, f"zb:lh:block:{second.id}")  # a second host, later
    assert await bot.store.letters.is_blocked(world.guild.id, world.listener.id)  # still blocked
    [note] = stale.followups
    assert note.ephemeral
    assert "もうブロック" in note.content
    assert f"zb:lh:unblock:{second.id}" in m2.custom_ids  # redrawn as it stands
    history = await bot.store.letters.history(second)
    assert Action.UNBLOCKED not in [e.action for e in history]


async def test_blocking_redraws_every_message_of_the_author(world: World) -> None:
    bot = await world.start()
    await world.write(world.listener, {"body": "一通目のお便りなのだ。"})
    await world.write(world.listener, {"body": "二通目のお便りなのだ。"})
    await world.write(world.closed, {"body": "別の人のお便りなのだ。"})
    (first, m1), (second, m2), (third, m3) = await posted_letters(world, bot, 3)
    await world.emu.click(world.host, m1, f"zb:lh:block:{first.id}")
    await world.emu.wait_until(lambda: f"zb:lh:unblock:{second.id}" in m2.custom_ids, 5, "letter 2 redrawn")
    assert "ブロック中" in {f["name"]: f["value"] for f in m2.embeds[0]["fields"]}["投稿者"]
    assert f"zb:lh:block:{third.id}" in m3.custom_ids  # another author's letter keeps its button
    await world.emu.click(world.host, m2, f"zb:lh:unblock:{second.id}")
    assert not await bot.store.letters.is_blocked(world.guild.id, world.listener.id)
    await world.emu.wait_until(lambda: f"zb:lh:block:{first.id}" in m1.custom_ids, 5, "letter 1 redrawn")
    again = await world.emu.click(world.host, m2, f"zb:lh:block:{second.id}")
    assert not again.followups  # a real change: no note
    assert await bot.store.letters.is_blocked(world.guild.id, world.listener.id)


async def test_two_hosts_pressing_at_once_one_wins_and_both_see_the_final_state(world: World) -> None:
    bot = await world.start()
    await world.write(world.listener, {"body": "二人のホストが同時に押すお便りなのだ。"})
    [(letter, posted)] = await posted_letters(world, bot, 1)
    adopt = f"zb:lh:adopt:{letter.id}"
    pressed = await asyncio.gather(
        world.emu.click(world.host, posted, adopt), world.emu.click(world.admin, posted, adopt)
    )
    history = await bot.store.letters.history(letter)
    assert [e.action for e in history].count(Action.STATUS) == 1  # one wins
    notes = [m.content for result in pressed for m in result.followups]
    assert len(notes) == 1
    assert "すでに「採用」" in notes[0]
    fields = {f["name"]: f["value"] for f in posted.embeds[0]["fields"]}
    assert fields["状態"] == "採用"
    hold, reject = f"zb:lh:hold:{letter.id}", f"zb:lh:reject:{letter.id}"
    await asyncio.gather(world.emu.click(world.host, posted, hold), world.emu.click(world.admin, posted, reject))
    final = await bot.store.letters.get(world.guild.id, 1)
    assert final is not None
    fields = {f["name"]: f["value"] for f in posted.embeds[0]["fields"]}
    assert fields["状態"] == {Status.HELD: "保留", Status.REJECTED: "却下"}[final.status]


@pytest.mark.parametrize("step", ["before the post", "after the post", "after recording it"])
async def test_a_crash_at_any_step_of_a_post_after_the_nonce_window_posts_once(world: World, step: str) -> None:
    world.emu.messaging.nonce_window = 0.0  # the restart comes after Discord forgot the nonce
    bot = await world.start()
    gate = asyncio.Event()
    store = bot.store.letters
    original = {"before the post": store.sending, "after the post": store.posted}.get(step)
    if original is not None:

        async def killed(*args: Any, **kwargs: Any) -> None:
            if step == "before the post":
                await original(*args, **kwargs)  # the ledger step is written, the request never made
            await gate.wait()  # the process dies here
            raise RuntimeError("the process is gone")

        setattr(store, "sending" if step == "before the post" else "posted", killed)
    confirmed = await world.write(world.listener, {"body": "どの段階で落ちても一度だけ届くお便り"})
    assert "#1" in confirmed.content
    if step == "before the post":
        await asyncio.sleep(0.3)
        assert world.hosts.messages == []
    else:
        await world.emu.wait_for_message(world.hosts)
    if step == "after recording it":
        await posted_letters(world, bot, 1)
    await world.runner.crash()
    gate.set()
    bot = await world.start()
    [(_, message)] = await posted_letters(world, bot, 1)
    await asyncio.sleep(0.3)  # give a duplicate the time to appear
    assert [m.id for m in world.hosts.messages] == [message.id]
    assert (await bot.store.letters.backlog(world.guild.id)).pending == 0


async def test_a_letter_the_database_cannot_store_is_shown_back_and_not_lost(world: World) -> None:
    bot = await world.start()
    await world.write(world.listener, {"body": "保存できるうちの一通目なのだ。"})
    await posted_letters(world, bot, 1)
    await fill_the_disk(bot)
    body = "長いお便りなのだ。" * 220  # 1,980 characters typed on a phone: about 6 KB, more than the room left
    refused = await world.write(world.listener, {"body": body, "ラジオネーム": "ずんだ好き"})
    assert refused.ephemeral
    assert "保存できなかった" in refused.content
    assert "まだ届いていない" in refused.content
    assert "長いお便りなのだ" in refused.embeds[0]["description"]
    assert len(refused.embeds[0]["description"]) >= len(body)
    retry = await world.emu.click(world.listener, refused.message, refused.button("書き直す")["custom_id"])
    assert retry.modal is not None
    assert retry.modal.inputs["body"]["value"] == body
    assert await bot.store.letters.count(world.guild.id) == 1
    async with bot.store.db.transaction() as conn:  # room again
        await conn.execute("PRAGMA max_page_count = 1073741823")
    sent = await world.emu.submit_modal(world.listener, world.general, retry.modal, {})
    assert "#2" in sent.content


async def test_repeated_episode_numbers_give_a_form_discord_accepts(world: World) -> None:
    bot = await world.start()
    season1 = make_episode(1, title="シーズン1の第1回")
    season2 = make_episode(
        1,
        title="シーズン2の第1回",
        key="https://example.com/s2/1",
        page_url="https://example.com/s2/1",
        published=season1.published + timedelta(days=300),
    )
    await bot.store.episodes.upsert_many([season1, season2])
    for opened in (
        await world.emu.slash(world.listener, world.general, "otayori write"),
        await world.emu.slash(world.listener, world.general, "otayori write", episode="1"),
    ):
        assert opened.modal is not None
        options = opened.modal.inputs["episode"]["options"]
        values = [o["value"] for o in options]
        assert len(values) == len(set(values)) == 2  # Discord refuses duplicate values
        assert sum(1 for o in options if o.get("default")) <= 1  # and more than one default
        assert all(len(o["value"]) <= 100 and len(o["label"]) <= 100 for o in options)
        labels = [o["label"] for o in options]
        assert len(set(labels)) == 2  # told apart by their dates
        assert all(label.startswith("#1 20") for label in labels)
    [second] = [o for o in options if "シーズン2" in o["label"]]
    sent = await world.emu.submit_modal(
        world.listener,
        world.general,
        opened.modal,
        {"body": "シーズン2の第1回の感想なのだ", "episode": second["value"]},
    )
    assert "#1" in sent.content
    letter = await bot.store.letters.get(world.guild.id, 1)
    assert letter is not None
    assert letter.episode_key == season2.key
