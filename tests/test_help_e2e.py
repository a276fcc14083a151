"""``/help`` through the emulator: what each role can do, in the user's language, from the real command tree."""

from __future__ import annotations

import asyncio
import re

from bot.app import ZundaBot
from cogs.help.audience import AUDIENCES, FIELD_LIMIT, section
from discord_emulator import DiscordEmulator
from tests.harness import Community


def fields(result: object) -> dict[str, str]:
    [embed] = result.embeds  # type: ignore[attr-defined]
    return {field["name"]: field["value"] for field in embed["fields"]}


async def test_help_lists_each_roles_commands_in_japanese(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    result = await emulator.slash(community.listener, community.general, "help")
    assert result.ephemeral
    [embed] = result.embeds
    assert embed["title"] == "zundabot でできること"
    listed = fields(result)
    assert list(listed) == [
        "だれでも",
        "ホスト（ホストロールまたは「サーバー管理」権限の人）",
        "サーバー管理者（「サーバー管理」権限の人）",
    ]
    ids = {command.name: command.id for command in emulator.commands.list()}
    everyone, hosts, managers = listed.values()
    assert f"</search:{ids['search']}> — " in everyone  # a mention: tapping it starts the command
    assert f"</otayori write:{ids['otayori']}>" in everyone
    assert f"</letters list:{ids['letters']}>" in hosts
    assert f"</status:{ids['status']}>" in hosts
    assert f"</settings announce:{ids['settings']}>" in managers
    assert "</letters" not in everyone + managers
    for line in everyone.splitlines():
        description = line.split(" — ", 1)[1]
        assert re.search(r"[ぁ-んァ-ン一-龥]", description), line  # Japanese descriptions
    assert "「サーバー設定」→「連携サービス」" in embed["footer"]["text"]
    for value in listed.values():
        assert len(value) <= FIELD_LIMIT


async def test_help_speaks_english_to_an_english_locale(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    result = await emulator.slash(community.english, community.general, "ヘルプ")
    [embed] = result.embeds
    assert embed["title"] == "What zundabot can do"
    listed = fields(result)
    assert list(listed) == ["Everyone", "Hosts (the host role, or Manage Server)", "Server managers (Manage Server)"]
    assert "Show the bot's health (hosts)" in listed["Hosts (the host role, or Manage Server)"]
    assert "Server Settings → Integrations" in embed["footer"]["text"]
    assert not re.search(r"[ぁ-んァ-ン]", embed["title"] + embed["description"] + "".join(listed))


async def test_help_answers_each_language_in_turn_from_one_translated_tree(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    """The translated command tree is built once and kept: a second /help in another language is still in that
    language, and a third in the first one is the same as the first."""
    first = fields(await emulator.slash(community.listener, community.general, "help"))
    english = fields(await emulator.slash(community.english, community.general, "ヘルプ"))
    again = fields(await emulator.slash(community.listener, community.general, "help"))
    assert "だれでも" in first
    assert "Everyone" in english
    assert not re.search(r"[ぁ-んァ-ン]", "".join(english.values()))
    assert again == first


async def test_many_help_at_once_fetch_the_command_ids_once(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    results = await asyncio.gather(*(emulator.slash(community.listener, community.general, "help") for _ in range(12)))
    ids = {command.name: command.id for command in emulator.commands.list()}
    assert all(f"</search:{ids['search']}>" in fields(result)["だれでも"] for result in results)
    assert len([r for r in emulator.requests_for("/commands") if r.method == "GET"]) == 1


async def test_every_command_is_listed_for_someone(running_bot: ZundaBot) -> None:
    names = {command.name for command in running_bot.tree.get_commands()}
    assert names - set(AUDIENCES) == set()


def test_a_section_keeps_whole_lines_within_the_field_limit() -> None:
    lines = [f"`/c{i}` — " + "説明" * 30 for i in range(40)]
    text = section(lines)
    assert len(text) <= FIELD_LIMIT
    assert all(line in lines for line in text.splitlines())
