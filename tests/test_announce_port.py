"""The Discord port: discord.py's HTTP errors become the announcer's, and Discord's idempotent answers count as done."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.announce.pacing import Pacer
from bot.announce.port import (
    ChannelGone,
    ChannelKind,
    DeliveryError,
    MessageGone,
    MissingAccess,
    PayloadRejected,
    TemporaryFailure,
)
from cogs.announce import DiscordPort


def http_error(status: int, code: int, message: str = "error") -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="Reason")
    cls: Callable[..., discord.HTTPException] = {
        403: discord.Forbidden,
        404: discord.NotFound,
    }.get(status, discord.DiscordServerError if status >= 500 else discord.HTTPException)
    return cls(response, {"code": code, "message": message})


class FakeHttp:
    """Answers requests from a script: each entry is an exception to raise or a value to return."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def request(self, route: discord.http.Route, **kwargs: Any) -> Any:
        self.calls.append((route.method, route.path, kwargs))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def port_with(*answers: object) -> tuple[DiscordPort, FakeHttp]:
    http = FakeHttp(*answers)
    bot = SimpleNamespace(http=http, user=SimpleNamespace(id=77), get_channel=lambda channel_id: None)
    return DiscordPort(bot, Pacer(1e9)), http  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (404, 10003, ChannelGone),
        (404, 10008, MessageGone),
        (403, 50013, MissingAccess),
        (403, 50001, MissingAccess),
        (500, 0, TemporaryFailure),
        (429, 0, TemporaryFailure),
        (400, 50035, PayloadRejected),
    ],
)
async def test_errors_are_mapped(status: int, code: int, expected: type[DeliveryError]) -> None:
    port, _ = port_with(http_error(status, code))
    with pytest.raises(expected) as raised:
        await port.create_message(5, {"content": "x"})
    assert (raised.value.channel_id, raised.value.status, raised.value.code) == (5, status, code)


async def test_network_errors_and_long_rate_limits_are_temporary() -> None:
    port, _ = port_with(OSError("connection reset"), discord.RateLimited(120.0))
    with pytest.raises(TemporaryFailure, match="connection reset"):
        await port.create_message(5, {})
    with pytest.raises(TemporaryFailure, match="rate limited for 120 s"):
        await port.create_message(5, {})


async def test_already_crossposted_and_already_threaded_count_as_done() -> None:
    port, _ = port_with(http_error(400, 40033), http_error(400, 160004), {"id": "900"})
    await port.crosspost(5, 11)
    assert await port.start_thread(5, 11, {"name": "x"}) == 11  # the message's thread has its id
    assert await port.start_thread(5, 12, {"name": "y"}) == 900
    with pytest.raises(PayloadRejected):
        await port_with(http_error(400, 50035))[0].crosspost(5, 11)


async def test_archived_thread_is_unarchived_then_the_edit_retried() -> None:
    port, http = port_with(http_error(400, 50083), {}, {"id": "3"})
    assert (await port.edit_message(8, 3, {"content": "new"}))["id"] == "3"
    assert [(method, path) for method, path, _ in http.calls] == [
        ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
        ("PATCH", "/channels/{channel_id}"),
        ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ]
    assert http.calls[1][2]["json"] == {"archived": False}


async def test_deleting_a_deleted_message_is_fine() -> None:
    port, _ = port_with(http_error(404, 10008))
    await port.delete_message(8, 3)


async def test_channel_info_from_rest_when_not_cached() -> None:
    forum = {"type": 15, "guild_id": "4", "flags": 16, "available_tags": [{"id": "9", "name": "ずんだもん"}]}
    port, _ = port_with(forum, {"type": 2, "guild_id": "4"})
    info = await port.channel(6)
    assert (info.guild_id, info.kind, dict(info.tags), info.requires_tag) == (
        4,
        ChannelKind.FORUM,
        {"ずんだもん": 9},
        True,
    )
    with pytest.raises(PayloadRejected, match="not a text, announcement or forum channel"):
        await port.channel(7)


async def test_forum_threads_combines_active_and_archived_posts() -> None:
    active = {"threads": [{"id": "1", "parent_id": "6"}]}
    archived = {"threads": [{"id": "2", "parent_id": "6"}]}
    port, http = port_with(active, archived)
    assert [t["id"] for t in await port.forum_threads(6, 4)] == ["1", "2"]
    assert http.calls[0][1] == "/guilds/{guild_id}/threads/active"
