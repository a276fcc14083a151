"""A server's wording of its announcements: the headline template (checked, filled, escaped) and the language."""

from __future__ import annotations

import pytest

from bot import i18n
from bot.announce.wording import TEMPLATE_LIMIT, TemplateError, Wording, announcement, check_template, headline
from bot.render import render_announcement
from tests.factories import make_episode

EPISODE = make_episode(389, title="AI *速報* 20250630", actors=("ずんだもん", "四国めたん"))


def test_a_template_is_filled_with_the_episode_escaped() -> None:
    template = check_template("  🎙 第{number}回「{title}」{mcs}  {date}  ")
    assert template == "🎙 第{number}回「{title}」{mcs} {date}"
    text = headline(template, EPISODE)
    assert text == "🎙 第389回「AI \\*速報\\* 20250630」ずんだもん、四国めたん 2025年1月24日(金)"


def test_english_servers_get_english_separators_and_dates() -> None:
    with i18n.public_language("en"):
        assert headline("{mcs} on {date}", EPISODE) == "ずんだもん, 四国めたん on 2025-01-24"


@pytest.mark.parametrize(
    ("template", "problem", "detail"),
    [
        ("", "empty", ""),
        ("   ", "empty", ""),
        ("x" * (TEMPLATE_LIMIT + 1), "too_long", str(TEMPLATE_LIMIT)),
        ("{titel} が出たのだ", "unknown", "{titel}"),
        ("{title!r}", "unknown", "{title}"),
        ("{date:%Y}", "unknown", "{date}"),
        ("{0}", "unknown", "{0}"),
        ("{title", "braces", ""),
        ("title}", "braces", ""),
        ("@everyone 新着", "mention", ""),
        ("<@&123> 新着", "mention", ""),
    ],
)
def test_bad_templates_say_what_is_wrong(template: str, problem: str, detail: str) -> None:
    with pytest.raises(TemplateError) as caught:
        check_template(template)
    assert (caught.value.problem, caught.value.detail) == (problem, detail)


def test_doubled_braces_are_literal() -> None:
    assert headline(check_template("{{new}} {number}"), EPISODE) == "{new} 389"


def test_the_default_wording_is_the_shows_own() -> None:
    assert announcement(EPISODE) == render_announcement(EPISODE)
    [main, *_] = announcement(EPISODE, Wording(), role_id=5)
    assert main["content"] == "<@&5> 📻 新しいエピソードを公開したのだ！"


def test_an_english_server_gets_english_fixed_text_and_its_headline() -> None:
    main, *thread = announcement(EPISODE, Wording("en", "New: {title}"), role_id=5)
    assert main["content"] == "<@&5> New: AI \\*速報\\* 20250630"
    names = [field["name"] for field in main["embeds"][0]["fields"]]
    assert "Published" in names
    assert "公開日" not in names
    assert all("（続き）" not in str(message) for message in thread)
    assert i18n.t("announce.date") == "公開日"  # the language does not leak out of the announcement


def test_an_overlong_headline_is_cut() -> None:
    long = make_episode(1, title="長" * 300)
    text = headline("{title}{title}{title}{title}", long)
    assert len(text) <= 1000
    assert text.endswith("…")
