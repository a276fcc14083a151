"""The output toolkit: the two escaping strengths, truncation, links and custom ids, as Discord will show them."""

from __future__ import annotations

import re

from bot.letters.custom_ids import LETTER_TEMPLATE, letter_custom_id
from bot.output import (
    clip,
    collapse,
    escape_light,
    escape_text,
    escape_title,
    link,
    one_line,
    truncate,
)


def _unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def test_listener_text_is_escaped_strongly_and_never_pings() -> None:
    hostile = "[押して](https://evil.invalid) # 見出し\n- 項目 @everyone <@123456789012345678> ||隠し|| :emoji:"
    shown = escape_text(hostile)
    assert "](" not in re.sub(r"\\.", "", shown)
    assert "@everyone" not in shown.replace("\u200b", "_")
    assert "https://" not in shown
    assert _unescaped(shown).replace("\u200b", "") == hostile


def test_the_shows_titles_are_escaped_lightly() -> None:
    title = "GPT-4o: 1. 速報 [AI] **太字** (続報)"
    assert escape_light(title) == r"GPT-4o: 1. 速報 \[AI\] \*\*太字\*\* (続報)"
    assert escape_light("- 箇条書きではない") == r"\- 箇条書きではない"
    assert escape_title("**AI** [速報]") == r"\*\*AI\*\* [速報]"


def test_one_line_collapses_and_cuts_at_a_safe_boundary() -> None:
    assert collapse("  一行目\n\n二行目\t 三 ") == "一行目 二行目 三"
    assert one_line("one\ntwo three four", 12) == "one two thr…"
    assert truncate("one two three four", 12) == "one two…"
    assert truncate("か\u3099" * 5, 4) == "か\u3099…"  # a combining mark stays with its letter
    assert truncate("🇯🇵" * 4, 4) == "🇯🇵…"  # a flag is never halved


def test_clip_cuts_plain_text_at_exactly_its_limit() -> None:
    assert clip("短い", 10) == "短い"
    assert clip("あ" * 300, 100) == "あ" * 99 + "…"
    assert clip("abcdef", 1) == "…"


def test_a_link_is_escaped_shortened_and_safe() -> None:
    assert link("[速報] AI", "https://example.com/a_(b)", 100, escape_light) == (
        r"[\[速報\] AI](https://example.com/a_%28b%29)"
    )
    assert link("GPT-4o", "https://openai.com/", 100) == r"[GPT\-4o](https://openai.com/)"
    assert link("title", "javascript:alert(1)", 100) == "title"
    assert link("", "https://example.com/", 100) == "[—](https://example.com/)"
    assert len(_unescaped(link("あ" * 200, None, 100))) == 100


def test_the_letter_button_id_round_trips_through_its_template() -> None:
    custom_id = letter_custom_id("389")
    assert custom_id == "zb:letter:389"
    found = re.fullmatch(LETTER_TEMPLATE, custom_id)
    assert found is not None
    assert found["number"] == "389"
    assert letter_custom_id("x" * 81) is None
