"""Delivering one episode to one channel exactly once, resumable after a crash at any instant.

The steps of a delivery, each recorded in the ledger (:mod:`bot.announce.model`, stored by :mod:`bot.store.deliveries`):

1. the main message (part 0) — or, in a forum, the post with the main message as its first message;
2. the thread started from the main message (text and announcement channels, when there is
   anything to put in it);
3. the thread's messages (parts 1…), one after the other;
4. in an announcement channel, publishing (crossposting) the main message to following servers.

Every message-creating request is preceded by a durable ``sending`` record (body digest + a marker
that recognises the message); its ``sent`` record (message id) is written with the next record. A
part found ``sending``
after a restart may or may not exist on Discord: the channel's messages after the last known one
are searched for the bot's own message with that marker and adopted if found; otherwise the
request is repeated with the same deterministic ``nonce`` and ``enforce_nonce`` (Discord then
returns the first message instead of creating a second one, for a few minutes). Starting a thread
twice is answered with "already has a thread", and publishing twice with "already crossposted":
both count as done. Once a part is ``sent``, later runs only edit it when the episode changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.announce.model import SENDING, SENT, Delivery, Part
from bot.announce.port import (
    ChannelGone,
    ChannelInfo,
    ChannelKind,
    DeliveryError,
    Message,
    MessageGone,
    Payload,
    Port,
    snowflake_at,
)
from bot.card import is_card, text_displays
from bot.clock import utcnow
from bot.render import Rendered
from bot.store.deliveries import DeliveryStore

log = logging.getLogger(__name__)

#: Called with a step name ("send:main", "sent:main", "send:thread", "sent:part:2", …) at each
#: point where a crash matters; tests raise there to simulate the process dying.
Checkpoint = Callable[[str], Awaitable[None]]

NONCE_LENGTH = 25
#: How far before a ``sending`` record a lost message may have been created (clock skew).
RECOVERY_MARGIN = timedelta(minutes=10)
RECOVERY_PAGES = 5
MAIN = 0


async def _no_checkpoint(step: str) -> None:
    return None


def delivery_nonce(episode_key: str, channel_id: int, part: int) -> str:
    """The nonce of one part in one channel: the same on every attempt, unique per (episode, channel, part)."""
    digest = hashlib.sha256(f"{episode_key}\0{channel_id}\0{part}".encode()).hexdigest()
    return "zb" + digest[: NONCE_LENGTH - 2]


def with_nonce(payload: Payload, nonce: str) -> Payload:
    """The create-message body: the payload plus its nonce, which Discord must enforce."""
    return {**payload, "nonce": nonce, "enforce_nonce": True}


def wire_bodies(episode_key: str, channel_id: int, payloads: list[Payload]) -> list[Payload]:
    """The create-message bodies of an announcement in a text or announcement channel, in order:
    exactly what :class:`Deliverer` sends (``zundabot preview`` prints them)."""
    return [
        with_nonce(payload, delivery_nonce(episode_key, channel_id, index)) for index, payload in enumerate(payloads)
    ]


def payload_digest(payload: Payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def payload_marker(payload: Payload | Message) -> str:
    """What recognises a part's message among the bot's messages: its first embed's title and footer
    (its content when it has no embed; a V2 card's text displays). Applies to message objects as Discord
    returns them too."""
    if is_card(payload):
        return json.dumps([text.strip() for text in text_displays(payload.get("components") or [])], ensure_ascii=False)
    embeds = payload.get("embeds") or []
    if embeds:
        first = embeds[0]
        return json.dumps([first.get("title", ""), (first.get("footer") or {}).get("text", "")], ensure_ascii=False)
    return json.dumps([payload.get("content", "")], ensure_ascii=False)


def edit_body(payload: Payload) -> Payload:
    """The PATCH body that makes an existing message show ``payload`` (absent parts cleared). A V2 card's
    edit carries its flag again and neither content nor embeds, which Discord refuses with the flag."""
    if is_card(payload):
        return {
            "flags": payload["flags"],
            "components": payload.get("components", []),
            "allowed_mentions": payload.get("allowed_mentions", {"parse": []}),
        }
    return {
        "content": payload.get("content", ""),
        "embeds": payload.get("embeds", []),
        "components": payload.get("components", []),
        "allowed_mentions": payload.get("allowed_mentions", {"parse": []}),
    }


class _Run:
    """One delivery in progress: the row (kept current in memory) and what is not written yet.

    Only ``sending`` records must reach the disk before their request; ``sent`` records, thread
    and crosspost state are written with the next ``sending`` record or at the end. A crash before
    that leaves the part ``sending``, which recovery handles like a crash right after the request.
    """

    def __init__(self, delivery: Delivery) -> None:
        self.delivery = delivery
        self.parts: set[int] = set()
        self.dropped: set[int] = set()
        self.columns: dict[str, object] = {}

    def sent(self, index: int, message_id: int, digest: str) -> None:
        previous = self.delivery.parts.get(index)
        marker, started = (previous.marker, previous.started_at) if previous else ("", utcnow())
        self.delivery.parts[index] = Part(index, SENT, message_id, digest, marker, started)
        self.parts.add(index)

    def set(self, **columns: object) -> None:
        for name, value in columns.items():
            setattr(self.delivery, name, bool(value) if name == "crossposted" else value)
        self.columns.update(columns)

    def drop(self, index: int) -> None:
        self.delivery.parts.pop(index, None)
        self.parts.discard(index)
        self.dropped.add(index)


class Deliverer:
    """Runs the steps of one delivery against a :class:`Port`, recording each in the ledger."""

    def __init__(
        self,
        ledger: DeliveryStore,
        port: Port,
        *,
        checkpoint: Checkpoint | None = None,
        stamp: Callable[[], str] = utcnow,
    ) -> None:
        self.ledger = ledger
        self.port = port
        self.checkpoint = checkpoint or _no_checkpoint
        self.stamp = stamp

    async def deliver(
        self,
        delivery: Delivery,
        revision: int,
        channel: ChannelInfo,
        rendered: Rendered,
    ) -> None:
        """Bring the delivery up to ``rendered`` (from ``revision`` of the episode), then finish it.

        Raises the port's errors for the channel itself (what was done so far is recorded first);
        a thread or message that moderators deleted ends the delivery quietly (nothing is posted
        again).
        """
        run = _Run(delivery)
        if delivery.kind is None:
            run.set(kind=channel.kind.value)
        if delivery.card is None:
            run.set(card=rendered.style.value)
        kind = ChannelKind(delivery.kind or channel.kind)
        payloads, name = rendered.payloads, rendered.name
        main, rest = payloads[0], payloads[1:]
        try:
            if kind is ChannelKind.FORUM:
                thread_id: int | None = await self._forum_post(run, rendered)
            else:
                message_id = await self._part(run, MAIN, delivery.channel_id, main, floor=0)
                thread_id = None
                if rest or delivery.thread_state != "none":
                    thread_id = await self._thread(run, message_id, rendered)
            if thread_id is not None:
                await self._thread_parts(run, thread_id, rest)
                if delivery.thread_name != name:
                    await self.port.edit_channel(thread_id, {"name": name})
                    run.set(thread_name=name)
            if kind is ChannelKind.NEWS and not delivery.crossposted:
                await self._crosspost(run)
        except MessageGone as exc:
            log.warning("announcement of %s in %s was deleted: not posting it again (%s)", *self._who(delivery), exc)
        except ChannelGone as exc:
            if exc.channel_id == delivery.channel_id:
                await self._flush(run)
                raise
            log.warning("thread of %s in %s was deleted: not posting it again (%s)", *self._who(delivery), exc)
        except DeliveryError:
            await self._flush(run)
            raise
        await self._flush(run, finish=revision)

    async def _flush(self, run: _Run, *, sending: Part | None = None, finish: int | None = None) -> None:
        """Write what ``run`` learned, plus a ``sending`` record, in one transaction."""
        parts = [run.delivery.parts[index] for index in sorted(run.parts)]
        if sending is not None:
            run.delivery.parts[sending.part] = sending
            parts.append(sending)
        await self.ledger.record(
            run.delivery, parts=parts, dropped=sorted(run.dropped), columns=run.columns, finish=finish
        )
        if finish is not None:
            run.delivery.done, run.delivery.revision = True, finish
        run.parts.clear()
        run.dropped.clear()
        run.columns.clear()

    # ---- steps -----------------------------------------------------------------------------

    async def _part(self, run: _Run, index: int, channel_id: int, payload: Payload, *, floor: int) -> int:
        """Make part ``index`` exist in ``channel_id`` showing ``payload``; return its message id."""
        delivery = run.delivery
        digest = payload_digest(payload)
        part = delivery.parts.get(index)
        if part is not None and part.state == SENDING:
            found = await self._recover(delivery, part, channel_id, floor)
            if found is not None:
                log.info("adopted message %s as part %d of %s in %s", found, index, *self._who(delivery))
                run.sent(index, found, part.digest)
                part = delivery.parts[index]
            else:
                part = None
        if part is None:
            sending = Part(index, SENDING, None, digest, payload_marker(payload), self.stamp())
            await self._flush(run, sending=sending)
            step = "main" if index == MAIN else f"part:{index}"
            await self.checkpoint(f"send:{step}")
            nonce = delivery_nonce(delivery.episode_key, delivery.channel_id, index)
            message = await self.port.create_message(channel_id, with_nonce(payload, nonce))
            await self.checkpoint(f"sent:{step}")
            run.sent(index, int(message["id"]), digest)
            return int(message["id"])
        assert part.message_id is not None
        if part.digest != digest:
            await self.port.edit_message(channel_id, part.message_id, edit_body(payload))
            run.sent(index, part.message_id, digest)
        return part.message_id

    async def _forum_post(self, run: _Run, rendered: Rendered) -> int:
        delivery = run.delivery
        main, name = rendered.payloads[0], rendered.name
        digest = payload_digest(main)
        part = delivery.parts.get(MAIN)
        if part is not None and part.state == SENDING:
            found = await self._recover_forum_post(delivery, part)
            if found is not None:
                log.info("adopted forum post %s for %s in %s", found, *self._who(delivery))
                run.sent(MAIN, found, part.digest)
                run.set(thread_id=found, thread_state="created", thread_name=part.marker)
                part = delivery.parts[MAIN]
            else:
                part = None
        if part is None:
            await self._flush(run, sending=Part(MAIN, SENDING, None, digest, name, self.stamp()))
            await self.checkpoint("send:main")
            thread_id = await self.port.create_forum_post(delivery.channel_id, rendered.forum_body())
            await self.checkpoint("sent:main")
            run.sent(MAIN, thread_id, digest)
            run.set(thread_id=thread_id, thread_state="created", thread_name=name)
            return thread_id
        assert delivery.thread_id is not None
        assert part.message_id is not None
        if part.digest != digest:
            await self.port.edit_message(delivery.thread_id, part.message_id, edit_body(main))
            # The MCs may have changed with the post: the post's tags follow them.
            await self.port.edit_channel(delivery.thread_id, {"applied_tags": [str(tag) for tag in rendered.tags]})
            run.sent(MAIN, part.message_id, digest)
        return delivery.thread_id

    async def _thread(self, run: _Run, message_id: int, rendered: Rendered) -> int:
        """The thread started from the main message (starting it again is answered with its id)."""
        delivery = run.delivery
        if delivery.thread_state == "created" and delivery.thread_id is not None:
            return delivery.thread_id
        await self.checkpoint("send:thread")
        thread_id = await self.port.start_thread(delivery.channel_id, message_id, rendered.thread_body())
        await self.checkpoint("sent:thread")
        run.set(thread_id=thread_id, thread_state="created", thread_name=rendered.name)
        return thread_id

    async def _thread_parts(self, run: _Run, thread_id: int, payloads: list[Payload]) -> None:
        delivery = run.delivery
        floor = thread_id
        for index, payload in enumerate(payloads, start=1):
            floor = await self._part(run, index, thread_id, payload, floor=floor)
        for index in sorted(i for i in delivery.parts if i > len(payloads)):
            part = delivery.parts[index]
            message_id = part.message_id
            if part.state == SENDING:
                message_id = await self._recover(delivery, part, thread_id, floor)
            if message_id is not None:
                with contextlib.suppress(MessageGone):
                    await self.port.delete_message(thread_id, message_id)
            run.drop(index)

    async def _crosspost(self, run: _Run) -> None:
        """Publish the main message (publishing it again is answered "already crossposted")."""
        main = run.delivery.parts[MAIN]
        assert main.message_id is not None
        await self.checkpoint("send:crosspost")
        await self.port.crosspost(run.delivery.channel_id, main.message_id)
        await self.checkpoint("sent:crosspost")
        run.set(crossposted=1)

    # ---- recovery --------------------------------------------------------------------------

    async def _recover(self, delivery: Delivery, part: Part, channel_id: int, floor: int) -> int | None:
        """The bot's message for a part left ``sending``, if the request did reach Discord."""
        started = datetime.fromisoformat(part.started_at)
        after = max(floor, snowflake_at(started - RECOVERY_MARGIN))
        taken = {p.message_id for p in delivery.parts.values() if p.message_id is not None}
        me = self.port.bot_user_id
        for _ in range(RECOVERY_PAGES):
            messages = await self.port.messages_after(channel_id, after)
            matches = [
                int(m["id"])
                for m in messages
                if int(m.get("author", {}).get("id", 0)) == me
                and m.get("type", 0) == 0
                and int(m["id"]) not in taken
                and payload_marker(m) == part.marker
            ]
            if matches:
                return min(matches)
            if len(messages) < 100:
                return None
            after = max(int(m["id"]) for m in messages)
        return None

    async def _recover_forum_post(self, delivery: Delivery, part: Part) -> int | None:
        """The bot's forum post for a main part left ``sending``, if it was created."""
        started = datetime.fromisoformat(part.started_at)
        after = snowflake_at(started - RECOVERY_MARGIN)
        me = self.port.bot_user_id
        matches = [
            int(thread["id"])
            for thread in await self.port.forum_threads(delivery.channel_id, delivery.guild_id)
            if int(thread.get("parent_id") or 0) == delivery.channel_id
            and int(thread.get("owner_id") or 0) == me
            and thread.get("name") == part.marker
            and int(thread["id"]) > after
        ]
        return min(matches) if matches else None

    @staticmethod
    def _who(delivery: Delivery) -> tuple[str, str]:
        return delivery.episode_key, f"channel {delivery.channel_id} (guild {delivery.guild_id})"
