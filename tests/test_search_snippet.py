"""Snippets: the window around the match, bold matches mapped to the original text, Discord-safe."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search.query import QueryToken, parse_query
from bot.search.snippet import ELLIPSIS, _phrase_ranges, escape_markdown, match_ranges, plain_text, snippet
from bot.text import spans


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def test_bold_marks_the_match_in_the_original_spelling() -> None:
    assert snippet("新しいＧＰＴ－４ｏが出た", parse_query("gpt-4o")) == "新しい**ＧＰＴ－４ｏ**が出た"
    assert snippet("ｶﾞｿﾞｳ生成の話", parse_query("ガゾウ")) == "**ｶﾞｿﾞｳ**生成の話"


def test_japanese_substrings_and_single_characters() -> None:
    assert snippet("推論モデルの比較", parse_query("論モデ")) == "推**論モデ**ルの比較"
    assert snippet("子猫と猫", parse_query("猫")) == "子**猫**と**猫**"


def test_latin_prefix_bolds_the_whole_word() -> None:
    assert snippet("Claude Code を使う", parse_query("claud")) == "**Claude** Code を使う"


def test_phrase_across_a_space_is_one_bold_run() -> None:
    assert snippet("Use Claude Code daily", parse_query('"claude code"')) == "Use **Claude Code** daily"


def test_window_is_cut_around_the_match_with_ellipses() -> None:
    text = "あ" * 300 + "推論" + "い" * 300
    result = snippet(text, parse_query("推論"), width=40)
    assert result.startswith(ELLIPSIS)
    assert result.endswith(ELLIPSIS)
    assert "**推論**" in result
    assert len(unescape(result).replace("**", "")) <= 40 + 2 * len(ELLIPSIS)


def test_window_prefers_the_place_with_most_terms() -> None:
    text = "推論だけ。" + "x" * 200 + "推論と画像が並ぶ所"
    result = snippet(text, parse_query("推論 画像"), width=30)
    assert "**画像**" in result
    assert "**推論**" in result


def test_no_match_gives_the_beginning() -> None:
    assert snippet("最初の文。次の文。", parse_query("存在しない"), width=5) == "最初の文。" + ELLIPSIS


def test_markdown_of_the_summary_is_flattened_and_escaped() -> None:
    summary = "## 見出し\n\n**太字** と [リンク](https://x.test) と `code`\n- 箇条 <@123> @everyone *星*"
    result = snippet(summary, parse_query("リンク"))
    assert "https" not in result
    assert "\\<\\@123\\>" in result
    assert "\\@everyone" in result
    assert "\\*星\\*" in result
    assert "**リンク**" in result
    assert unescape(result).replace("**", "") == "見出し 太字 と リンク と code 箇条 <@123> @everyone *星*"


def test_plain_text_keeps_link_text_and_drops_line_marks() -> None:
    assert plain_text("1. 一つ目\n2. [二つ目](http://x)\n> 引用") == "一つ目 二つ目 引用"


def test_escape_markdown_escapes_everything_that_formats() -> None:
    assert escape_markdown("*_~`|>#-[]().:@!\\") == "".join("\\" + ch for ch in "*_~`|>#-[]().:@!\\")


def test_match_ranges_are_merged_and_sorted() -> None:
    assert match_ranges("推論推論", parse_query("推論")) == [(0, 4, 0)]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.text(max_size=40))
def test_snippet_never_raises_and_only_bold_is_unescaped(text: str, query: str) -> None:
    result = snippet(text, parse_query(query), width=80)
    without_bold = result.replace("**", "")
    assert not re.search(r"(?<!\\)[*_~`|<>\[\]]", re.sub(r"\\.", "", without_bold))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="推論モデルのエージェント、。 AIgpt4-か", max_size=60), st.data())
def test_runs_without_a_wanted_token_change_no_phrase_match(text: str, data: st.DataObject) -> None:
    """Spans that leave out the CJK runs holding none of the phrase's tokens find the phrase where all spans do."""
    everything = spans(text)
    if not everything:
        return
    texts = [token[0] for token in everything]
    picked = data.draw(st.lists(st.sampled_from(texts), min_size=1, max_size=4))  # in the text, in any order
    phrase = tuple(QueryToken(text[: data.draw(st.integers(1, 2))], prefix=data.draw(st.booleans())) for text in picked)
    wanted = {token.text for token in phrase}
    assert _phrase_ranges(spans(text, wanted), phrase) == _phrase_ranges(everything, phrase)


def test_a_run_left_out_still_parts_the_words_around_it() -> None:
    phrase = (QueryToken("ai"), QueryToken("gpt"))
    assert [token[0] for token in spans("ai推論 gpt", {"ai", "gpt"})] == ["ai", "", "gpt"]
    assert _phrase_ranges(spans("ai推論 gpt", {"ai", "gpt"}), phrase) == []
    assert _phrase_ranges(spans("ai gpt", {"ai", "gpt"}), phrase) == [(0, 6)]
