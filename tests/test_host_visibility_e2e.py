"""``/status`` tells whether the host role can see the hosts' commands (Server Settings → Integrations)."""

from __future__ import annotations

from bot.app import ZundaBot
from discord_emulator import DiscordEmulator
from tests.harness import Community


async def hosts_field(emulator: DiscordEmulator, community: Community) -> str:
    result = await emulator.slash(community.admin, community.general, "status")
    assert result.ephemeral
    fields = {field["name"]: field["value"] for field in result.embeds[0]["fields"]}
    return fields["ホスト用コマンドの表示"]


async def test_status_shows_which_host_commands_the_host_role_sees(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    await emulator.slash(
        community.admin, community.general, "settings letters", channel=community.hosts, host_role=community.host_role
    )
    ids = {command.name: command.id for command in emulator.commands.list()}
    role = community.host_role.mention
    value = await hosts_field(emulator, community)
    # /letters is shown to Manage Server only until an admin allows the host role; the others to everyone
    assert f"⚠️ </letters:{ids['letters']}>: {role} には表示されていないのだ" in value
    assert f"✅ </announce:{ids['announce']}>: {role} に表示されているのだ" in value
    assert f"✅ </status:{ids['status']}>: {role} に表示されているのだ" in value
    assert "「サーバー設定」→「連携サービス」→ zundabot" in value

    # What an admin does in Server Settings → Integrations.
    emulator.commands.set_permissions(community.guild.id, "letters", {community.host_role.id: True})
    value = await hosts_field(emulator, community)
    assert f"✅ </letters:{ids['letters']}>: {role} に表示されているのだ" in value
    assert "⚠️" not in value
    assert "連携サービス" not in value  # nothing left to do

    emulator.commands.set_permissions(
        community.guild.id, "status", {community.guild.id: True, community.host_role.id: False}
    )
    assert f"⚠️ </status:{ids['status']}>" in await hosts_field(emulator, community)  # the role's own override wins
    emulator.commands.set_permissions(community.guild.id, "letters", {community.guild.id: True})
    assert f"✅ </letters:{ids['letters']}>" in await hosts_field(emulator, community)  # allowed to @everyone


async def test_an_english_host_reads_it_in_english(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    await emulator.slash(
        community.admin, community.general, "settings letters", channel=community.hosts, host_role=community.host_role
    )
    community.guild.set_member_roles(community.english, [community.host_role])
    result = await emulator.slash(community.english, community.general, "status")
    fields = {field["name"]: field["value"] for field in result.embeds[0]["fields"]}
    assert "not shown to" in fields["Hosts' commands"]
    assert "Server Settings → Integrations" in fields["Hosts' commands"]
