"""The emulator drives a real discord.py client: command sync, slash commands, autocomplete, modals..."""

from __future__ import annotations

from dataclasses import dataclass

import discord
import pytest

from discord_emulator import CallbackType, DiscordEmulator, EmulatorUsageError, Permission, running
from discord_emulator.models import Channel, Guild, User
from discord_emulator.tests.sample_bot import SampleBot


@dataclass
class Scene:
    emu: DiscordEmulator
    guild: Guild
    channel: Channel
    alice: User


@pytest.fixture
def scene(emulated_discord: DiscordEmulator) -> Scene:
    emu = emulated_discord
    guild = emu.create_guild("ずんだ会")
    channel = guild.create_channel("general")
    alice = emu.create_user("alice")
    guild.add_member(alice)
    return Scene(emu, guild, channel, alice)


async def test_sync_assigns_ids_and_versions_and_lists_commands(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        synced = await bot.tree.fetch_commands()
        names = {c.name for c in synced}
        assert {"ping", "slow", "search", "feedback", "buttons", "letters"} <= names
        assert all(c.id and c.application_id == scene.emu.application_id for c in synced)
        letters = next(c for c in scene.emu.commands.list() if c.name == "letters")
        assert letters.data["name_localizations"] == {"ja": "お便り"}
        first_ids = {c.name: c.id for c in scene.emu.commands.list()}
        versions = {c.name: c.version for c in scene.emu.commands.list()}
        await bot.tree.sync()
    assert {c.name: c.id for c in scene.emu.commands.list()} == first_ids
    assert {c.name: c.version for c in scene.emu.commands.list()} == versions
    assert scene.emu.commands.syncs == [(None, len(first_ids)), (None, len(first_ids))]
    assert scene.emu.requests_for("PUT /applications/{application_id}/commands")[0].status == 200


async def test_slash_command_answered_immediately(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu):
        result = await scene.emu.slash(scene.alice, scene.channel, "ping", テキスト="ずんだ")
    assert result.type is CallbackType.CHANNEL_MESSAGE
    assert result.content == "pong ずんだ"
    assert not result.ephemeral
    message = result.message
    assert message in scene.channel.messages
    assert message.interaction_metadata is not None
    assert message.interaction_metadata["user"]["id"] == str(scene.alice.id)


async def test_deferred_response_then_followups(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu):
        result = await scene.emu.slash(scene.alice, scene.channel, "slow")
        assert (await result.wait_for_edit()).content == "お待たせ"
        followups = await result.wait_for_followups(1)
    assert result.type is CallbackType.DEFERRED_CHANNEL_MESSAGE
    # The first follow-up after a deferral edits the loading message; the second is a new ephemeral one.
    assert result.original is not None
    assert result.original.content == "お待たせ"
    assert followups[0].content == "追伸"
    assert followups[0].ephemeral
    assert followups[0] not in scene.channel.messages
    assert [m.content for m in result.messages] == ["お待たせ", "追伸"]


async def test_autocomplete_returns_choices(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        result = await scene.emu.autocomplete(scene.alice, scene.channel, "search", focused="query", query="推")
        assert result.type is CallbackType.AUTOCOMPLETE_RESULT
        assert result.choice_names == ["推0", "推1", "推2"]
        assert bot.received["typed"] == "推"
        bot.choice_count = 26
        too_many = await scene.emu.autocomplete(scene.alice, scene.channel, "search", focused="query", query="x")
    assert not too_many.responded
    assert too_many.rejected == [50035]
    rejected = scene.emu.requests_for("/callback")[-1]
    assert rejected.status == 400
    assert rejected.response["code"] == 50035
    assert "choices" in rejected.response["errors"]["data"]
    assert scene.emu.take_schema_violations() == [rejected]  # the spec's maxItems 25


async def test_modal_opened_and_submitted(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        opened = await scene.emu.slash(scene.alice, scene.channel, "feedback")
        modal = opened.modal
        assert modal is not None
        assert modal.title == "お便りフォーム"
        assert [c["type"] for c in modal.components] == [18, 18, 18, 18]
        assert modal.labels["本文"] == "body"
        submitted = await scene.emu.submit_modal(
            scene.alice,
            scene.channel,
            modal,
            {"本文": "いつも聞いてます", "topic": ["question"], "tone": "calm", "consent": True},
        )
        assert submitted.content == "受け付けました"
        assert submitted.ephemeral
        assert bot.received["modal"] == {
            "body": "いつも聞いてます",
            "topic": ["question"],
            "tone": "calm",
            "consent": True,
        }
        with pytest.raises(EmulatorUsageError, match="required"):
            await scene.emu.submit_modal(scene.alice, scene.channel, modal, {"topic": ["comment"], "tone": "calm"})


async def test_text_input_outside_a_label_is_rejected(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        result = await scene.emu.slash(scene.alice, scene.channel, "legacy")
    assert not result.responded
    assert result.rejected == [50035]
    assert isinstance(bot.errors[0], discord.HTTPException)
    assert bot.errors[0].code == 50035
    assert "Label" in str(bot.errors[0])


async def test_click_and_select_on_a_message_the_bot_sent(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        posted = await scene.emu.slash(scene.alice, scene.channel, "buttons")
        assert posted.custom_ids == ["like", "open", "pick"]
        picked = await scene.emu.select(scene.alice, posted.message, "pick", ["a", "b"])
        assert picked.content == "a,b"
        assert bot.received["picked"] == ["a", "b"]
        clicked = await scene.emu.click(scene.alice, posted.message, posted.button("いいね")["custom_id"])
        assert clicked.type is CallbackType.UPDATE_MESSAGE
        assert clicked.original is posted.message
        assert posted.message.content == "いいね済み"
        assert posted.message.components == []
        assert posted.message.edits[0].content == "押してね"
        assert bot.received["clicked_by"] == scene.alice.id
        with pytest.raises(EmulatorUsageError, match="no component"):
            await scene.emu.click(scene.alice, posted.message, "like")


async def test_modal_from_a_button_and_subcommands_by_localized_name(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu):
        posted = await scene.emu.slash(scene.alice, scene.channel, "buttons")
        opened = await scene.emu.click(scene.alice, posted.message, "open")
        assert opened.modal is not None
        assert opened.modal.source_message_id == posted.message.id
        by_default = await scene.emu.slash(scene.alice, scene.channel, "letters list", status="new")
        by_japanese = await scene.emu.slash(scene.alice, scene.channel, "お便り 一覧", 状態="既読", limit=2)
    assert by_default.content == "new:5"
    assert by_japanese.content == "read:2"
    assert by_japanese.record.payload["data"]["options"][0]["name"] == "list"


async def test_usage_errors_for_what_a_user_cannot_do(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu):
        with pytest.raises(EmulatorUsageError, match="not synced"):
            await scene.emu.slash(scene.alice, scene.channel, "nope")
        with pytest.raises(EmulatorUsageError, match="missing required"):
            await scene.emu.slash(scene.alice, scene.channel, "search")
        with pytest.raises(EmulatorUsageError, match="must be one of"):
            await scene.emu.slash(scene.alice, scene.channel, "letters list", status="old")
        hidden = scene.guild.create_channel("secret")
        hidden.set_overwrite(scene.guild.everyone, deny=Permission.VIEW_CHANNEL)
        with pytest.raises(EmulatorUsageError, match="cannot see"):
            await scene.emu.slash(scene.alice, hidden, "ping")


async def test_answering_twice_gives_40060(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        result = await scene.emu.slash(scene.alice, scene.channel, "twice")
        await scene.emu.wait_until(lambda: bot.errors, what="the second answer")
    assert result.content == "一回目"
    assert result.rejected == [40060]
    assert isinstance(bot.errors[0], discord.HTTPException)
    assert bot.errors[0].code == 40060


async def test_answering_after_the_deadline_gives_10062(scene: Scene) -> None:
    scene.emu.config.interaction_deadline = 0.2
    async with running(SampleBot(), scene.emu) as bot:
        bot.late_delay = 0.4
        result = await scene.emu.slash(scene.alice, scene.channel, "late")
        await scene.emu.wait_until(lambda: bot.errors, what="the late answer")
    assert not result.responded
    assert result.rejected == [10062]
    assert isinstance(bot.errors[0], discord.NotFound)
    assert bot.errors[0].code == 10062
    with pytest.raises(AssertionError, match="no response message"):
        _ = result.content


async def test_interaction_payload_is_complete(scene: Scene) -> None:
    scene.alice.locale = "en-US"
    async with running(SampleBot(), scene.emu):
        result = await scene.emu.slash(scene.alice, scene.channel, "ping")
    payload = result.record.payload
    for key in (
        "app_permissions",
        "entitlements",
        "authorizing_integration_owners",
        "context",
        "guild_locale",
    ):
        assert key in payload
    assert payload["locale"] == "en-US"
    assert payload["guild_locale"] == "ja"
    assert int(payload["member"]["permissions"]) & Permission.SEND_MESSAGES
    assert payload["channel"]["id"] == str(scene.channel.id)


async def test_original_response_and_followups_can_be_edited_and_deleted(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        result = await scene.emu.slash(scene.alice, scene.channel, "edits")
        await scene.emu.wait_until(lambda: scene.emu.requests_for("DELETE /webhooks"), what="the deletion")
    assert bot.received["original"] == "第一版"
    assert result.original is not None
    assert result.original.content == "第二版"
    assert [v.content for v in result.original.edits] == ["第一版"]
    assert [m.content for m in result.followups] == ["補足(訂正)"]
    assert [m.content for m in scene.channel.messages] == ["第二版", "補足(訂正)"]
    assert [m.content for m in scene.channel.all_messages] == ["第二版", "補足(訂正)", "消える補足"]


async def test_interaction_response_with_a_file(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu):
        result = await scene.emu.slash(scene.alice, scene.channel, "export")
    assert result.content == "書き出しました"
    assert [a.filename for a in result.attachments] == ["letters.csv"]
    assert result.attachments[0].text == "id,本文\n1,ありがとう\n"


async def test_followups_stop_when_the_token_expires(scene: Scene) -> None:
    scene.emu.config.interaction_token_lifetime = 0.2
    async with running(SampleBot(), scene.emu) as bot:
        bot.late_delay = 0.3
        result = await scene.emu.slash(scene.alice, scene.channel, "later")
        await scene.emu.wait_until(lambda: bot.errors, what="the expired follow-up")
    assert result.content == "すぐの返事"
    assert result.followups == []
    assert isinstance(bot.errors[0], discord.HTTPException)
    assert bot.errors[0].code == 50027


async def test_slash_command_in_a_direct_message(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu):
        result = await scene.emu.slash(scene.alice, scene.emu.dm_channel(scene.alice), "ping", テキスト="DM")
    assert result.content == "pong DM"
    payload = result.record.payload
    assert "member" not in payload
    assert payload["user"]["id"] == str(scene.alice.id)
    assert payload["context"] == 1
    assert scene.emu.dms(scene.alice) == [result.message]


async def test_options_of_every_type_are_resolved(scene: Scene) -> None:
    role = scene.guild.create_role("hosts")
    async with running(SampleBot(), scene.emu):
        result = await scene.emu.slash(
            scene.alice,
            scene.channel,
            "types",
            member=scene.alice,
            role=role,
            channel=scene.channel,
            count=41,
            ratio=0.25,
            flag=False,
            file=("note.txt", "中身".encode()),
        )
    assert result.content == "alice|hosts|general|42|0.5|True|note.txt|中身"
    resolved = result.record.payload["data"]["resolved"]
    assert set(resolved) == {"users", "members", "roles", "channels", "attachments"}
