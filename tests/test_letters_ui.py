"""The letters feature's Discord pieces without a gateway: command shapes, form, refusal, hosts' message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import ZundaBot
from bot.config import load_settings
from bot.episodes.catalogue import EpisodeChoice
from bot.letters.custom_ids import episode_option_value
from bot.letters.model import Action, Letter, LetterEvent, Status
from bot.letters.text import MAX_BODY, Code, Field, InvalidLetter, Problem, clean_letter
from bot.store.store import Store
from bot.ui.translator import CatalogTranslator
from cogs.letters.buttons import HostAction, HostButton, LetterButton, host_view
from cogs.letters.cog import Letters, parse_since
from cogs.letters.form import Draft, LetterForm, refusal, values_from_payload
from cogs.letters.host import episode_link, host_embed, letter_line
from tests.factories import make_letter

HOSTILE = (
    "@everyone @here <@&123456789012345678> <@234567890123456789> "
    "**太字** __下線__ `code` ||ネタバレ|| [link](https://evil) \u202e"
)


def letter(**changes: object) -> Letter:
    values: dict[str, object] = {"id": 42, "author_id": 555, "radio_name": "**名前** @everyone", "body": HOSTILE}
    values.update(changes)
    return make_letter(7, **values)  # type: ignore[arg-type]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[ZundaBot]:
    settings = load_settings(database_path=tmp_path / "ui.sqlite3", content_dir=None)
    instance = ZundaBot(settings)
    instance._store = await Store.open(settings.database_path)
    await instance.add_cog(Letters(instance))
    yield instance
    await instance.close()


async def payload(bot: ZundaBot, name: str) -> dict[str, Any]:
    command = bot.tree.get_command(name)
    assert command is not None
    return await command.get_translated_payload(bot.tree, CatalogTranslator())


async def test_listener_command_is_a_group_localised_as_letter(bot: ZundaBot) -> None:
    data = await payload(bot, "otayori")
    assert data["name_localizations"]["ja"] == "お便り"
    assert data["name_localizations"]["en-US"] == "letter"
    assert data["default_member_permissions"] is None
    subs = {option["name"]: option for option in data["options"]}
    assert set(subs) == {"write", "mine", "delete"}
    assert subs["write"]["options"][0]["autocomplete"] is True
    assert subs["delete"]["options"][0]["required"] is True


async def test_host_commands_are_hidden_by_default_and_shaped(bot: ZundaBot) -> None:
    data = await payload(bot, "letters")
    assert int(data["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
    subs = {option["name"]: option for option in data["options"]}
    assert set(subs) == {"list", "show", "status", "export", "aired"}
    export = [o["name"] for o in subs["export"]["options"]]
    assert export == ["format", "status", "since"]  # required first, as Discord requires
    assert [c["value"] for c in subs["export"]["options"][0]["choices"]] == ["json", "csv", "markdown"]
    settable = [c["value"] for c in subs["status"]["options"][1]["choices"]]
    assert settable == ["new", "held", "read", "adopted", "rejected"]


async def test_dynamic_items_are_registered(bot: ZundaBot) -> None:
    patterns = {pattern.pattern for pattern in bot._connection._view_store._dynamic_items}
    assert HostButton.__discord_ui_compiled_template__.pattern in patterns
    assert LetterButton.__discord_ui_compiled_template__.pattern in patterns
    assert LetterButton.__discord_ui_compiled_template__.fullmatch("zb:letter:389")
    assert not LetterButton.__discord_ui_compiled_template__.fullmatch("zb:letter:" + "9" * 81)


def form(episodes: list[EpisodeChoice], draft: Draft | None = None) -> dict[str, Any]:
    modal = LetterForm(locale="ja", display_name="ずんだもん", episodes=episodes, draft=draft)
    return modal.to_dict()


def test_form_uses_labels_and_at_most_five_components() -> None:
    choices = [
        EpisodeChoice(f"k{n}", str(n), f"第{n}回" + "あ" * 120, datetime(2025, 1, 1, tzinfo=UTC)) for n in range(30)
    ]
    data = form(choices, Draft(body="下書き", episode="3", notify=True))
    assert data["title"] == "お便りを書く"
    assert len(data["components"]) == 4
    assert all(component["type"] == 18 for component in data["components"])
    inner = {component["component"]["custom_id"]: component["component"] for component in data["components"]}
    assert inner["body"]["min_length"] == 10
    assert inner["body"]["max_length"] == MAX_BODY == 2000
    assert inner["body"]["value"] == "下書き"
    assert inner["name"]["required"] is False
    assert inner["name"]["placeholder"] == "ずんだもん"
    options = inner["episode"]["options"]
    assert len(options) == 25
    assert all(len(option["label"]) <= 100 for option in options)
    assert [o["value"] for o in options if o.get("default")] == [episode_option_value("k3")]
    assert next(o["label"] for o in options if o.get("default")).startswith("#3 ")
    assert inner["episode"]["required"] is False
    assert inner["notify"] == {"type": 23, "custom_id": "notify", "default": True}
    assert all(len(component["label"]) <= 45 for component in data["components"])
    assert all(len(component.get("description", "")) <= 100 for component in data["components"])


def test_form_without_episodes_has_no_select() -> None:
    data = form([])
    assert [c["component"]["custom_id"] for c in data["components"]] == ["name", "body", "notify"]


def test_values_from_payload_reads_labels_and_action_rows() -> None:
    data = {
        "custom_id": "zb:lf:abc",
        "components": [
            {"type": 18, "id": 1, "component": {"type": 4, "custom_id": "name", "value": "ずんだ"}},
            {"type": 1, "components": [{"type": 4, "custom_id": "body", "value": "本文です"}]},
            {"type": 18, "id": 5, "component": {"type": 3, "custom_id": "episode", "values": ["389"]}},
            {"type": 18, "id": 7, "component": {"type": 23, "custom_id": "notify", "value": True}},
        ],
    }
    values = values_from_payload(data)
    assert (values.radio_name, values.body, values.episode, values.notify) == ("ずんだ", "本文です", "389", True)
    empty = values_from_payload({"components": []})
    assert (empty.radio_name, empty.body, empty.episode, empty.notify) == ("", "", None, False)


def test_refusal_shows_the_text_back_escaped() -> None:
    problem = Problem(Field.BODY, Code.TOO_SHORT, length=3, limit=10)
    shown = refusal("だめなのだ", [problem], Draft(radio_name="@everyone", body=HOSTILE), "ja")
    assert shown.file is None
    assert "短すぎる" in shown.content
    assert shown.embed.description is not None
    assert "@\u200beveryone" in shown.embed.description
    assert "\\*\\*太字\\*\\*" in shown.embed.description
    assert shown.embed.fields[0].value == "\\@\u200beveryone"


def test_refusal_attaches_a_long_text_whole() -> None:
    text = "*" * 3000
    problem = Problem(Field.BODY, Code.TOO_LONG, length=3000, limit=MAX_BODY)
    shown = refusal("だめなのだ", [problem], Draft(body=text), "ja")
    assert shown.file is not None
    assert shown.file.fp.read() == text.encode()
    assert shown.embed.description is not None
    assert len(shown.embed.description) <= 4096
    assert len(shown.content) <= 2000


def test_host_embed_escapes_listener_text() -> None:
    embed = host_embed(letter(), [])
    assert embed.description is not None
    assert "@\u200beveryone" in embed.description
    assert "\\*\\*太字\\*\\*" in embed.description
    assert "<@&123456789012345678>" not in embed.description
    assert "<@234567890123456789>" not in embed.description
    fields = {field.name: field.value for field in embed.fields}
    assert fields["ラジオネーム"] == "\\*\\*名前\\*\\* \\@\u200beveryone"
    assert fields["投稿者"] == "<@555>"
    assert fields["状態"] == "新着"


def test_host_embed_stays_within_discord_limits() -> None:
    history = [
        LetterEvent(42, "2026-03-01T03:00:00+00:00", 99, Action.STATUS, Status.NEW, Status.HELD) for _ in range(50)
    ]
    embed = host_embed(letter(body="*_" * (MAX_BODY // 2), radio_name="_" * 32), history)
    assert embed.description is not None
    assert len(embed.description) <= 4096
    assert all(len(field.value or "") <= 1024 for field in embed.fields)
    assert len(embed) <= 6000


def test_tombstone_has_no_text_and_no_buttons() -> None:
    tomb = letter(status=Status.DELETED, author_id=None, radio_name="", body="", notify=False)
    embed = host_embed(tomb, [])
    assert embed.description == "（投稿者がこのお便りを削除したのだ）"
    assert host_view(tomb) is None


def test_host_view_buttons() -> None:
    view = host_view(letter(status=Status.HELD))
    assert view is not None
    buttons = [item for item in view.children if isinstance(item, HostButton)]
    assert [b.custom_id for b in buttons] == [f"zb:lh:{a}:42" for a in ("adopt", "hold", "read", "reject", "block")]
    assert [b.item.disabled for b in buttons] == [False, True, False, False, False]  # type: ignore[attr-defined]
    assert all(HostButton.__discord_ui_compiled_template__.fullmatch(b.custom_id) for b in buttons)
    blocked = host_view(letter(), blocked=True)
    assert blocked is not None
    assert blocked.children[-1].item.label == "ブロック解除"  # type: ignore[attr-defined]
    assert blocked.children[-1].custom_id == "zb:lh:unblock:42"  # type: ignore[attr-defined]  # does what it says
    assert all(HostButton.__discord_ui_compiled_template__.fullmatch(f"zb:lh:{a.value}:1") for a in HostAction)


def test_letter_line_escapes_and_clips() -> None:
    line = letter_line(letter(body="あ" * 200), "ja")
    assert line.startswith("**#7** 新着")
    assert "@\u200beveryone" in line
    assert len(line) < 200


def test_parse_since() -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Tokyo")
    assert parse_since("2026-03-01", zone).isoformat() == "2026-03-01T00:00:00+09:00"
    assert parse_since("2026-03-01T10:00:00+00:00", zone).hour == 10
    with pytest.raises(ValueError, match="2026-13-01"):
        parse_since("2026-13-01", zone)
    with pytest.raises(ValueError, match="yesterday"):
        parse_since("yesterday", zone)


def test_episode_link() -> None:
    assert episode_link("389", "https://zund-arm-on.com/episode/389") == "[#389](https://zund-arm-on.com/episode/389)"
    assert episode_link("389", "urn:opaque-guid") == "#389"
    assert episode_link("3_9", None) == "#3\\_9"
    assert episode_link("1", "https://x/(y)") == "#1"


PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"))
MARKDOWN = st.sampled_from("*_`~|>@\\#-[]()<&:あ everyone")


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(st.text(PRINTABLE, min_size=10, max_size=2000), st.text(MARKDOWN, min_size=10, max_size=2000)),
    st.text(MARKDOWN, max_size=32),
)
def test_any_accepted_letter_fits_discord_limits(body: str, name: str) -> None:
    try:
        clean = clean_letter(name, body, fallback_name="listener")
    except InvalidLetter:
        return
    embed = host_embed(letter(body=clean.body, radio_name=clean.radio_name), [])
    assert len(embed.description or "") <= 4096
    assert all(len(field.value or "") <= 1024 for field in embed.fields)
    assert len(embed) <= 6000
    assert "@everyone" not in (embed.description or "")
