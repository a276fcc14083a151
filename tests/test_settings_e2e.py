"""``/settings`` end to end: server managers configure the bot; nobody else can, whatever Discord shows."""

from __future__ import annotations

import pytest

from bot.app import ZundaBot
from discord_emulator import DiscordEmulator, EmulatorUsageError, Permission
from tests.harness import Community


async def test_managers_configure_announcements_and_letters(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    result = await emulator.slash(
        community.admin, community.general, "settings announce", channel=community.news, role=community.host_role
    )
    assert result.ephemeral
    assert result.content == "設定を保存したのだ。"
    fields = {f["name"]: f["value"] for f in result.embeds[0]["fields"]}
    assert fields["告知チャンネル"] == community.news.mention
    assert fields["告知でメンションするロール"] == community.host_role.mention
    assert emulator.pings(result.message).nobody  # the settings card shows the role without pinging it

    await emulator.slash(community.admin, community.general, "settings letters", channel=community.hosts)
    stored = await running_bot.store.guilds.get(community.guild.id)
    assert stored is not None
    assert (stored.announce_channel_id, stored.announce_role_id) == (community.news.id, community.host_role.id)
    assert (stored.letters_channel_id, stored.host_role_id, stored.updated_by) == (
        community.hosts.id,
        None,
        community.admin.id,
    )

    shown = await emulator.slash(community.admin, community.general, "設定 表示")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["お便りチャンネル"] == community.hosts.mention
    assert fields["ホストロール"] == "未設定"

    cleared = await emulator.slash(community.admin, community.general, "settings clear", what="announce")
    assert cleared.content == "設定を解除したのだ。"
    stored = await running_bot.store.guilds.get(community.guild.id)
    assert stored is not None
    assert stored.announce_channel_id is None
    assert stored.letters_channel_id == community.hosts.id


async def test_warns_when_the_bot_cannot_post_there(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    assert community.guild.bot_role is not None
    community.general.set_overwrite(community.guild.bot_role, deny=int(Permission.SEND_MESSAGES))
    await emulator.wait_until(
        lambda: (
            not running_bot.get_channel(community.general.id)
            .permissions_for(  # type: ignore[union-attr]
                running_bot.get_guild(community.guild.id).me  # type: ignore[union-attr]
            )
            .send_messages
        ),
        5,
        "the overwrite to reach the bot",
    )
    result = await emulator.slash(community.admin, community.news, "settings announce", channel=community.general)
    assert "「メッセージを送信」" in result.content  # named as Discord's Japanese client names it
    assert "send_messages" not in result.content
    assert "「権限」" in result.content  # and where to fix it
    assert result.content.startswith("⚠️")


async def test_discord_hides_settings_from_members(emulator: DiscordEmulator, community: Community, running_bot):
    with pytest.raises(EmulatorUsageError, match="lacks the permissions"):
        await emulator.slash(community.listener, community.general, "settings show")


async def test_checked_in_code_when_admins_open_the_command_to_everyone(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    # A server admin allows /settings to @everyone in Server Settings → Integrations: Discord now shows it to
    # everybody, but only members with Manage Server may change anything.
    emulator.commands.set_permissions(community.guild.id, "settings", {community.guild.id: True})
    for command, options in (
        ("settings show", {}),
        ("settings announce", {"channel": community.general}),
        ("settings letters", {"channel": community.general}),
        ("settings clear", {"what": "letters"}),
    ):
        result = await emulator.slash(community.host, community.general, command, **options)
        assert result.ephemeral
        assert result.content == "この操作には「サーバー管理」権限が必要なのだ。"
        assert result.embeds == []
    assert await running_bot.store.guilds.get(community.guild.id) is None


async def test_english_locale(emulator: DiscordEmulator, community: Community, running_bot: ZundaBot) -> None:
    community.guild.set_member_roles(community.english, [])
    emulator.commands.set_permissions(community.guild.id, "settings", {community.english.id: True})
    result = await emulator.slash(community.english, community.general, "settings show")
    assert result.content == "This needs the Manage Server permission."


async def test_a_media_channel_is_refused_for_announcements(
    emulator: DiscordEmulator, community: Community, running_bot: ZundaBot
) -> None:
    media = community.guild.create_channel("clips", "media")
    await emulator.wait_until(lambda: running_bot.get_channel(media.id), 5, "the bot sees the new channel")
    result = await emulator.slash(community.admin, community.general, "settings announce", channel=media)
    assert result.ephemeral
    assert "メディアチャンネル" in result.content
    assert await running_bot.store.guilds.get(community.guild.id) is None  # nothing was saved
