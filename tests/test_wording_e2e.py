"""A server's language and announcement headline, set with ``/settings`` and seen in its announcements."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.announce.wording import Wording
from bot.app import ZundaBot
from discord_emulator import DiscordEmulator
from tests.harness import BotRunner, Community
from tests.test_announce_e2e import bot_messages, poll_now, settled, write_post
from tests.test_letters_e2e import (
    World,
    world,  # noqa: F401 - the letters world fixture
)


def fields(result: object) -> dict[str, str]:
    return {f["name"]: f["value"] for f in result.embeds[0]["fields"]}  # type: ignore[attr-defined]


async def test_an_english_server_gets_english_announcements_with_its_headline(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    write_post(bot_runner.posts, 7, datetime.now(UTC) - timedelta(days=3), title="テスト放送局 *速報*")
    bot = await bot_runner.start()
    await settled(emulator, bot)
    admin, general = community.admin, community.general
    await emulator.slash(admin, general, "settings announce", channel=community.news)

    result = await emulator.slash(admin, general, "settings language", language="en")
    assert result.ephemeral
    assert fields(result)["みんなに見えるメッセージの言語"] == "英語"  # the manager's own answer stays Japanese

    result = await emulator.slash(admin, general, "設定 告知の見出し", template="🎙 New: {title} (#{number}, {mcs})")
    assert result.ephemeral
    assert "> 🎙 New: テスト放送局 \\*速報\\* (#7, ずんだもん)" in result.content  # previewed on the latest episode
    assert fields(result)["告知の見出し"] == "🎙 New\\: {title} \\(\\#{number}, {mcs}\\)"  # shown as typed

    write_post(bot_runner.posts, 8, datetime.now(UTC) - timedelta(minutes=1))
    await poll_now(emulator, bot)
    [message] = bot_messages(emulator, community.news)
    assert message.content == "🎙 New: テスト放送局 podcast " + message.content.split("podcast ", 1)[1]
    assert message.content.endswith("(#8, ずんだもん)")
    names = [field["name"] for field in message.embeds[0]["fields"]]
    assert "Published" in names
    assert "公開日" not in names
    labels = [c["label"] for row in message.components for c in row["components"]]
    assert "Send a letter" in labels


async def test_bad_headlines_are_refused_and_nothing_changes(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    admin, general = community.admin, community.general
    for template, words in (
        ("{titel} を公開", "{titel} は使えない記号なのだ"),
        ("@everyone 新着", "メンションは入れられない"),
        ("{title", "「{」と「}」の組み合わせ"),
    ):
        result = await emulator.slash(admin, general, "settings headline", template=template)
        assert result.ephemeral
        assert words in result.content, result.content
        assert emulator.pings(result.message).nobody
    assert await running_bot.store.guilds.get(community.guild.id) is None
    community.guild.set_member_roles(community.english, [])
    emulator.commands.set_permissions(community.guild.id, "settings", {community.english.id: True})
    result = await emulator.slash(community.english, general, "settings headline", template="{nope}")
    assert result.content == "This needs the Manage Server permission."


async def test_without_a_template_the_shows_headline_comes_back(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    admin, general = community.admin, community.general
    await emulator.slash(admin, general, "settings headline", template="第{number}回なのだ")
    stored = await running_bot.store.guilds.get(community.guild.id)
    assert stored is not None
    assert stored.headline == "第{number}回なのだ"
    result = await emulator.slash(admin, general, "settings headline")
    stored = await running_bot.store.guilds.get(community.guild.id)
    assert stored is not None
    assert stored.headline is None
    assert fields(result)["告知の見出し"] == "標準（📻 新しいエピソードを公開したのだ！）"


async def test_letters_settings_tell_how_hosts_get_their_commands(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    result = await emulator.slash(
        community.admin, community.general, "settings letters", channel=community.hosts, host_role=community.host_role
    )
    assert "「サーバー設定」→「連携サービス」→ zundabot" in result.content
    assert "`/お便り管理`" in result.content
    result = await emulator.slash(community.admin, community.general, "settings letters", channel=community.hosts)
    assert "連携サービス" not in result.content  # only when a host role is chosen


async def test_an_english_reader_gets_the_episode_card_in_english(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    """Answers only for one person follow their language, even where they reuse the announcement's card."""
    write_post(bot_runner.posts, 7, datetime.now(UTC) - timedelta(days=3))
    bot = await bot_runner.start()
    await settled(emulator, bot)
    english = await emulator.slash(community.english, community.general, "episode", episode="7")
    assert english.ephemeral
    names = [field["name"] for field in english.embeds[0]["fields"]]
    assert "Published" in names
    assert "公開日" not in names
    assert "Send a letter" in [button.get("label") for button in english.buttons]
    japanese = await emulator.slash(community.listener, community.general, "episode", episode="7")
    assert "公開日" in [field["name"] for field in japanese.embeds[0]["fields"]]


async def test_the_hosts_card_of_a_letter_follows_the_servers_language(world: World) -> None:  # noqa: F811
    bot = await world.start()
    await world.emu.slash(world.admin, world.general, "settings language", language="en")
    await world.write(world.listener, {"本文": "いつも楽しく聴いています！"})
    posted = await world.emu.wait_for_message(world.hosts)
    embed = posted.embeds[0]
    assert embed["title"] == "Letter #1"
    assert "お便り" not in json.dumps(embed, ensure_ascii=False)
    assert await bot.store.guilds.wording(world.guild.id) == Wording("en", None)
