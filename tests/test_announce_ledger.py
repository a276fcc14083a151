"""Exactly-once delivery of one episode to one channel, whatever instant the process dies."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.announce.announcer import AnnounceOptions, Announcer
from bot.announce.ledger import delivery_nonce, payload_marker, wire_bodies
from bot.announce.port import ChannelKind
from bot.episodes.model import Episode, Topic
from bot.render import render_announcement, thread_name
from bot.store.store import Store
from tests.announce_fakes import BOT_ID, FakeChannel, FakeDiscord
from tests.factories import make_episode
from tests.harness import SimulatedCrash, raise_at

STEPS = {
    ChannelKind.TEXT: ["send:main", "sent:main", "send:thread", "sent:thread"],
    ChannelKind.NEWS: ["send:main", "sent:main", "send:thread", "sent:thread", "send:crosspost", "sent:crosspost"],
    ChannelKind.FORUM: ["send:main", "sent:main"],
}
PART_STEPS = ["send:part:1", "sent:part:1", "send:part:2", "sent:part:2"]


def big_episode(number: int = 50) -> Episode:
    """An episode whose summaries need two thread messages."""
    topics = tuple(Topic(f"話題{i}", f"https://example.com/{i}", f"要約{i}。" * 700) for i in range(5))
    return dataclasses.replace(make_episode(number), topics=topics)


class Harness:
    """A store on disk, a fake Discord and announcers that can be 'restarted' on the same database."""

    def __init__(self, path: Path, discord: FakeDiscord) -> None:
        self.path = path
        self.discord = discord
        self.store: Store | None = None

    async def start(self, channel_ids: list[int], **options: object) -> Announcer:
        if self.store is not None:
            await self.store.close()
        self.store = await Store.open(self.path)
        checkpoint = options.pop("checkpoint", None)
        opts = AnnounceOptions(env_channel_ids=tuple(channel_ids), **options)  # type: ignore[arg-type]
        return Announcer(self.store, self.discord, opts, checkpoint=checkpoint)  # type: ignore[arg-type]

    async def close(self) -> None:
        if self.store is not None:
            await self.store.close()


@pytest.fixture
async def harness(tmp_path: Path) -> Harness:
    h = Harness(tmp_path / "ledger.sqlite3", FakeDiscord())
    yield h  # type: ignore[misc]
    await h.close()


async def publish(announcer: Announcer, episode: Episode) -> None:
    """The episode appears in the store after the channels were set up (so it is new to them)."""
    await announcer.run()  # registers the targets
    await announcer.store.db.conn.execute("UPDATE announce_targets SET since = '2000-01-01T00:00:00+00:00'")
    await announcer.store.episodes.upsert(episode)


async def crashed_in_the_thread(harness: Harness) -> tuple[FakeChannel, Episode, FakeChannel]:
    """A big episode whose delivery died before its second thread message: (channel, episode, thread)."""
    channel = harness.discord.add_channel()
    announcer = await harness.start([channel.id], checkpoint=raise_at("send:part:2"))
    episode = big_episode()
    await publish(announcer, episode)
    with pytest.raises(SimulatedCrash):
        await announcer.run()
    return channel, episode, harness.discord.threads_of(channel.id)[0]


def assert_announced_once(discord: FakeDiscord, channel: FakeChannel, episode: Episode) -> None:
    payloads = render_announcement(episode)
    main, rest = payloads[0], payloads[1:]
    if channel.kind is ChannelKind.FORUM:
        posts = discord.threads_of(channel.id)
        assert len(posts) == 1
        messages = discord.bot_messages(posts[0].id)
        assert [m["embeds"] for m in messages] == [p["embeds"] for p in payloads]
        assert posts[0].name == thread_name(episode)
        return
    mains = discord.bot_messages(channel.id)
    assert len(mains) == 1
    assert mains[0]["embeds"] == main["embeds"]
    threads = discord.threads_of(channel.id)
    assert len(threads) == (1 if rest else 0)
    if rest:
        assert threads[0].id == int(mains[0]["id"])
        assert [m["embeds"] for m in discord.bot_messages(threads[0].id)] == [p["embeds"] for p in rest]
    if channel.kind is ChannelKind.NEWS:
        assert mains[0].get("crossposted") is True


@pytest.mark.parametrize("kind", list(ChannelKind))
async def test_delivers_main_thread_and_parts(harness: Harness, kind: ChannelKind) -> None:
    channel = harness.discord.add_channel(kind, tags={"ずんだもん": 77})
    announcer = await harness.start([channel.id])
    episode = big_episode()
    await publish(announcer, episode)
    report = await announcer.run()
    assert report.delivered == 1
    assert_announced_once(harness.discord, channel, episode)
    if kind is ChannelKind.FORUM:
        assert harness.discord.threads_of(channel.id)[0].tags == {"77": 1}
    before = len(harness.discord.log)
    assert (await announcer.run()).delivered == 0
    assert len(harness.discord.log) == before  # nothing left to do: not a single request


async def test_nonces_are_deterministic_and_distinct() -> None:
    nonces = {delivery_nonce(key, channel, part) for key in ("a", "b") for channel in (1, 2) for part in range(3)}
    assert len(nonces) == 12
    assert all(len(nonce) <= 25 for nonce in nonces)
    assert delivery_nonce("a", 1, 0) == delivery_nonce("a", 1, 0)


async def test_create_requests_carry_the_nonce(harness: Harness) -> None:
    channel = harness.discord.add_channel()
    announcer = await harness.start([channel.id])
    episode = big_episode()
    await publish(announcer, episode)
    await announcer.run()
    creates = [body for call, _, body in harness.discord.log if call == "create_message"]
    payloads = render_announcement(episode)
    assert creates == wire_bodies(episode.key, channel.id, payloads)
    assert creates[1] == {**payloads[1], "nonce": delivery_nonce(episode.key, channel.id, 1), "enforce_nonce": True}


@pytest.mark.parametrize("remembers_nonce", [True, False], ids=["nonce-window", "after-window"])
@pytest.mark.parametrize(
    ("kind", "step"),
    [(kind, step) for kind in ChannelKind for step in STEPS[kind] + PART_STEPS],
)
async def test_crash_at_any_step_then_restart_gives_no_duplicate_and_nothing_missing(
    harness: Harness, kind: ChannelKind, step: str, remembers_nonce: bool
) -> None:
    channel = harness.discord.add_channel(kind)
    announcer = await harness.start([channel.id], checkpoint=raise_at(step))
    episode = big_episode()
    await publish(announcer, episode)
    with pytest.raises(SimulatedCrash):
        await announcer.run()
    if not remembers_nonce:
        harness.discord.forget_nonces()
    restarted = await harness.start([channel.id])
    await restarted.run()
    assert_announced_once(harness.discord, channel, episode)
    delivery = await restarted.store.deliveries.get(episode.key, channel.id)
    assert delivery is not None
    assert delivery.done


async def test_crash_twice_in_a_row_still_converges(harness: Harness) -> None:
    channel = harness.discord.add_channel(ChannelKind.NEWS)
    announcer = await harness.start([channel.id], checkpoint=raise_at("sent:main"))
    episode = big_episode()
    await publish(announcer, episode)
    for step in ("sent:main", "sent:part:1", "sent:crosspost"):
        harness.discord.forget_nonces()
        announcer = await harness.start([channel.id], checkpoint=raise_at(step))
        with pytest.raises(SimulatedCrash):
            await announcer.run()
    await (await harness.start([channel.id])).run()
    assert_announced_once(harness.discord, channel, episode)


async def test_recovery_ignores_other_bot_messages_in_the_thread(harness: Harness) -> None:
    channel, episode, thread = await crashed_in_the_thread(harness)
    # another feature of the bot posts in the thread, and a listener too, before the restart
    harness.discord.post_as(thread.id, BOT_ID, "お便りが読まれたのだ！", [{"title": "お便り"}])
    harness.discord.post_as(thread.id, 5, "聞きました")
    harness.discord.forget_nonces()
    await (await harness.start([channel.id])).run()
    ours = [m for m in harness.discord.bot_messages(thread.id) if m["content"] != "お便りが読まれたのだ！"]
    assert [m["embeds"] for m in ours] == [p["embeds"] for p in render_announcement(episode)[1:]]


async def test_edited_episode_is_edited_in_place(harness: Harness) -> None:
    channel = harness.discord.add_channel(ChannelKind.NEWS)
    announcer = await harness.start([channel.id])
    episode = make_episode(60, topics=2)
    await publish(announcer, episode)
    await announcer.run()
    main_id = harness.discord.bot_messages(channel.id)[0]["id"]

    fixed = dataclasses.replace(
        episode,
        title=episode.title + "（修正版）",
        topics=(*episode.topics, Topic("追加の話題", "https://example.com/added", "追加された要約。" * 800)),
    )
    await announcer.store.episodes.upsert(fixed)
    report = await announcer.run()
    assert report.delivered == 1
    assert [m["id"] for m in harness.discord.bot_messages(channel.id)] == [main_id]
    assert_announced_once(harness.discord, channel, fixed)
    main = harness.discord.bot_messages(channel.id)[0]
    assert main["edited"] == 1
    assert harness.discord.threads_of(channel.id)[0].name == thread_name(fixed)
    assert harness.discord.calls["crosspost"] == 1  # published once; edits follow by themselves

    shorter = dataclasses.replace(fixed, topics=fixed.topics[:1])
    await announcer.store.episodes.upsert(shorter)
    await announcer.run()
    assert_announced_once(harness.discord, channel, shorter)


async def test_unchanged_render_is_not_edited(harness: Harness) -> None:
    channel = harness.discord.add_channel()
    announcer = await harness.start([channel.id])
    episode = make_episode(61)
    await publish(announcer, episode)
    await announcer.run()
    # a change listeners do not see in the announcement (the description of an episode with topics)
    await announcer.store.episodes.upsert(dataclasses.replace(episode, description="別の説明"))
    await announcer.run()
    assert harness.discord.calls["edit_message"] == 0
    delivery = await announcer.store.deliveries.get(episode.key, channel.id)
    assert delivery is not None
    assert delivery.revision == 2


async def test_moderator_deleted_announcement_is_not_reposted(harness: Harness) -> None:
    channel = harness.discord.add_channel()
    announcer = await harness.start([channel.id])
    episode = make_episode(62)
    await publish(announcer, episode)
    await announcer.run()
    channel.messages.clear()
    await announcer.store.episodes.upsert(dataclasses.replace(episode, title="改題"))
    await announcer.run()
    assert channel.messages == []
    delivery = await announcer.store.deliveries.get(episode.key, channel.id)
    assert delivery is not None
    assert delivery.done


async def test_deleted_thread_ends_the_delivery_quietly(harness: Harness) -> None:
    channel, _episode, thread = await crashed_in_the_thread(harness)
    del harness.discord.channels[thread.id]
    report = await (await harness.start([channel.id])).run()
    assert report.failed == []
    assert len(harness.discord.bot_messages(channel.id)) == 1


def test_marker_matches_messages_as_discord_returns_them() -> None:
    payload = render_announcement(make_episode(63))[1]
    message = {"id": "1", "type": 0, "content": "", "embeds": [{"type": "rich", **payload["embeds"][0]}]}
    assert payload_marker(message) == payload_marker(payload)
    assert payload_marker({"content": "x"}) != payload_marker({"content": "y"})
