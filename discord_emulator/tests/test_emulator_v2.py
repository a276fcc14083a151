"""Components V2 messages as Discord takes and refuses them (components/reference, resources/message): types and
nesting from the published spec, counts, text, the flag and its rules from the emulator's own checks."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from discord_emulator import DiscordEmulator
from discord_emulator.models import Channel, Guild

JsonDict = dict[str, Any]
V2 = 1 << 15


async def call(session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    async with session.request(method, url, **kwargs) as response:
        return response.status, await response.json()


def codes_at(answer: JsonDict, path: str) -> list[str]:
    node: Any = answer["errors"]
    for part in path.split("."):
        node = node[part]
    return [error["code"] for error in node["_errors"]]


def text(content: str) -> JsonDict:
    return {"type": 10, "content": content}


def link(label: str = "記事") -> JsonDict:
    return {"type": 2, "style": 5, "label": label, "url": "https://example.com/a"}


def button(custom_id: str) -> JsonDict:
    return {"type": 2, "style": 1, "label": "押す", "custom_id": custom_id}


def section(accessory: JsonDict | None = None, *texts: str) -> JsonDict:
    body: JsonDict = {"type": 9, "components": [text(t) for t in texts or ("本文",)]}
    if accessory is not None:
        body["accessory"] = accessory
    return body


def thumbnail(url: str = "https://example.com/a.png") -> JsonDict:
    return {"type": 11, "media": {"url": url}}


CARD: JsonDict = {
    "flags": V2,
    "components": [
        text("📻 新しいエピソードなのだ"),
        {
            "type": 17,
            "accent_color": 0x7CB342,
            "components": [
                section(thumbnail(), "## 第1回"),
                {"type": 14, "divider": True, "spacing": 1},
                section(link(), "**1. 話題**\n要約"),
                {"type": 12, "items": [{"media": {"url": "https://example.com/b.png"}, "description": "画像"}]},
                {"type": 1, "components": [link("ページ"), button("zb:letter:1")]},
            ],
        },
    ],
    "allowed_mentions": {"parse": []},
}


async def test_a_card_is_taken_and_its_components_numbered(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, general: Channel
) -> None:
    status, answer = await call(http, "POST", f"{emulator.api_base}/channels/{general.id}/messages", json=CARD)
    assert status == 200, answer
    assert answer["flags"] & V2
    assert answer["content"] == ""
    assert answer["embeds"] == []
    [message] = general.messages
    ids = [c["id"] for c in [message.components[0], message.components[1], *message.components[1]["components"]]]
    assert ids == sorted(set(ids))
    assert "zb:letter:1" in message.custom_ids


#: (what, body, path of the refusal, code at that path)
V2_REFUSALS: list[tuple[str, JsonDict, str, str]] = [
    (
        "content with the flag",
        {**CARD, "content": "x"},
        "content",
        "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
    ),
    ("embeds with the flag", {**CARD, "embeds": [{"title": "x"}]}, "embeds", ""),
    ("stickers with the flag", {**CARD, "sticker_ids": ["1"]}, "sticker_ids", ""),
    (
        "poll with the flag",
        {**CARD, "poll": {"question": {"text": "?"}, "answers": [{"poll_media": {"text": "a"}}]}},
        "poll",
        "",
    ),
    ("a text display without the flag", {"components": [text("x")]}, "components.0.type", ""),
    ("41 components at the top", {"flags": V2, "components": [text("x")] * 41}, "components", "BASE_TYPE_MAX_LENGTH"),
    (
        "41 components counted through a container",
        {"flags": V2, "components": [{"type": 17, "components": [text("x")] * 40}]},
        "components",
        "BASE_TYPE_MAX_LENGTH",
    ),
    (
        "41 components counted through sections and their accessories",
        {"flags": V2, "components": [section(link())] * 13 + [text("x"), text("y")]},
        "components",
        "BASE_TYPE_MAX_LENGTH",
    ),
    (
        "more than 4000 characters across text displays",
        {"flags": V2, "components": [text("あ" * 2500), {"type": 17, "components": [text("い" * 1501)]}]},
        "components",
        "COMPONENTS_TEXT_LENGTH_EXCEEDED",
    ),
    ("one text display over 4000", {"flags": V2, "components": [text("x" * 4001)]}, "components.0.content", ""),
    ("an empty text display", {"flags": V2, "components": [text("")]}, "components.0.content", ""),
    ("a section without an accessory", {"flags": V2, "components": [section()]}, "components.0.accessory", ""),
    (
        "a section with four texts",
        {"flags": V2, "components": [section(link(), "a", "b", "c", "d")]},
        "components.0.components",
        "",
    ),
    (
        "a button inside a section's texts",
        {"flags": V2, "components": [{"type": 9, "components": [link()], "accessory": link()}]},
        "components.0.components.0.type",
        "BASE_TYPE_CHOICES",
    ),
    (
        "a text display as an accessory",
        {"flags": V2, "components": [section(text("x"))]},
        "components.0.accessory.type",
        "BASE_TYPE_CHOICES",
    ),
    ("a thumbnail at the top level", {"flags": V2, "components": [thumbnail()]}, "components.0", ""),
    (
        "a container inside a container",
        {"flags": V2, "components": [{"type": 17, "components": [{"type": 17, "components": [text("x")]}]}]},
        "components.0.components.0",
        "",
    ),
    (
        "an empty container",
        {"flags": V2, "components": [{"type": 17, "components": []}]},
        "components.0.components",
        "",
    ),
    (
        "a thumbnail url that is not a url Discord fetches",
        {"flags": V2, "components": [section(thumbnail("ftp://example.com/a.png"))]},
        "components.0.accessory.media.url",
        "URL_TYPE_INVALID_URL",
    ),
    (
        "a media gallery of eleven",
        {"flags": V2, "components": [{"type": 12, "items": [{"media": {"url": "https://e.x/a.png"}}] * 11}]},
        "components.0.items",
        "BASE_TYPE_MAX_LENGTH",
    ),
    (
        "an accent colour beyond RGB",
        {"flags": V2, "components": [{"type": 17, "accent_color": 0x1000000, "components": [text("x")]}]},
        "components.0.accent_color",
        "",
    ),
    (
        "six buttons in a row of a container",
        {"flags": V2, "components": [{"type": 17, "components": [{"type": 1, "components": [link()] * 6}]}]},
        "components.0.components.0.components",
        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
    ),
    (
        "a link button with a custom id as an accessory",
        {"flags": V2, "components": [section({**link(), "custom_id": "x"})]},
        "components.0.accessory.custom_id",
        "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
    ),
    (
        "two buttons with one custom id",
        {"flags": V2, "components": [section(button("same")), {"type": 1, "components": [button("same")]}]},
        "components.1.components.0.custom_id",
        "COMPONENT_CUSTOM_ID_DUPLICATED",
    ),
    (
        "two components with one id",
        {"flags": V2, "components": [{**text("a"), "id": 7}, {**text("b"), "id": 7}]},
        "components",
        "COMPONENT_ID_DUPLICATED",
    ),
]


@pytest.mark.parametrize(
    ("body", "path", "code"), [case[1:] for case in V2_REFUSALS], ids=[case[0] for case in V2_REFUSALS]
)
async def test_v2_messages_discord_refuses_are_refused(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, general: Channel, body: JsonDict, path: str, code: str
) -> None:
    status, answer = await call(http, "POST", f"{emulator.api_base}/channels/{general.id}/messages", json=body)
    assert status == 400, answer
    assert answer["code"] == 50035
    codes = codes_at(answer, path)
    if code:
        assert code in codes
    assert general.messages == []
    emulator.take_schema_violations()


async def test_the_flag_stays_on_every_edit(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, general: Channel
) -> None:
    url = f"{emulator.api_base}/channels/{general.id}/messages"
    _, created = await call(http, "POST", url, json=CARD)
    edit = f"{url}/{created['id']}"
    status, answer = await call(http, "PATCH", edit, json={"flags": 0, "components": [text("x")]})
    assert status == 400
    assert codes_at(answer, "flags") == ["MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG"]
    status, answer = await call(http, "PATCH", edit, json={"content": "x"})
    assert status == 400
    assert "content" in answer["errors"]
    status, answer = await call(http, "PATCH", edit, json={"flags": V2, "components": [text("訂正したのだ")]})
    assert status == 200, answer
    assert answer["flags"] & V2
    [message] = general.messages
    assert message.components[0]["content"] == "訂正したのだ"
    emulator.take_schema_violations()


async def test_an_edit_may_turn_a_message_into_a_card_by_emptying_its_content(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, general: Channel
) -> None:
    url = f"{emulator.api_base}/channels/{general.id}/messages"
    _, created = await call(http, "POST", url, json={"content": "告知", "embeds": [{"title": "第1回"}]})
    edit = f"{url}/{created['id']}"
    status, answer = await call(http, "PATCH", edit, json={"flags": V2, "components": [text("x")]})
    assert status == 400  # the old content and embeds would stay
    assert set(answer["errors"]) == {"content", "embeds"}
    body = {"flags": V2, "content": None, "embeds": [], "components": [text("カードになったのだ")]}
    status, answer = await call(http, "PATCH", edit, json=body)
    assert status == 200, answer
    assert answer["flags"] & V2
    assert answer["content"] == ""


async def test_a_forum_post_cannot_start_with_a_card(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, guild: Guild
) -> None:
    """The first message of a forum post takes only SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS (resources/channel,
    Forum and Media Thread Message Params): no V2 layout there; its thread's later messages may be cards."""
    forum = guild.create_channel("番組フォーラム", type="forum")
    url = f"{emulator.api_base}/channels/{forum.id}/threads"
    card = {key: value for key, value in CARD.items() if key != "allowed_mentions"}
    status, answer = await call(http, "POST", url, json={"name": "第1回", "message": card})
    assert status == 400
    assert codes_at(answer, "message.flags") == ["MESSAGE_FLAGS_INVALID"]
    status, post = await call(http, "POST", url, json={"name": "第1回", "message": {"content": "告知なのだ"}})
    assert status in (200, 201)
    status, answer = await call(http, "POST", f"{emulator.api_base}/channels/{post['id']}/messages", json=CARD)
    assert status == 200, answer
    emulator.take_schema_violations()
