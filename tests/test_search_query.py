"""Query parsing: the grammar, the end-of-term rules, and that no input can break FTS5."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search.query import MAX_TERMS, QueryToken, parse_query, query_tokens

NASTY = [
    '"',
    '""',
    '"unclosed phrase',
    "*",
    "a*",
    "(",
    ")",
    "(a OR b",
    "title:推論",
    "{title} : x",
    "^start",
    "NEAR(a b, 3)",
    "AND",
    "OR",
    "NOT",
    "a AND OR NOT b",
    "-",
    "--",
    "- -",
    '-""',
    "🎉🎉🎉",
    "👨‍👩‍👧 家族",
    "\x00\x01\x02",
    "\\",
    "'; DROP TABLE topics; --",
    "推" * 500,
    "GPT-4o " * 80,
    "「推論」『モデル』“GPT”",
    "＂全角の引用＂",
    "+",
    "c++ c# f#",
]


def fts_connection() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE f USING fts5(title, body, content='', prefix='1', tokenize=\"ascii tokenchars '+#'\")"
    )
    conn.execute("INSERT INTO f (rowid, title, body) VALUES (1, 'gpt 4 o 推論 論モ モデ デル ル', 'c++ c#')")
    return conn


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    conn = fts_connection()
    yield conn
    conn.close()


@pytest.mark.parametrize("text", NASTY)
def test_nasty_input_is_valid_fts(fts: sqlite3.Connection, text: str) -> None:
    expression = parse_query(text).fts()
    if expression is not None:
        fts.execute("SELECT rowid FROM f WHERE f MATCH ?", (expression,)).fetchall()


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=600))
def test_any_text_parses_to_valid_fts(text: str) -> None:
    expression = parse_query(text).fts()
    if expression is not None:
        conn = fts_connection()
        try:
            conn.execute("SELECT rowid FROM f WHERE f MATCH ?", (expression,)).fetchall()
        finally:
            conn.close()


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("推論", (QueryToken("推論"),)),
        ("モデル", (QueryToken("モデ"), QueryToken("デル"))),
        ("猫", (QueryToken("猫", prefix=True),)),
        ("claud", (QueryToken("claud", prefix=True),)),
        ("gpt-4o", (QueryToken("gpt"), QueryToken("4"), QueryToken("o"))),
        ("gpt-4", (QueryToken("gpt"), QueryToken("4"))),
        ("生成ai", (QueryToken("生成"), QueryToken("成"), QueryToken("ai"))),
        ("生成llm", (QueryToken("生成"), QueryToken("成"), QueryToken("llm", prefix=True))),
        ("ai生成", (QueryToken("ai"), QueryToken("生成"))),
        ("!!!", ()),
    ],
)
def test_term_tokens(term: str, expected: tuple[QueryToken, ...]) -> None:
    assert query_tokens(term) == expected


def test_words_are_and_phrases_and_exclusions() -> None:
    query = parse_query('推論  "Claude Code"  -画像 -"GPT 4"')
    assert [term.text for term in query.positive] == ["推論", "claude code"]
    assert [term.text for term in query.negative] == ["画像", "gpt 4"]
    assert query.fts() == (
        '(("推論") AND ("claude" + "code" *)) NOT (("画像") OR ("gpt" + "4"))'  # the last Latin word is a prefix
    )


def test_japanese_quotes_make_phrases() -> None:
    assert [term.text for term in parse_query("「推論 モデル」 『画像』").positive] == ["推論 モデル", "画像"]


def test_full_width_and_half_width_queries_parse_alike() -> None:
    assert parse_query("ＧＰＴ－４ｏ ｶﾞｿﾞｳ").fts() == parse_query("gpt-4o ガゾウ").fts()


def test_only_exclusions_or_symbols_is_empty() -> None:
    assert parse_query("-推論").empty
    assert parse_query("🎉 !!").empty
    assert parse_query("").fts() is None


def test_operators_are_plain_words() -> None:
    query = parse_query("cats OR dogs NEAR")
    assert [term.text for term in query.positive] == ["cats", "or", "dogs", "near"]


def test_duplicates_collapse_and_terms_are_bounded() -> None:
    assert len(parse_query("推論 推論 推論").positive) == 1
    many = " ".join(f"w{i}" for i in range(100))
    assert len(parse_query(many).positive) == MAX_TERMS
