"""The studio's web server, driven with aiohttp's test client: state API, actions, websocket notices, the guard."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from discord_emulator import DiscordEmulator, Permission, PermOverwrite, running
from discord_emulator.models import Channel, Guild, User
from discord_emulator.studio import Control, ControlField, RemoteBindRefused, Studio, Viewer, check_bind
from discord_emulator.tests.sample_bot import SampleBot


@dataclass
class Scene:
    emu: DiscordEmulator
    guild: Guild
    general: Channel
    secret: Channel
    alice: User
    bob: User
    studio: Studio
    client: TestClient[Any, Any]
    controls_ran: list[dict[str, str]]


@pytest.fixture
async def scene(emulated_discord: DiscordEmulator) -> AsyncIterator[Scene]:
    emu = emulated_discord
    guild = emu.create_guild("ずんだ会")
    general = guild.create_channel("general")
    alice, bob = emu.create_user("alice", global_name="アリス"), emu.create_user("bob", locale="en-US")
    guild.add_member(alice)
    guild.add_member(bob)
    hidden = PermOverwrite(deny=int(Permission.VIEW_CHANNEL))
    secret = guild.create_channel("secret", overwrites={guild.everyone: hidden, bob: PermOverwrite(allow=1 << 10)})
    ran: list[dict[str, str]] = []

    async def run(values: Any) -> str:
        ran.append(dict(values))
        if values.get("text") == "bad":
            raise ValueError("that text is refused")
        return "done"

    def controls() -> list[Control]:
        return [Control("write", "Write", run, [ControlField("text", "Text", "textarea", "hello")])]

    studio = Studio(emu, [Viewer(alice, {"en": "listener"}), Viewer(bob, {"en": "host"})], controls=controls)
    async with TestClient(TestServer(studio.app)) as client:
        yield Scene(emu, guild, general, secret, alice, bob, studio, client, ran)


async def get(scene: Scene, path: str, status: int = 200) -> Any:
    response = await scene.client.get(path)
    assert response.status == status, await response.text()
    return await response.json()


async def post(scene: Scene, path: str, body: object, status: int = 200) -> Any:
    response = await scene.client.post(path, json=body)
    assert response.status == status, await response.text()
    return await response.json()


async def test_state_lists_what_each_member_sees(scene: Scene) -> None:
    alice = await get(scene, f"/api/state?viewer={scene.alice.id}")
    bob = await get(scene, f"/api/state?viewer={scene.bob.id}")
    assert [c["name"] for c in alice["guilds"][0]["channels"]] == ["general"]
    assert [(c["name"], c["private"]) for c in bob["guilds"][0]["channels"]] == [("general", False), ("secret", True)]
    assert [v["label"] for v in alice["viewers"]] == [{"en": "listener"}, {"en": "host"}]
    await get(scene, f"/api/channels/{scene.secret.id}?viewer={scene.alice.id}", status=400)
    await get(scene, "/api/state?viewer=12345", status=400)
    dm = scene.emu.dm_channel(scene.bob)
    assert [c["kind"] for c in (await get(scene, f"/api/state?viewer={scene.bob.id}"))["dms"]] == ["dm"]
    await get(scene, f"/api/channels/{dm.id}?viewer={scene.bob.id}")
    await get(scene, f"/api/channels/{dm.id}?viewer={scene.alice.id}", status=400)  # someone else's DMs
    sneak = {"viewer": str(scene.alice.id), "channel": str(dm.id), "content": "hi"}
    await post(scene, "/api/message", sneak, status=400)
    assert dm.messages == []


async def test_messages_carry_mentions_pings_and_raw_text(scene: Scene) -> None:
    scene.emu.post_message(scene.bob, scene.general, f"<script>alert(1)</script> {scene.alice.mention} @everyone")
    view = await get(scene, f"/api/channels/{scene.general.id}?viewer={scene.alice.id}")
    (message,) = view["messages"]
    assert message["content"].startswith("<script>")  # raw: the page renders it as text nodes
    assert message["author"]["name"] == "bob"
    assert message["pings"]["users"] == [str(scene.alice.id)]
    assert message["pings"]["me"] is True
    assert view["names"]["users"][str(scene.alice.id)] == "アリス"


async def test_messages_close_to_discord_limits_say_which(scene: Scene) -> None:
    body = {
        "content": "x" * 1700,
        "embeds": [{"title": "t", "description": "d" * 4000, "fields": [{"name": "n", "value": "v"}]}],
    }
    scene.emu.messaging.create(scene.general, scene.emu.bot, body, check_permissions=False)
    view = await get(scene, f"/api/channels/{scene.general.id}?viewer={scene.alice.id}")
    limits = {item["what"]: (item["used"], item["limit"]) for item in view["messages"][0]["limits"]}
    assert limits == {"content": (1700, 2000), "embed 1 description": (4000, 4096)}
    card = {"flags": 1 << 15, "components": [{"type": 17, "components": [{"type": 10, "content": "x" * 100}] * 34}]}
    scene.emu.messaging.create(scene.general, scene.emu.bot, card, check_permissions=False)
    view = await get(scene, f"/api/channels/{scene.general.id}?viewer={scene.alice.id}")
    limits = {item["what"]: (item["used"], item["limit"]) for item in view["messages"][1]["limits"]}
    assert limits == {"components": (35, 40), "components text": (3400, 4000)}


async def test_slash_command_ephemeral_answer_is_shown_only_to_who_ran_it(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu):
        commands = await get(scene, f"/api/commands?viewer={scene.alice.id}&channel={scene.general.id}")
        search = next(c for c in commands["commands"] if c["path"] == "search")
        assert search["options"][0]["autocomplete"] is True
        choices = await post(
            scene,
            "/api/autocomplete",
            {"viewer": str(scene.alice.id), "channel": str(scene.general.id), "command": "search", "focused": "query",
             "options": {"query": "推論"}},
        )  # fmt: skip
        assert [c["name"] for c in choices["choices"]][:2] == ["推論0", "推論1"]
        result = await post(
            scene,
            "/api/slash",
            {"viewer": str(scene.alice.id), "channel": str(scene.general.id), "command": "search",
             "options": {"query": "推論"}},
        )  # fmt: skip
        assert result["responded"] is True
        assert result["ephemeral"] is True
        mine = await get(scene, f"/api/channels/{scene.general.id}?viewer={scene.alice.id}")
        theirs = await get(scene, f"/api/channels/{scene.general.id}?viewer={scene.bob.id}")
    assert [(m["content"], m["ephemeral"]) for m in mine["messages"]] == [("検索: 推論", True)]
    assert mine["messages"][0]["interaction"]["user"]["name"] == "アリス"
    assert mine["messages"][0]["interaction"]["label"] == "search"
    assert theirs["messages"] == []


async def test_modal_opens_and_submits_through_the_emulator(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        base = {"viewer": str(scene.alice.id), "channel": str(scene.general.id)}
        opened = await post(scene, "/api/slash", base | {"command": "feedback"})
        modal = opened["modal"]
        assert modal["title"]
        labels = [c.get("label") for c in modal["components"]]
        assert "本文" in labels
        body = next(c["component"]["custom_id"] for c in modal["components"] if c.get("label") == "本文")
        await post(scene, "/api/modal", {"viewer": str(scene.bob.id), "modal": modal["id"], "values": {}}, status=400)
        values: dict[str, object] = {body: "長い本文です。"}
        refused = await post(
            scene, "/api/modal", {"viewer": str(scene.alice.id), "modal": modal["id"], "values": values}, status=400
        )
        assert "topic" in refused["error"]  # the emulator checks the form as the Discord client would
        values |= {"topic": ["question"], "tone": "calm", "consent": True}
        done = await post(scene, "/api/modal", {"viewer": str(scene.alice.id), "modal": modal["id"], "values": values})
        assert done["ephemeral"] is True
        assert bot.received["modal"] == {
            "body": "長い本文です。",
            "topic": ["question"],
            "tone": "calm",
            "consent": True,
        }
        # a form is submitted once
        await post(scene, "/api/modal", {"viewer": str(scene.alice.id), "modal": modal["id"], "values": {}}, status=400)


async def test_buttons_and_refusals(scene: Scene) -> None:
    async with running(SampleBot(), scene.emu) as bot:
        base = {"viewer": str(scene.alice.id), "channel": str(scene.general.id)}
        await post(scene, "/api/slash", base | {"command": "buttons"})
        (message,) = scene.general.messages
        clicked = await post(
            scene, "/api/click", {"viewer": str(scene.bob.id), "message": str(message.id), "custom_id": "like"}
        )
        assert clicked["type"] == "UPDATE_MESSAGE"
        assert bot.received["clicked_by"] == scene.bob.id
        refused = await post(scene, "/api/slash", base | {"command": "nope"}, status=400)
        assert refused["refused"] is True
        assert "nope" in refused["error"]


async def test_controls_run_and_report_errors(scene: Scene) -> None:
    listed = await get(scene, "/api/controls")
    assert listed["controls"][0]["fields"][0]["value"] == "hello"
    assert (await post(scene, "/api/controls/write", {"values": {"text": "hi"}}))["message"] == "done"
    refused = await post(scene, "/api/controls/write", {"values": {"text": "bad"}}, status=400)
    assert refused["error"] == "that text is refused"
    assert scene.controls_ran == [{"text": "hi"}, {"text": "bad"}]


async def test_locale_switch_changes_the_members_client_language(scene: Scene) -> None:
    await post(scene, "/api/viewer", {"viewer": str(scene.alice.id), "locale": "en-US"})
    assert scene.alice.locale == "en-US"
    await post(scene, "/api/viewer", {"viewer": str(scene.alice.id), "locale": "fr"}, status=400)


async def test_websocket_tells_the_page_when_the_world_changes(scene: Scene) -> None:
    async with scene.client.ws_connect("/api/ws") as socket:
        assert (await socket.receive_json(timeout=5))["type"] == "hello"
        scene.emu.post_message(scene.alice, scene.general, "こんにちは")
        assert (await socket.receive_json(timeout=5))["type"] == "changed"


async def test_page_and_static_files_are_served_with_a_strict_policy(scene: Scene) -> None:
    page = await scene.client.get("/")
    assert page.status == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert (await scene.client.get("/static/studio.js")).status == 200
    assert (await scene.client.get("/static/..%2Fserver.py")).status == 404
    assert (await scene.client.get("/static/view.py")).status == 404


async def test_requests_from_other_sites_and_forms_are_refused(scene: Scene) -> None:
    response = await scene.client.post(
        "/api/message", json={"viewer": str(scene.alice.id)}, headers={"Origin": "https://evil.example"}
    )
    assert response.status == 403
    form = await scene.client.post("/api/message", data={"viewer": str(scene.alice.id), "content": "x"})
    assert form.status == 415
    assert scene.general.messages == []


def test_only_loopback_addresses_are_allowed_without_asking() -> None:
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        check_bind(host)
    for host in ("0.0.0.0", "192.168.1.10", "::", "example.com"):
        with pytest.raises(RemoteBindRefused, match="--allow-remote"):
            check_bind(host)
    check_bind("0.0.0.0", allow_remote=True)


async def test_started_studio_listens_on_loopback_and_checks_the_host_header(emulator: DiscordEmulator) -> None:
    guild = emulator.create_guild()
    user = emulator.create_user("alice")
    guild.add_member(user)
    studio = Studio(emulator, [Viewer(user, {"en": "listener"})])
    with pytest.raises(RemoteBindRefused):
        await studio.start("0.0.0.0", 0)
    url = await studio.start("127.0.0.1", 0)
    try:
        assert all(address[0] == "127.0.0.1" for address in studio.addresses)
        reader, writer = await asyncio.open_connection("127.0.0.1", studio.port)
        writer.write(b"GET /api/state HTTP/1.1\r\nHost: rebound.example:80\r\nConnection: close\r\n\r\n")
        await writer.drain()
        answer = await reader.read()
        writer.close()
        assert answer.startswith(b"HTTP/1.1 403")
        import aiohttp

        async with aiohttp.ClientSession() as session, session.get(url + "api/state") as response:
            assert response.status == 200
    finally:
        await studio.stop()
