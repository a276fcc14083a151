"""Messages, limits, permissions, threads, forum posts, crossposts, DMs, uploads through real discord.py."""

from __future__ import annotations

import io
from dataclasses import dataclass

import discord
import pytest

from discord_emulator import (
    DEFAULT_BOT,
    DEFAULT_EVERYONE,
    DiscordEmulator,
    EmulatorConfig,
    Permission,
    PermOverwrite,
    RateLimitConfig,
    running,
)
from discord_emulator.models import Channel, Guild, User
from discord_emulator.tests.sample_bot import SampleBot


@dataclass
class Scene:
    emu: DiscordEmulator
    guild: Guild
    text: Channel
    alice: User


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """Discord's 5 messages per 5 s per channel would only slow these tests down."""
    return EmulatorConfig(ratelimits=RateLimitConfig(message_limit=100, message_window=1.0))


@pytest.fixture
def scene(emulated_discord: DiscordEmulator) -> Scene:
    emu = emulated_discord
    guild = emu.create_guild("ずんだ会")
    text = guild.create_channel("general")
    alice = emu.create_user("alice")
    guild.add_member(alice)
    return Scene(emu, guild, text, alice)


def channel_of(bot: discord.Client, channel: Channel) -> discord.abc.Messageable:
    found = bot.get_channel(channel.id)
    assert isinstance(found, discord.abc.Messageable)
    return found


async def test_limits_give_invalid_form_body(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        channel = channel_of(bot, scene.text)
        with pytest.raises(discord.HTTPException) as description:
            await channel.send(embed=discord.Embed(description="あ" * 4097))
        with pytest.raises(discord.HTTPException) as total:
            await channel.send(embeds=[discord.Embed(description="い" * 3001) for _ in range(2)])
        with pytest.raises(discord.HTTPException) as content:
            await channel.send("う" * 2001)
        with pytest.raises(discord.HTTPException) as fields:
            await channel.send(embed=discord.Embed().add_field(name="n", value="v" * 1025))
        with pytest.raises(discord.HTTPException) as empty:
            await channel.send(content="   ")
        fits = await channel.send("え" * 2000, embeds=[discord.Embed(description="お" * 2990) for _ in range(2)])
    assert description.value.code == 50035
    assert "embeds.0.description" in description.value.text
    assert total.value.code == 50035
    assert "6000" in total.value.text
    assert "content" in content.value.text
    assert "embeds.0.fields.0.value" in fields.value.text
    assert empty.value.code == 50006
    assert scene.text.messages[-1].id == fits.id
    refused_by_spec = [next(iter(r.violation or {})) for r in scene.emu.take_schema_violations()]
    assert refused_by_spec == ["embeds", "embeds"]  # description over 4096, field value over 1024


async def test_permissions_are_computed_as_discord_does(scene: Scene) -> None:
    guild, emu = scene.guild, scene.emu
    muted = guild.create_channel("muted", overwrites={guild.bot_role: PermOverwrite(deny=Permission.SEND_MESSAGES)})
    hidden = guild.create_channel("hidden", overwrites={guild.everyone: PermOverwrite(deny=Permission.VIEW_CHANNEL)})
    allowed = guild.create_channel(
        "allowed",
        overwrites={
            guild.everyone: PermOverwrite(deny=Permission.SEND_MESSAGES),
            emu.bot: PermOverwrite(allow=Permission.SEND_MESSAGES),
        },
    )
    async with running(SampleBot(), emu) as bot:
        with pytest.raises(discord.Forbidden) as no_send:
            await channel_of(bot, muted).send("x")
        with pytest.raises(discord.Forbidden) as no_view:
            await bot.http.send_message(hidden.id, params=discord.http.handle_message_parameters(content="x"))
        await channel_of(bot, allowed).send("member overwrite wins")
        # @everyone still allows files: only an overwrite on the channel takes them away.
        scene.text.set_overwrite(guild.bot_role, deny=Permission.ATTACH_FILES)
        with pytest.raises(discord.Forbidden) as no_files:
            await channel_of(bot, scene.text).send(file=discord.File(io.BytesIO(b"x"), filename="x.txt"))
        guild.set_role_permissions(guild.bot_role, Permission.ADMINISTRATOR)
        await channel_of(bot, hidden).send("administrator sees everything")
        await emu.wait_until(lambda: bot.get_guild(guild.id).me.guild_permissions.administrator)  # type: ignore[union-attr]
        assert (await emu.wait_for_message(hidden)).content == "administrator sees everything"
    assert no_send.value.code == 50013
    assert no_view.value.code == 50001
    assert no_files.value.code == 50013
    assert [m.content for m in allowed.messages] == ["member overwrite wins"]


async def test_crosspost_in_announcement_channels(scene: Scene) -> None:
    guild, emu = scene.guild, scene.emu
    news = guild.create_channel("announcements", type="news")
    theirs = None
    async with running(SampleBot(), emu) as bot:
        ours = await channel_of(bot, news).send("第1回が公開されました")
        await ours.publish()
        with pytest.raises(discord.HTTPException) as again:
            await ours.publish()
        posted = emu.post_message(scene.alice, news, "リスナーの投稿")
        theirs = await channel_of(bot, news).fetch_message(posted.id)  # type: ignore[attr-defined]
        with pytest.raises(discord.Forbidden) as not_ours:
            await theirs.publish()
        guild.set_role_permissions(guild.bot_role, DEFAULT_BOT | Permission.MANAGE_MESSAGES)
        await theirs.publish()
        assert (await emu.wait_for_message(news, lambda m: m.author.id == scene.alice.id)).crossposted
        plain = await channel_of(bot, scene.text).send("普通のチャンネル")
        with pytest.raises(discord.HTTPException) as wrong_type:
            await plain.publish()
    assert news.messages[0].crossposted
    assert news.messages[1].crossposted
    assert again.value.code == 40033
    assert not_ours.value.code == 50013
    assert wrong_type.value.code == 50024


async def test_forum_posts_with_tags(scene: Scene) -> None:
    forum = scene.guild.create_channel("episodes", type="forum", tags=["告知", "技術"], require_tag=True)
    async with running(SampleBot(), scene.emu) as bot:
        channel = bot.get_channel(forum.id)
        assert isinstance(channel, discord.ForumChannel)
        tag = next(t for t in channel.available_tags if t.name == "技術")
        created = await channel.create_thread(name="第100回", content="今日のニュース", applied_tags=[tag])
        with pytest.raises(discord.HTTPException) as untagged:
            await channel.create_thread(name="タグなし", content="x")
        await created.thread.send("続報")
    post = forum.posts[0]
    assert created.thread.id == post.id == created.message.id
    assert post.applied_tag_names == ["技術"]
    assert [m.content for m in post.messages] == ["今日のニュース", "続報"]
    assert untagged.value.code == 40067
    assert len(forum.posts) == 1


async def test_threads_from_a_message_and_without_one(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        channel = channel_of(bot, scene.text)
        message = await channel.send("スレッドの元")
        thread = await message.create_thread(name="感想スレ")
        with pytest.raises(discord.HTTPException) as twice:
            await message.create_thread(name="もう一つ")
        await thread.send("最初の感想")
        text_channel = bot.get_channel(scene.text.id)
        assert isinstance(text_channel, discord.TextChannel)
        free = await text_channel.create_thread(name="雑談", type=discord.ChannelType.public_thread)
        await free.leave()
        await free.join()
        members = await free.fetch_members()
    assert thread.id == message.id
    assert twice.value.code == 160004
    threads = {t.name: t for t in scene.text.threads}
    assert set(threads) == {"感想スレ", "雑談"}
    assert threads["感想スレ"].messages[0].content == "最初の感想"
    assert scene.emu.bot.id in threads["感想スレ"].member_ids
    notice = scene.text.messages[-1]
    assert notice.type == 18
    assert notice.content == "雑談"
    assert free.id == threads["雑談"].id
    assert [m.id for m in members] == [scene.emu.bot.id]


async def test_direct_messages_open_and_closed(scene: Scene) -> None:
    closed = scene.emu.create_user("closed", dms_open=False)
    async with running(SampleBot(), scene.emu) as bot:
        alice = await bot.fetch_user(scene.alice.id)
        await alice.send("お便りありがとう")
        shy = await bot.fetch_user(closed.id)
        with pytest.raises(discord.Forbidden) as refused:
            await shy.send("こんにちは")
    assert [m.content for m in scene.emu.dms(scene.alice)] == ["お便りありがとう"]
    assert scene.emu.dms(closed) == []
    assert refused.value.code == 50007


async def test_uploaded_files_are_kept_and_served(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        channel = channel_of(bot, scene.text)
        sent = await channel.send(
            "export",
            files=[
                discord.File(io.BytesIO("id,本文\n1,こんにちは\n".encode()), filename="letters.csv"),
                discord.File(io.BytesIO(b"\x00\x01"), filename="raw.bin"),
            ],
        )
        downloaded = await sent.attachments[0].read()
        edited = await sent.edit(attachments=[sent.attachments[1]])
    stored = scene.text.messages[0]
    assert downloaded == "id,本文\n1,こんにちは\n".encode()
    assert [a.filename for a in stored.attachments] == ["raw.bin"]
    assert [a.filename for a in edited.attachments] == ["raw.bin"]
    assert stored.edits[0].attachment_ids[0] == sent.attachments[0].id
    assert scene.emu.world.attachments[sent.attachments[0].id].text == "id,本文\n1,こんにちは\n"


async def test_enforced_nonce_returns_the_first_message(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        channel = channel_of(bot, scene.text)
        first = await channel.send("告知", nonce="episode-100")
        second = await channel.send("告知", nonce="episode-100")
        other = await channel.send("告知", nonce="episode-101")
    assert first.id == second.id
    assert other.id != first.id
    assert len(scene.text.messages) == 2


async def test_pings_follow_allowed_mentions_and_permissions(scene: Scene) -> None:
    guild = scene.guild
    hosts = guild.create_role("hosts")
    text = f"{scene.alice.mention} {hosts.mention} @everyone"
    async with running(SampleBot(), scene.emu) as bot:
        channel = channel_of(bot, scene.text)
        quiet = await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        loud = await channel.send(text)
        only_alice = await channel.send(
            text, allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True)
        )
        guild.set_role_permissions(guild.everyone, DEFAULT_EVERYONE & ~Permission.MENTION_EVERYONE)
        unprivileged = await channel.send(text)
    stored = {m.id: m for m in scene.text.messages}
    assert scene.emu.pings(stored[quiet.id]).nobody
    assert scene.emu.pings(stored[loud.id]).everyone
    assert scene.emu.pings(stored[loud.id]).role_ids == {hosts.id}
    assert scene.emu.pings(stored[only_alice.id]).user_ids == {scene.alice.id}
    assert not scene.emu.pings(stored[only_alice.id]).everyone
    assert not scene.emu.pings(stored[unprivileged.id]).everyone
    assert scene.emu.pings(stored[unprivileged.id]).role_ids == frozenset()
    assert stored[quiet.id].allowed_mentions == {"parse": []}


async def test_history_edit_and_delete(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        channel = channel_of(bot, scene.text)
        sent = [await channel.send(f"m{i}") for i in range(6)]
        assert len(await scene.emu.wait_for_messages(scene.text, 6)) == 6
        newest = [m.content async for m in channel.history(limit=3)]
        after = [m.content async for m in channel.history(after=sent[1], oldest_first=True, limit=None)]
        before = [m.content async for m in channel.history(before=sent[2], limit=None)]
        around = sorted([m.content async for m in channel.history(around=sent[3], limit=3)])
        await sent[0].edit(content="edited")
        await sent[5].delete()
        theirs = scene.emu.post_message(scene.alice, scene.text, "listener")
        with pytest.raises(discord.Forbidden):
            await (await channel.fetch_message(theirs.id)).delete()
        with pytest.raises(discord.NotFound) as gone:
            await channel.fetch_message(sent[5].id)
    assert newest == ["m5", "m4", "m3"]
    assert after == ["m2", "m3", "m4", "m5"]
    assert before == ["m1", "m0"]
    assert around == ["m2", "m3", "m4"]
    assert scene.text.messages[0].content == "edited"
    assert scene.text.messages[0].edits[0].content == "m0"
    assert sent[5].id not in {m.id for m in scene.text.messages}
    assert gone.value.code == 10008


async def test_state_changes_reach_the_bot_over_the_gateway(scene: Scene) -> None:
    emu, guild = scene.emu, scene.guild
    async with running(SampleBot(), emu) as bot:
        role = guild.create_role("listeners", permissions=Permission.VIEW_CHANNEL)
        guild.set_member_roles(scene.alice, [role])
        doomed = guild.create_channel("doomed")
        await emu.wait_until(lambda: bot.get_channel(doomed.id))
        doomed.delete()
        second = emu.create_guild("二つ目")
        await emu.wait_until(lambda: bot.get_guild(second.id), what="the new guild")
        emu.world.remove_bot(second)
        await emu.wait_until(lambda: bot.get_guild(second.id) is None, what="GUILD_DELETE")
        emu.world.add_bot(second)
        await emu.wait_until(lambda: bot.get_guild(second.id), what="the guild again")
        await emu.wait_until(lambda: bot.get_channel(doomed.id) is None, what="the deleted channel")
        cached = bot.get_guild(guild.id)
        assert cached is not None
        assert cached.get_role(role.id) is not None
        emu.world.delete_role(role)
        await emu.wait_until(lambda: cached.get_role(role.id) is None, what="GUILD_ROLE_DELETE")
        scene.text.set_overwrite(guild.bot_role, deny=Permission.SEND_MESSAGES)
        await emu.wait_until(
            lambda: not cached.get_channel(scene.text.id).permissions_for(cached.me).send_messages,  # type: ignore[union-attr]
            what="the overwrite",
        )
    assert f"guild_join:{second.id}" in bot.events
    # Without the GUILD_MEMBERS intent, member events of other users are not delivered.
    assert emu.gateway.dispatched("GUILD_MEMBER_UPDATE") == []
    assert emu.gateway.dispatched("GUILD_ROLE_DELETE")


async def test_message_content_needs_the_intent(scene: Scene) -> None:
    emu = scene.emu
    async with running(SampleBot(), emu) as plain:
        hidden = emu.post_message(scene.alice, scene.text, "秘密")
        mention = emu.post_message(scene.alice, scene.text, f"{emu.bot.mention} こんにちは")
        await emu.wait_until(lambda: len([e for e in plain.events if e.startswith("message:")]) == 2)
    intents = discord.Intents.default()
    intents.message_content = True
    async with running(SampleBot(intents=intents), emu) as reader:
        shown = emu.post_message(scene.alice, scene.text, "見える")
        await emu.wait_until(lambda: any(e.startswith(f"message:{shown.id}") for e in reader.events))
    assert f"message:{hidden.id}:" in plain.events
    assert f"message:{mention.id}:{emu.bot.mention} こんにちは" in plain.events
    assert f"message:{shown.id}:見える" in reader.events
