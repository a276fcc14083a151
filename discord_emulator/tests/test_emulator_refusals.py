"""What Discord refuses, the emulator refuses: one test per class of leniency it used to have (raw HTTP)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from discord_emulator import DiscordEmulator, EmulatorUsageError, RateLimitConfig
from discord_emulator.interactions import InteractionRecord
from discord_emulator.models import Channel, Guild, User

JsonDict = dict[str, Any]


async def call(session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> tuple[int, Any, Any]:
    async with session.request(method, url, **kwargs) as response:
        body = await response.json() if response.content_type == "application/json" else await response.text()
        return response.status, body, response.headers


def at(errors: JsonDict, path: str) -> list[str]:
    """The error codes at a dotted path of a 50035 ``errors`` tree."""
    node: Any = errors
    for part in path.split("."):
        node = node[part]
    return [e["code"] for e in node["_errors"]]


def refused(emulator: DiscordEmulator, body: JsonDict, path: str) -> list[str]:
    """The codes of a 400 50035 answer at ``path``; the spec violation is taken off the emulator's list."""
    assert body["code"] == 50035, body
    emulator.take_schema_violations()
    return at(body["errors"], path)


# --- application commands ---------------------------------------------------------------------------------

COMMAND: JsonDict = {
    "name": "letters",
    "description": "お便り",
    "options": [
        {
            "type": 1,
            "name": "show",
            "description": "一通を表示",
            "options": [{"type": 4, "name": "number", "description": "番号", "min_value": 1, "max_value": 2**53 - 1}],
        },
        {
            "type": 1,
            "name": "search",
            "description": "検索",
            "options": [
                {"type": 3, "name": "query", "description": "言葉", "max_length": 100},
                {"type": 5, "name": "mine", "description": "自分の"},
            ],
        },
    ],
}


def mutate(change: Callable[[JsonDict], object]) -> JsonDict:
    command = copy.deepcopy(COMMAND)
    change(command)
    return command


def show(command: JsonDict) -> JsonDict:
    option: JsonDict = command["options"][0]["options"][0]
    return option


def search(command: JsonDict) -> list[JsonDict]:
    options: list[JsonDict] = command["options"][1]["options"]
    return options


def _many_choices(command: JsonDict) -> None:
    search(command)[0]["choices"] = [
        {"name": f"{i:02d}" + "名" * 98, "value": f"{i:02d}" + "値" * 98} for i in range(25)
    ]
    command["options"].append(
        {
            "type": 1,
            "name": "more",
            "description": "d" * 100,
            "options": [
                {
                    "type": 3,
                    "name": "pick",
                    "description": "d",
                    "choices": [{"name": f"{i:02d}" + "x" * 98, "value": f"{i:02d}" + "y" * 98} for i in range(25)],
                }
            ],
        }
    )


COMMAND_REFUSALS: list[tuple[str, Callable[[JsonDict], object], str, str]] = [
    ("max_value past 2^53-1", lambda c: show(c).update(max_value=2**53), "0.options.0.options.0.max_value", ""),
    ("min_value past -(2^53-1)", lambda c: show(c).update(min_value=-(2**53)), "0.options.0.options.0.min_value", ""),
    ("max_length past 6000", lambda c: search(c)[0].update(max_length=6001), "0.options.1.options.0.max_length", ""),
    ("min_length below 0", lambda c: search(c)[0].update(min_length=-1), "0.options.1.options.0.min_length", ""),
    ("unknown locale", lambda c: c.update(name_localizations={"xx": "おたより"}), "0.name_localizations.xx", ""),
    (
        "localized description over 100",
        lambda c: c.update(description_localizations={"en-US": "x" * 101}),
        "0.description_localizations.en-US",
        "",
    ),
    ("over 8,000 characters", _many_choices, "0", "APPLICATION_COMMAND_TOO_LARGE"),
    (
        "subcommands mixed with options",
        lambda c: c["options"].append({"type": 3, "name": "loose", "description": "d"}),
        "0.options",
        "APPLICATION_COMMAND_OPTIONS_MIXED_WITH_SUBCOMMANDS",
    ),
    (
        "duplicate localized option names",
        lambda c: [o.update(name_localizations={"ja": "言葉"}) for o in search(c)],
        "0.options.1.options.1.name_localizations.ja",
        "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
    ),
    (
        "choices on a boolean",
        lambda c: search(c)[1].update(choices=[{"name": "はい", "value": True}]),
        "0.options.1.options.1.choices",
        "",
    ),
    ("autocomplete on a boolean", lambda c: search(c)[1].update(autocomplete=True), "0.options.1.options.1", ""),
    ("permissions not a number", lambda c: c.update(default_member_permissions="admin"), "0", ""),
    ("permissions past every bit", lambda c: c.update(default_member_permissions=str(2**60)), "0", ""),
    ("unknown context", lambda c: c.update(contexts=[0, 7]), "0.contexts.1", ""),
    ("unknown integration type", lambda c: c.update(integration_types=[5]), "0.integration_types.0", ""),
    ("combining mark in a name", lambda c: c.update(name="cafe\u0301"), "0.name", "APPLICATION_COMMAND_INVALID_NAME"),
]


async def test_a_valid_command_tree_is_taken(emulator: DiscordEmulator, http: aiohttp.ClientSession) -> None:
    url = f"{emulator.api_base}/applications/{emulator.application_id}/commands"
    hindi = mutate(lambda c: c.update(name_localizations={"hi": "पत्र", "th": "จดหมาย", "ja": "お便り"}))
    status, body, _ = await call(http, "PUT", url, json=[hindi])
    assert status == 200, body
    assert body[0]["name_localizations"]["hi"] == "पत्र"  # marks of Devanagari and Thai are letters


@pytest.mark.parametrize(
    ("change", "path", "code"), [case[1:] for case in COMMAND_REFUSALS], ids=[case[0] for case in COMMAND_REFUSALS]
)
async def test_commands_discord_refuses_are_refused(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, change: Callable[[JsonDict], object], path: str, code: str
) -> None:
    url = f"{emulator.api_base}/applications/{emulator.application_id}/commands"
    status, body, _ = await call(http, "PUT", url, json=[mutate(change)])
    assert status == 400
    node: Any = body["errors"]
    for part in path.split("."):
        node = node[part]
    assert node, body
    if code:
        assert code in [e["code"] for e in node["_errors"]]
    emulator.take_schema_violations()
    assert emulator.commands.list() == []


# --- embeds and components --------------------------------------------------------------------------------


def row(*components: JsonDict) -> JsonDict:
    return {"type": 1, "components": list(components)}


def select(options: list[tuple[str, str]], *, defaults: int = 0) -> JsonDict:
    return {
        "type": 3,
        "custom_id": "pick",
        "options": [
            {"label": label, "value": value, "default": i < defaults} for i, (label, value) in enumerate(options)
        ],
    }


MESSAGE_REFUSALS: list[tuple[str, JsonDict, str, str]] = [
    ("embed url not a url", {"embeds": [{"title": "t", "url": "not a url"}]}, "embeds.0.url", "URL_TYPE_INVALID_URL"),
    ("javascript: url", {"embeds": [{"title": "t", "url": "javascript:alert(1)"}]}, "embeds.0.url", ""),
    (
        "thumbnail url",
        {"embeds": [{"title": "t", "thumbnail": {"url": "ftp://x/y.png"}}]},
        "embeds.0.thumbnail.url",
        "",
    ),
    ("timestamp yesterday", {"embeds": [{"title": "t", "timestamp": "yesterday"}]}, "embeds.0.timestamp", ""),
    ("colour 2^25", {"embeds": [{"title": "t", "color": 2**25}]}, "embeds.0.color", "NUMBER_TYPE_MAX"),
    ("title not a string", {"embeds": [{"title": 5}]}, "embeds.0.title", "BASE_TYPE_STRING"),
    ("nonce 2^70", {"content": "x", "nonce": 2**70}, "nonce", ""),
    ("unknown key", {"content": "x", "embed": {"title": "old"}}, "embed", "UNKNOWN_FIELD"),
    (
        "bogus emoji",
        {"content": "x", "components": [row({"type": 2, "style": 1, "custom_id": "a", "emoji": {"id": "ずんだ"}})]},
        "components.0.components.0.emoji.id",
        "",
    ),
    (
        "link button to javascript:",
        {"content": "x", "components": [row({"type": 2, "style": 5, "label": "l", "url": "javascript:x"})]},
        "components.0.components.0.url",
        "",
    ),
    (
        "select option values not unique",
        {"content": "x", "components": [row(select([("a", "1"), ("b", "1")]))]},
        "components.0.components.0.options.1.value",
        "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
    ),
    (
        "two defaults in a single select",
        {"content": "x", "components": [row(select([("a", "1"), ("b", "2")], defaults=2))]},
        "components.0.components.0.options",
        "SELECT_COMPONENT_TOO_MANY_DEFAULTS",
    ),
    (
        "26 select options",
        {"content": "x", "components": [row(select([(f"o{i}", str(i)) for i in range(26)]))]},
        "components.0.components.0.options",
        "",
    ),
    (
        "select option label over 100",
        {"content": "x", "components": [row(select([("l" * 101, "1")]))]},
        "components.0.components.0.options.0.label",
        "",
    ),
    (
        "select option value over 100",
        {"content": "x", "components": [row(select([("l", "v" * 101)]))]},
        "components.0.components.0.options.0.value",
        "",
    ),
    (
        "a text display in an action row",
        {"content": "x", "components": [row({"type": 10, "content": "hi"})]},
        "components.0.components.0.type",
        "",
    ),
    (
        "components v2 with content",
        {"content": "x", "flags": 1 << 15, "components": [{"type": 10, "content": "hi"}]},
        "content",
        "",
    ),
]


@pytest.mark.parametrize(
    ("body", "path", "code"), [case[1:] for case in MESSAGE_REFUSALS], ids=[case[0] for case in MESSAGE_REFUSALS]
)
async def test_messages_discord_refuses_are_refused(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, general: Channel, body: JsonDict, path: str, code: str
) -> None:
    status, answer, _ = await call(http, "POST", f"{emulator.api_base}/channels/{general.id}/messages", json=body)
    assert status == 400
    assert answer["code"] == 50035
    codes = at(answer["errors"], path)
    if code:
        assert code in codes
    emulator.take_schema_violations()
    assert general.messages == []


async def test_embeds_sharing_a_url_show_only_the_first(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, general: Channel
) -> None:
    embeds = [
        {"title": "1. 記事", "url": "https://example.com/a", "description": "前半"},
        {"title": "1. 記事（続き）", "url": "https://example.com/a", "description": "後半"},
        {"title": "2. 別の記事", "url": "https://example.com/b"},
    ]
    status, body, _ = await call(
        http, "POST", f"{emulator.api_base}/channels/{general.id}/messages", json={"embeds": embeds}
    )
    assert status == 200  # Discord takes it, and shows less than was sent
    message = general.messages[0]
    assert [e["title"] for e in message.shown_embeds] == ["1. 記事", "2. 別の記事"]
    assert [e["title"] for e in message.hidden_embeds] == ["1. 記事（続き）"]
    with pytest.raises(AssertionError, match=r"embeds 1 not shown"):
        emulator.check_conformance()  # the fixture fails such a test of the bot
    await call(http, "DELETE", f"{emulator.api_base}/channels/{general.id}/messages/{body['id']}")
    emulator.check_conformance()


# --- threads ----------------------------------------------------------------------------------------------


async def _thread(emulator: DiscordEmulator, http: aiohttp.ClientSession, channel: Channel) -> tuple[int, int]:
    base = emulator.api_base
    _, message, _ = await call(http, "POST", f"{base}/channels/{channel.id}/messages", json={"content": "告知"})
    status, thread, _ = await call(
        http, "POST", f"{base}/channels/{channel.id}/messages/{message['id']}/threads", json={"name": "要約"}
    )
    assert status == 201
    _, inside, _ = await call(http, "POST", f"{base}/channels/{thread['id']}/messages", json={"content": "本文"})
    return int(thread["id"]), int(inside["id"])


async def test_archived_threads_refuse_edits_until_unarchived(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, general: Channel
) -> None:
    base = emulator.api_base
    thread_id, message_id = await _thread(emulator, http, general)
    assert (await call(http, "PATCH", f"{base}/channels/{thread_id}", json={"archived": True}))[0] == 200
    status, body, _ = await call(
        http, "PATCH", f"{base}/channels/{thread_id}/messages/{message_id}", json={"content": "直した"}
    )
    assert (status, body["code"]) == (400, 50083)
    status, body, _ = await call(http, "PATCH", f"{base}/channels/{thread_id}", json={"name": "改名"})
    assert (status, body["code"]) == (400, 50083)  # an archived thread must be unarchived in the same request
    status, body, _ = await call(
        http, "PATCH", f"{base}/channels/{thread_id}", json={"archived": False, "name": "改名"}
    )
    assert (status, body["name"]) == (200, "改名")
    status, body, _ = await call(
        http, "PATCH", f"{base}/channels/{thread_id}/messages/{message_id}", json={"content": "直した"}
    )
    assert (status, body["content"]) == (200, "直した")


THREAD_REFUSALS: list[tuple[str, JsonDict, str]] = [
    ("name over 100", {"name": "長" * 101}, "name"),
    ("empty name", {"name": "   "}, "name"),
    ("archive after 5 minutes", {"auto_archive_duration": 5}, "auto_archive_duration"),
    ("six tags", {"applied_tags": ["1", "2", "3", "4", "5", "6"]}, "applied_tags"),
    ("tag not a snowflake", {"applied_tags": ["abc"]}, "applied_tags.0"),
    ("unknown tag", {"applied_tags": ["12345"]}, "applied_tags.0"),
]


@pytest.mark.parametrize(("body", "path"), [c[1:] for c in THREAD_REFUSALS], ids=[c[0] for c in THREAD_REFUSALS])
async def test_thread_changes_discord_refuses_are_refused(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, guild: Guild, body: JsonDict, path: str
) -> None:
    forum = guild.create_channel("告知", type="forum", tags=["ずんだもん", "めたん"])
    tag = str(forum.available_tags[0].id)
    status, post, _ = await call(
        http,
        "POST",
        f"{emulator.api_base}/channels/{forum.id}/threads",
        json={"name": "第1回", "applied_tags": [tag], "message": {"content": "告知"}},
    )
    assert status == 201
    status, answer, _ = await call(http, "PATCH", f"{emulator.api_base}/channels/{post['id']}", json=body)
    assert status == 400
    assert at(answer["errors"], path)
    emulator.take_schema_violations()
    assert emulator.world.channels[int(post["id"])].applied_tags == [int(tag)]


async def test_a_forum_that_requires_tags_keeps_one(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, guild: Guild
) -> None:
    forum = guild.create_channel("告知", type="forum", tags=["ずんだもん"], require_tag=True)
    tag = str(forum.available_tags[0].id)
    url = f"{emulator.api_base}/channels/{forum.id}/threads"
    _, post, _ = await call(
        http, "POST", url, json={"name": "第1回", "applied_tags": [tag], "message": {"content": "x"}}
    )
    status, body, _ = await call(http, "PATCH", f"{emulator.api_base}/channels/{post['id']}", json={"applied_tags": []})
    assert (status, body["code"]) == (400, 40067)
    status, body, _ = await call(http, "POST", url, json={"name": "第2回", "applied_tags": ["abc"], "message": {}})
    assert (status, body["code"]) == (400, 50035)  # a malformed tag is a form error, not a crash
    assert "applied_tags" in body["errors"]
    emulator.take_schema_violations()


# --- mentions on edit -------------------------------------------------------------------------------------


async def test_an_edit_without_allowed_mentions_is_parsed_with_the_defaults(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, guild: Guild, general: Channel
) -> None:
    alice = emulator.create_user("alice")
    guild.add_member(alice)
    url = f"{emulator.api_base}/channels/{general.id}/messages"
    quiet = {"parse": []}
    status, body, _ = await call(http, "POST", url, json={"content": f"<@{alice.id}>", "allowed_mentions": quiet})
    assert status == 200
    message = general.messages[0]
    assert message.pings.nobody
    await call(http, "PATCH", f"{url}/{body['id']}", json={"embeds": [{"title": "追記"}]})
    assert message.pings.nobody  # the content did not change: nothing is parsed again
    await call(http, "PATCH", f"{url}/{body['id']}", json={"content": f"<@{alice.id}> さん、どうぞ"})
    assert message.pings.user_ids == {alice.id}  # new content without allowed_mentions: the defaults ping
    await call(http, "PATCH", f"{url}/{body['id']}", json={"content": f"<@{alice.id}>", "allowed_mentions": quiet})
    assert message.pings.nobody


# --- modals and autocomplete ------------------------------------------------------------------------------


async def _interaction(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, user: User, channel: Channel, *, focused: bool
) -> InteractionRecord:
    url = f"{emulator.api_base}/applications/{emulator.application_id}/commands"
    command = {"name": "write", "description": "d", "options": [{"type": 3, "name": "topic", "description": "d"}]}
    command["options"][0]["autocomplete"] = focused
    assert (await call(http, "PUT", url, json=[command]))[0] == 200
    given = {"topic": "推"}
    return emulator.interactions.command(user, channel, "write", given, focused="topic" if focused else None)


def label(component: JsonDict, **fields: object) -> JsonDict:
    return {"type": 18, "label": "本文", "component": component, **fields}


TEXT_INPUT: JsonDict = {"type": 4, "custom_id": "body", "style": 2, "max_length": 10}
MODAL_REFUSALS: list[tuple[str, JsonDict, str, str]] = [
    ("empty label description", label(TEXT_INPUT, description=""), "data.components.0.description", ""),
    (
        "required select with min_values 0",
        label({**select([("a", "1"), ("b", "2")]), "min_values": 0}),
        "data.components.0.component.min_values",
        "SELECT_COMPONENT_REQUIRED_MIN_VALUES",
    ),
    (
        "pre-filled value past max_length",
        label({**TEXT_INPUT, "value": "長い下書きの本文です"[:10] + "!"}),
        "data.components.0.component.value",
        "TEXT_INPUT_VALUE_TOO_LONG",
    ),
    (
        "select option values not unique",
        label(select([("a", "1"), ("b", "1")])),
        "data.components.0.component.options.1.value",
        "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
    ),
]


@pytest.mark.parametrize(
    ("component", "path", "code"), [c[1:] for c in MODAL_REFUSALS], ids=[c[0] for c in MODAL_REFUSALS]
)
async def test_modals_discord_refuses_are_refused(
    emulator: DiscordEmulator,
    http: aiohttp.ClientSession,
    guild: Guild,
    general: Channel,
    component: JsonDict,
    path: str,
    code: str,
) -> None:
    alice = emulator.create_user("alice")
    guild.add_member(alice)
    record = await _interaction(emulator, http, alice, general, focused=False)
    modal = {"type": 9, "data": {"custom_id": "letter", "title": "お便り", "components": [component]}}
    url = f"{emulator.api_base}/interactions/{record.id}/{record.token}/callback"
    status, body, _ = await call(http, "POST", url, json=modal)
    assert status == 400
    codes = at(body["errors"], path)
    if code:
        assert code in codes
    emulator.take_schema_violations()
    assert record.rejected == [50035]
    assert record.modal is None


async def test_autocomplete_choices_take_the_type_of_the_option(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, guild: Guild, general: Channel
) -> None:
    alice = emulator.create_user("alice")
    guild.add_member(alice)
    record = await _interaction(emulator, http, alice, general, focused=True)
    url = f"{emulator.api_base}/interactions/{record.id}/{record.token}/callback"
    answer = {"type": 8, "data": {"choices": [{"name": "第3回", "value": 3}]}}  # a string option's choice
    status, body, _ = await call(http, "POST", url, json=answer)
    assert status == 400
    assert at(body["errors"], "data.choices.0.value") == ["AUTOCOMPLETE_CHOICE_VALUE_TYPE_INVALID"]
    assert record.rejected == [50035]
    assert record.choices is None


async def test_malformed_callbacks_get_discords_answer(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, guild: Guild, general: Channel
) -> None:
    alice = emulator.create_user("alice")
    guild.add_member(alice)
    record = await _interaction(emulator, http, alice, general, focused=False)
    url = f"{emulator.api_base}/interactions/{record.id}/{record.token}/callback"
    for body in ([{"type": 4}], {"type": "4", "data": {}}, {"type": 4, "data": "hello"}):
        status, answer, _ = await call(http, "POST", url, json=body)
        assert (status, answer["code"]) == (400, 50035)
    assert emulator.rest.crashes == []
    emulator.take_schema_violations()


# --- text that is not Unicode ---------------------------------------------------------------------------


async def test_lone_surrogates_are_refused_not_crashed_on(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, guild: Guild, general: Channel
) -> None:
    raw = b'{"content": "\\ud800 broken"}'
    status, body, _ = await call(
        http,
        "POST",
        f"{emulator.api_base}/channels/{general.id}/messages",
        data=raw,
        headers={"Content-Type": "application/json"},
    )
    assert (status, body["code"]) == (400, 50109)
    alice = emulator.create_user("alice")
    guild.add_member(alice)
    url = f"{emulator.api_base}/applications/{emulator.application_id}/commands"
    command = {"name": "say", "description": "d", "options": [{"type": 3, "name": "text", "description": "d"}]}
    assert (await call(http, "PUT", url, json=[command]))[0] == 200
    with pytest.raises(EmulatorUsageError, match="lone surrogate"):
        emulator.interactions.command(alice, general, "say", {"text": "\ud800"})
    with pytest.raises(EmulatorUsageError, match="lone surrogate"):
        emulator.post_message(alice, general, "壊れた\udc00文字")
    assert emulator.rest.crashes == []


async def test_a_body_over_the_upload_limit_gets_413(emulator: DiscordEmulator, general: Channel) -> None:
    form = aiohttp.FormData()
    form.add_field("payload_json", '{"content": "大きすぎる添付"}', content_type="application/json")
    form.add_field("files[0]", b"\0" * (65 * 1024 * 1024), filename="big.bin")
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {emulator.token}"}) as http:
        status, body, _ = await call(http, "POST", f"{emulator.api_base}/channels/{general.id}/messages", data=form)
    assert (status, body["code"]) == (413, 40005)
    assert emulator.rest.crashes == []
    assert general.messages == []


# --- rate limits --------------------------------------------------------------------------------------------


async def test_publishing_is_limited_per_channel_per_hour(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, guild: Guild
) -> None:
    emulator.config.ratelimits.message_limit = 100
    news = guild.create_channel("お知らせ", type="news")
    base = f"{emulator.api_base}/channels/{news.id}/messages"
    answers = []
    for number in range(11):
        _, message, _ = await call(http, "POST", base, json={"content": f"第{number}回"})
        answers.append(await call(http, "POST", f"{base}/{message['id']}/crosspost"))
    assert [status for status, _, _ in answers] == [200] * 10 + [429]
    _, body, headers = answers[-1]
    assert body["global"] is False
    assert 3500 < body["retry_after"] <= 3600
    assert 3500 < int(headers["Retry-After"]) <= 3600
    assert headers["X-RateLimit-Scope"] == "user"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Bucket" in headers


async def test_injected_429s_carry_the_headers_discord_sends(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, general: Channel
) -> None:
    url = f"{emulator.api_base}/channels/{general.id}/messages"
    emulator.faults.storm_429(1, retry_after=2.5, route="POST /channels/{channel_id}/messages")
    emulator.faults.storm_429(1, retry_after=0.2, scope="global")
    emulator.faults.storm_429(1, retry_after=120, scope="shared")
    user, global_, shared = [await call(http, "POST", url, json={"content": "x"}) for _ in range(3)]
    assert (user[0], user[1]["retry_after"], user[2]["Retry-After"]) == (429, 2.5, "3")
    assert user[2]["X-RateLimit-Reset-After"] == "2.500"
    assert "X-RateLimit-Bucket" in user[2]
    assert (global_[1]["global"], global_[2]["X-RateLimit-Global"], global_[2]["Retry-After"]) == (True, "true", "1")
    assert global_[2]["X-RateLimit-Scope"] == "global"
    assert global_[2]["X-RateLimit-Remaining"] != "0"  # the route's own bucket is not what ran out
    assert (shared[2]["X-RateLimit-Scope"], shared[2]["Retry-After"]) == ("shared", "120")


async def test_too_many_invalid_requests_ban_the_ip(emulator: DiscordEmulator, general: Channel) -> None:
    emulator.config.ratelimits = emulator.ratelimits.config = RateLimitConfig(invalid_limit=5, ban_duration=600)
    url = f"{emulator.api_base}/channels/{general.id}/messages"
    async with aiohttp.ClientSession(headers={"Authorization": "Bot wrong"}) as stranger:
        statuses = [(await call(stranger, "GET", url))[0] for _ in range(5)]
    assert statuses == [401] * 5
    assert emulator.ratelimits.invalid_total == 5
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {emulator.token}"}) as bot:
        status, body, headers = await call(bot, "POST", url, json={"content": "x"})
    assert (status, body) == (429, "error code: 1015")  # Cloudflare's answer: no JSON, no Via header
    assert "Via" not in headers
    assert 500 < int(headers["Retry-After"]) <= 600
    assert general.messages == []
