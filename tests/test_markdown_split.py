"""The markdown-aware splitter: limits, preferred boundaries, protected spans, grapheme safety."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.markdown_split import _grapheme_boundary, protected_spans, safe_prefix, split_markdown


def locate(text: str, pieces: list[str]) -> list[tuple[int, int]]:
    """Where each piece sits in ``text``; fails unless only whitespace lies between and around them."""
    spans = []
    pos = 0
    for piece in pieces:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        assert text.startswith(piece, pos), f"piece {piece!r} is not the text at {pos}: {text[pos : pos + 40]!r}"
        spans.append((pos, pos + len(piece)))
        pos += len(piece)
    assert not text[pos:].strip()
    return spans


def inside_span(text: str, cut: int) -> bool:
    return any(span.start < cut < span.end for span in protected_spans(text))


def test_short_text_is_one_piece_and_blank_text_none() -> None:
    assert split_markdown("  要約です。\n", 100) == ["要約です。"]
    assert split_markdown(" \n\n ", 10) == []


def test_paragraph_boundaries_come_first() -> None:
    text = "最初の段落です。まだ続きます。\n\n二番目の段落です。\n\n三番目。"
    assert split_markdown(text, 30) == ["最初の段落です。まだ続きます。\n\n二番目の段落です。", "三番目。"]
    assert split_markdown(text, 20) == ["最初の段落です。まだ続きます。", "二番目の段落です。\n\n三番目。"]


def test_lines_then_sentences_then_clauses() -> None:
    lines = "- 一つ目の項目\n- 二つ目の項目\n- 三つ目の項目"
    assert split_markdown(lines, 17) == ["- 一つ目の項目\n- 二つ目の項目", "- 三つ目の項目"]
    sentences = "これは文です。あれも文です。それも文です。"
    assert split_markdown(sentences, 15) == ["これは文です。あれも文です。", "それも文です。"]
    clauses = "長い文で、読点があり、句点はない"
    assert split_markdown(clauses, 11) == ["長い文で、読点があり、", "句点はない"]


def test_words_are_not_cut() -> None:
    text = "The quick brown fox jumps over the lazy dog"
    pieces = split_markdown(text, 12)
    assert pieces == ["The quick", "brown fox", "jumps over", "the lazy dog"]


def test_japanese_line_start_rules() -> None:
    # no piece may start with a small kana, a long vowel mark or closing punctuation
    text = "キャッシュサーバーの「設定」をチェックしようぜ" * 3
    for limit in range(5, 30):
        for piece in split_markdown(text, limit)[1:]:
            assert piece[0] not in "ャッーュョ」、。"


@pytest.mark.parametrize(
    "span",
    [
        "**太字の強調はここで切れない**",
        "`code span with spaces`",
        "[リンクのテキスト](https://example.com/path_(x))",
        "https://example.com/a/very/long/path?q=1",
        "<https://example.com/autolink>",
        "~~取り消し線の文~~",
        "||ネタバレ注意||",
    ],
)
def test_protected_spans_are_never_cut(span: str) -> None:
    text = f"前置きの文章です {span} 後ろの文章です"
    for limit in range(len(span), len(text) + 1):
        pieces = split_markdown(text, limit)
        assert span in pieces or any(span in piece for piece in pieces), (limit, pieces)
        assert all(len(piece) <= limit for piece in pieces)


def test_fenced_code_block_is_kept_whole_when_it_fits() -> None:
    code = "```python\nx = 1\n\ny = 2\n```"
    text = f"説明文です。\n\n{code}\n\n後書きです。"
    assert split_markdown(text, len(code)) == ["説明文です。", code, "後書きです。"]


def test_oversized_bold_is_split_into_bold_pieces() -> None:
    inner = "とても長い強調された文章です。" * 20
    pieces = split_markdown(f"**{inner}**", 100)
    assert len(pieces) > 1
    assert all(len(piece) <= 100 and piece.startswith("**") and piece.endswith("**") for piece in pieces)
    assert "".join(piece[2:-2] for piece in pieces) == inner


def test_oversized_code_block_is_split_into_code_blocks() -> None:
    body = "\n".join(f"    line_{i} = compute({i})" for i in range(200))
    text = f"```python\n{body}\n```"
    pieces = split_markdown(text, 300)
    assert len(pieces) > 1
    for piece in pieces:
        assert len(piece) <= 300
        assert piece.startswith("```python\n")
        assert piece.endswith("\n```")
    lines = [line for piece in pieces for line in piece.split("\n")[1:-1]]
    assert lines == body.split("\n")  # indentation kept, every line once, in order


def test_unterminated_fence_and_stray_markers_do_not_break_anything() -> None:
    text = "```\nno end " * 100 + " ** stray ` marks [ ( "
    pieces = split_markdown(text, 50)
    assert all(0 < len(piece) <= 50 for piece in pieces)


@pytest.mark.parametrize(
    "cluster",
    [
        "👨\u200d👩\u200d👧\u200d👦",  # ZWJ family
        "🇯🇵",  # regional indicator pair
        "e\u0301",  # combining accent
        "👍🏽",  # skin tone modifier
        "❤️",  # variation selector
        "\u1100\u1161\u11a8",  # conjoining hangul jamo
    ],
)
def test_grapheme_clusters_stay_whole(cluster: str) -> None:
    text = cluster * 40
    for limit in range(len(cluster), len(cluster) * 3 + 1):
        pieces = split_markdown(text, limit)
        assert "".join(pieces) == text
        assert all(len(piece) <= limit and piece == cluster * (len(piece) // len(cluster)) for piece in pieces)


def test_a_word_longer_than_the_limit_is_cut_as_a_last_resort() -> None:
    pieces = split_markdown("x" * 25, 10)
    assert pieces == ["x" * 10, "x" * 10, "x" * 5]


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        split_markdown("text", 0)


def test_safe_prefix() -> None:
    assert safe_prefix("short", 10) == "short"
    assert safe_prefix("hello wonderful world", 14) == "hello"
    assert safe_prefix("見出し **太字の部分** の後", 10) == "見出し"
    assert safe_prefix("🇯🇵🇯🇵🇯🇵", 3) == "🇯🇵"


def test_large_input_is_linear_enough() -> None:
    text = ("段落の文章です。" * 40 + "\n\n") * 2000  # ~650k code points
    pieces = split_markdown(text, 4096)
    assert locate(text, pieces)
    assert all(len(piece) <= 4096 for piece in pieces)


TOKENS = st.sampled_from(
    [
        "word",
        "語",
        "キャッシュ",
        "。",
        "、",
        ". ",
        " ",
        "\n",
        "\n\n",
        "- ",
        "  - ",
        "1. ",
        "## ",
        "**",
        "*",
        "_",
        "`",
        "```\n",
        "[",
        "]",
        "(",
        ")",
        "[リンク](https://example.com/x)",
        "https://example.com/p?q=1",
        "👨\u200d👩\u200d👧",
        "e\u0301",
        "🇯🇵",
        "\\",
        "~~",
        "||",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=st.lists(TOKENS, max_size=120), limit=st.integers(min_value=1, max_value=120))
def test_pieces_always_fit(tokens: list[str], limit: int) -> None:
    text = "".join(tokens)
    pieces = split_markdown(text, limit)
    assert all(piece and len(piece) <= limit for piece in pieces)
    if text.strip():
        assert pieces


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=st.lists(TOKENS, max_size=120), limit=st.integers(min_value=30, max_value=200))
def test_pieces_reproduce_the_text_when_no_span_is_oversized(tokens: list[str], limit: int) -> None:
    text = "".join(tokens)
    if any(span.end - span.start > limit for span in protected_spans(text)):
        return
    pieces = split_markdown(text, limit)
    for _start, end in locate(text, pieces)[:-1]:
        assert not inside_span(text, end), (text, pieces)
        assert _grapheme_boundary(text, end)
    if pieces:
        assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", text)
