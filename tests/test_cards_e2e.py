"""Components V2 episode cards end to end: a channel set to ``v2`` by ``/settings card`` gets its next episode as
a card, edits keep it a card, its 「お便りを送る」 opens the letter form, and a forum falls back to the embed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import ZundaBot
from bot.card import CARD_FLAG, text_displays
from bot.render import render_announcement
from discord_emulator import DiscordEmulator, EmulatorUsageError, Message
from tests.harness import (
    BotRunner,
    Community,
    assert_announced_once,
    bot_messages,
    crash_while_announcing,
    poll_now,
    settled,
    write_post,
)

EDIT_ROUTE = "PATCH /channels/{channel_id}/messages/{message_id}"


async def start(runner: BotRunner, community: Community, **settings: object) -> ZundaBot:
    channels = [community.general.id, community.news.id, community.forum.id]
    bot = await runner.start(announce_channel_ids=channels, **settings)
    await settled(runner.emu, bot)
    return bot


async def choose(emulator: DiscordEmulator, community: Community, style: str, channel: object = None) -> str:
    options: dict[str, object] = {"style": style}
    if channel is not None:
        options["channel"] = channel
    answer = await emulator.slash(community.admin, community.general, "settings card", **options)
    assert answer.ephemeral
    return answer.message.content


def only(emulator: DiscordEmulator, channel: object) -> Message:
    [message] = bot_messages(emulator, channel)  # type: ignore[arg-type]
    return message


async def test_a_v2_channel_gets_a_card_that_edits_keep_and_whose_letter_button_opens_the_form(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    role = community.guild.create_role("新着通知", mentionable=True)
    bot = await start(bot_runner, community, announce_role_id=role.id)
    saved = await choose(emulator, community, "v2", community.general)
    assert "カード（Components V2）" in saved
    assert "フォーラム" in await choose(emulator, community, "v2", community.forum)  # told it falls back

    path = write_post(bot_runner.posts, 11, datetime.now(UTC) - timedelta(minutes=5))
    await poll_now(emulator, bot)
    episode = await bot.store.episodes.by_number("11")
    assert episode is not None

    card = only(emulator, community.general)
    assert card.flags & CARD_FLAG
    assert card.content == ""
    assert card.embeds == []
    texts = text_displays(card.components)
    assert texts[0] == f"<@&{role.id}> 📻 新しいエピソードを公開したのだ！"
    assert any(episode.title in text for text in texts)
    for index, topic in enumerate(episode.topics, start=1):
        assert any(text.startswith(f"**{index}. [{topic.title}]") for text in texts)
    assert emulator.pings(card).role_ids == {role.id}
    assert "zb:letter:11" in card.custom_ids
    assert card.thread is not None
    thread = [m.embeds for m in bot_messages(emulator, card.thread)]
    assert thread == [[{**e, "type": "rich"} for e in p["embeds"]] for p in render_announcement(episode)[1:]]

    embed_payloads = render_announcement(episode, role_id=role.id)
    assert_announced_once(emulator, community.news, embed_payloads)  # not chosen: the embed as before
    assert_announced_once(emulator, community.forum, embed_payloads)  # a forum post cannot start with a card

    opened = await emulator.click(community.listener, card, "zb:letter:11")
    assert opened.modal is not None

    path.write_text(
        path.read_text(encoding="utf-8").replace("小さな言語モデル", "とても小さな言語モデル"), encoding="utf-8"
    )
    await choose(emulator, community, "embed", community.general)  # for the next episode: this one stays a card
    await poll_now(emulator, bot)
    edited = only(emulator, community.general)
    assert edited.id == card.id
    assert edited.flags & CARD_FLAG
    assert any("とても小さな言語モデル" in text for text in text_displays(edited.components))
    [edit] = [r for r in emulator.requests_for(EDIT_ROUTE) if r.path.endswith(f"/{card.id}")]
    assert edit.status == 200
    assert edit.body["flags"] == CARD_FLAG  # type: ignore[index]
    assert "content" not in edit.body  # type: ignore[operator]
    assert "embeds" not in edit.body  # type: ignore[operator]

    write_post(bot_runner.posts, 12, datetime.now(UTC) - timedelta(minutes=1))
    await poll_now(emulator, bot)
    newest = [m for m in bot_messages(emulator, community.general) if m.id != card.id]
    assert len(newest) == 1
    assert not newest[0].flags & CARD_FLAG
    assert newest[0].embeds


async def test_the_card_choice_defaults_to_the_announcement_channel_and_shows_in_the_settings(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start()
    await settled(emulator, bot)
    refused = await emulator.slash(community.admin, community.general, "settings card", style="v2")
    assert refused.ephemeral
    assert "/settings announce" in refused.message.content or "/設定 告知" in refused.message.content
    await emulator.slash(community.admin, community.general, "settings announce", channel=community.news)
    saved = await choose(emulator, community, "v2")
    assert f"<#{community.news.id}>" in saved
    assert await bot.store.cards.get(community.news.id) == "v2"
    shown = await emulator.slash(community.admin, community.general, "settings show")
    [field] = [f for f in shown.message.embeds[0]["fields"] if f["name"] == "告知の形式"]
    assert field["value"] == f"<#{community.news.id}>: カード（Components V2）"
    with pytest.raises(EmulatorUsageError, match="lacks the permissions"):  # Manage Server only
        await emulator.slash(community.listener, community.general, "settings card", style="v2")
    assert await bot.store.cards.of_guild(community.guild.id) == {community.news.id: "v2"}


@pytest.mark.parametrize("step", ["sent:main", "send:thread"])
async def test_a_card_sent_just_before_a_crash_is_found_again_not_posted_twice(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner, step: str
) -> None:
    """After a crash right after the card went out, Discord has forgotten the nonce: the card is recognised among
    the channel's messages by its text (as Discord returns it, numbered) and adopted."""
    bot = await bot_runner.start(announce_channel_ids=[community.news.id])
    await settled(emulator, bot)
    await choose(emulator, community, "v2", community.news)
    await crash_while_announcing(bot, bot_runner, step, 13)
    emulator.messaging.nonce_window = 0

    bot = await bot_runner.start()
    await settled(emulator, bot)
    card = only(emulator, community.news)
    assert card.flags & CARD_FLAG
    assert card.crossposted
    assert card.thread is not None
    episode = await bot.store.episodes.by_number("13")
    assert episode is not None
    assert len(bot_messages(emulator, card.thread)) == len(render_announcement(episode)) - 1
    delivery = await bot.store.deliveries.get(episode.key, community.news.id)
    assert delivery is not None
    assert delivery.done
    assert delivery.card == "v2"


async def test_the_trial_of_a_v2_channel_shows_the_card_privately(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    write_post(bot_runner.posts, 14, datetime.now(UTC) - timedelta(days=1))
    bot = await bot_runner.start()
    await settled(emulator, bot)
    await emulator.slash(community.admin, community.general, "settings announce", channel=community.news)
    await choose(emulator, community, "v2")
    result = await emulator.slash(community.host, community.general, "announce test", episode="14")
    await result.wait(lambda r: len(r.messages) >= 3)
    intro, card, *thread = result.messages
    assert "第14回の告知は、このように投稿されるのだ" in intro.content
    assert all(message.ephemeral for message in result.messages)
    assert card.flags & CARD_FLAG
    assert card.embeds == []
    assert "zb:letter:14" in card.custom_ids
    assert all(message.embeds for message in thread)
    assert bot_messages(emulator, community.news) == []
