"""Normalisation and tokenisation shared by the search index and queries."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text import _NEEDS_NFKC, index_text, normalize, normalize_with_offsets, scan, tokens


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ＧＰＴ－４ｏ", "gpt-4o"),
        ("GPT-4o", "gpt-4o"),
        ("ｶﾞｿﾞｳ", "ガゾウ"),
        ("Claude　Code", "claude code"),
        ("ＡＩ\n\n  エージェント", "ai エージェント"),
        ("サーバ―〜ｰ", "サーバ-~ー"),
        ("Straße", "strasse"),
        ("①", "1"),
        ("推\u200b論", "推論"),
        ("Ver\u00adsion", "version"),
        ("\ufeffGPT\u2060-4o\u200e", "gpt-4o"),
        ("e\u200b\u0301", "é"),
        ("か\u200d\u3099", "が"),
        ("葛\U000e0100城", "葛城"),
    ],
)
def test_normalize(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


def test_every_invisible_character_is_dropped() -> None:
    invisible = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    invisible += ["\u034f", "\u180b", "\ufe0f", "\U000e01ef"]  # joiner and variation selectors (Mn)
    assert len(invisible) > 150
    for char in invisible:
        assert normalize(f"推{char}論") == "推論", hex(ord(char))
        assert normalize_with_offsets(f"推{char}論") == ("推論", [0, 2, 3]), hex(ord(char))
    assert index_text("推\u200b論モデル") == index_text("推論モデル")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("推論モデル", ["推論", "論モ", "モデ", "デル", "ル"]),
        ("猫", ["猫"]),
        ("GPT-4o", ["gpt", "4", "o"]),
        ("GPT4o", ["gpt", "4", "o"]),
        ("LFM2.5-DSpark", ["lfm", "2", "5", "dspark"]),
        ("Claude Codeの使い方", ["claude", "code", "の使", "使い", "い方", "方"]),
        ("C++17 と C#", ["c++", "17", "と", "c#"]),
        ("🎉!? (AND) OR: NEAR*", ["and", "or", "near"]),
        ("생성형 AI", ["생성", "성형", "형", "ai"]),
        ("", []),
    ],
)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokens(normalize(text)) == expected


def test_index_text_folds_width_and_case_the_same_way() -> None:
    assert index_text("ＧＰＴ４ｏとｶﾞｿﾞｳ") == index_text("gpt4oとガゾウ") == "gpt 4 o とガ ガゾ ゾウ ウ"


def test_scan_agrees_with_tokens_and_reports_positions() -> None:
    text = normalize("Claude Codeで推論モデル GPT-4o")
    scanned = scan(text)
    assert [token.text for token in scanned] == tokens(text)
    for token in scanned:
        assert text[token.start : token.end] == token.text


def test_offsets_point_back_into_the_original() -> None:
    original = "ＧＰＴとｶﾞｿﾞｳ㍿"
    normalized, offsets = normalize_with_offsets(original)
    assert normalized == "gptとガゾウ株式会社"
    assert original[offsets[0]] == "Ｇ"
    assert original[offsets[normalized.index("ガ")] : offsets[normalized.index("ゾ")]] == "ｶﾞ"
    assert original[offsets[normalized.index("株")]] == "㍿"
    assert offsets[-1] == len(original)


@settings(max_examples=1000, deadline=None)
@given(
    st.text()
    | st.text(
        alphabet=st.sampled_from("かカｶﾞﾟ\u3099\u309a゛ａＡ（）：！　a\u0301e\u0308가\u1161\u11a8\u200b\u00ad\ufe0f")
    )
)
def test_normalize_is_nfkc_casefold_of_the_whole_text(text: str) -> None:
    expected = unicodedata.normalize("NFKC", text).casefold()
    assert normalize(text) == normalize(expected)
    assert _NEEDS_NFKC.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text) == unicodedata.normalize(
        "NFKC", text
    )


@settings(max_examples=300, deadline=None)
@given(st.text() | st.text(alphabet=st.sampled_from("か推a e\u0301\u3099ｶﾞﾟ\u200b\u200d\u00ad\ufe0f\U000e0100")))
def test_offsets_version_is_the_same_normalisation(text: str) -> None:
    normalized, offsets = normalize_with_offsets(text)
    assert normalized == normalize(text)
    assert len(offsets) == len(normalized) + 1
    assert offsets == sorted(offsets)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("推論モデルのｶﾞ猫 GPT-4o c++ 17#ＡＩ。、!\u3099")) | st.text())
def test_fast_tokens_equal_scanned_tokens(text: str) -> None:
    normalized = normalize(text)
    assert tokens(normalized) == [token.text for token in scan(normalized)]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_tokens_never_contain_separators(text: str) -> None:
    for token in tokens(normalize(text)):
        assert token
        assert not any(char.isspace() or char == '"' for char in token)
