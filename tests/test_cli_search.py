"""``zundabot search``: JSON lines best first, filters, friendly errors."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli.common import main
from bot.episodes.model import Topic
from bot.store.store import Store
from tests.factories import make_episode


async def fill(path: Path) -> None:
    async with await Store.open(path) as store:
        await store.episodes.upsert_many(
            [
                replace(make_episode(1, topics=0), topics=(Topic("推論モデルの比較", "https://zenn.dev/a", "要約"),)),
                replace(
                    make_episode(2, topics=0, actors=("春日部つむぎ",)),
                    topics=(Topic("画像生成", "https://qiita.com/b", "ここで**推論**の話"),),
                ),
            ]
        )


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "cli.sqlite3"
    asyncio.run(fill(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lines_best_first(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "推論", "--db", str(database), "--json")
    assert code == 0
    hits = [json.loads(line) for line in out.splitlines()]
    assert [hit["episode"] for hit in hits] == ["1", "2"]
    first, second = hits
    assert first["title"] == "推論モデルの比較"
    assert first["url"] == "https://zenn.dev/a"
    assert first["published"].startswith("2024-01-02T05:00:00")
    assert first["score"] > second["score"]
    assert first["kind"] == "topic"
    assert second["snippet"] == "ここで**推論**の話"


def test_limit_and_filters(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "search", "推論", "--db", str(database), "--json", "--limit", "1")
    assert len(out.splitlines()) == 1
    _, out, _ = run(capsys, "search", "推論", "--db", str(database), "--json", "--mc", "春日部つむぎ")
    assert [json.loads(line)["episode"] for line in out.splitlines()] == ["2"]
    _, out, _ = run(capsys, "search", "推論", "--db", str(database), "--json", "--since", "2024-01-03")
    assert [json.loads(line)["episode"] for line in out.splitlines()] == ["2"]


@pytest.mark.parametrize(
    ("dates", "found"),
    [
        (["--until", "9999-12-31"], ["1", "2"]),
        (["--since", "1969-12-31"], ["1", "2"]),
        (["--since", "1960-01-01", "--until", "2024-01-02"], ["1"]),
        (["--since", "0001-01-01", "--until", "9999-12-31"], ["1", "2"]),
        (["--since", "9999-12-31"], []),
        (["--until", "0001-01-01"], []),
    ],
)
def test_any_date_is_a_window(
    database: Path, capsys: pytest.CaptureFixture[str], dates: list[str], found: list[str]
) -> None:
    code, out, err = run(capsys, "search", "推論", "--db", str(database), "--json", *dates)
    assert [json.loads(line)["episode"] for line in out.splitlines()] == found
    assert (code, err.strip()) == ((0, "") if found else (1, "no results"))


def test_excluded_words_keep_their_episodes_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async def fill_listed() -> None:
        async with await Store.open(path) as store:
            await store.episodes.upsert_many(
                [
                    replace(
                        make_episode(n, topics=0, description=f"推論の話{n}、画像"),
                        topics=(
                            Topic(f"推論の話{n}", f"https://x.test/{n}", summary),
                            Topic("画像", "https://x.test/g", ""),
                        ),
                    )
                    for n, summary in ((1, "モデルを比べる"), (2, "計算を比べる"))
                ]
            )

    path = tmp_path / "listed.sqlite3"
    asyncio.run(fill_listed())
    code, out, _ = run(capsys, "search", "推論 -モデル", "--db", str(path), "--json")
    assert code == 0
    assert [(hit["episode"], hit["kind"]) for hit in map(json.loads, out.splitlines())] == [("2", "topic")]


def test_invisible_characters_in_a_query_are_ignored(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "推\u200b論", "--db", str(database), "--json")
    assert code == 0
    assert [json.loads(line)["episode"] for line in out.splitlines()] == ["1", "2"]
    assert json.loads(out.splitlines()[1])["snippet"] == "ここで**推論**の話"


def test_text_output(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "ＧＰＴ OR 画像", "--db", str(database))
    assert code == 1
    code, out, _ = run(capsys, "search", "画像", "--db", str(database))
    assert code == 0
    assert out.splitlines()[0] == "#2  2024-01-03  画像生成"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "推論", "--since", "昨日"], "is not a date"),
        (["search", "🎉 !!"], "nothing to search for"),
    ],
)
def test_friendly_errors(database: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv, "--db", str(database))
    assert code == 1
    assert out == ""
    assert message in err


@pytest.mark.parametrize("value", ["0", "-1", "1001", "abc", "99999999999999999999"])
def test_limit_is_checked_by_the_parser(database: Path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["search", "推論", "--db", str(database), "--limit", value])
    out, err = capsys.readouterr()
    assert (exit_info.value.code, out) == (2, "")
    assert f"argument --limit: must be a whole number from 1 to 1000, not '{value}'" in err
    assert "Traceback" not in err
    assert run(capsys, "search", "推論", "--db", str(database), "--json", "--limit", "1000")[0] == 0


def test_words_are_joined_and_excluded_words_follow_a_double_dash(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def episodes(*query: str) -> list[str]:
        code, out, _ = run(capsys, "search", "--db", str(database), "--json", *query)
        assert code == (0 if out else 1)
        return [json.loads(line)["episode"] for line in out.splitlines()]

    assert episodes("推論", "画像") == ["2"]
    assert episodes("推論", "--", "-画像") == ["1"]
    assert episodes("--", "-画像", "推論") == ["1"]
    assert episodes("推論 -画像") == ["1"]
    with pytest.raises(SystemExit) as exit_info:
        main(["search", "-画像", "--db", str(database)])  # argparse reads it as an option: the usage says why
    assert exit_info.value.code == 2
    assert "usage: zundabot search [options] [--] QUERY [QUERY ...]" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["search", "--help"])
    assert "zundabot search 推論 -- -モデル" in capsys.readouterr().out


def test_no_results_and_missing_database(database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", "存在しない言葉", "--db", str(database), "--json")
    assert (code, out, err.strip()) == (1, "", "no results")
    code, _, err = run(capsys, "search", "推論", "--db", str(tmp_path / "absent.sqlite3"))
    assert code == 1
    assert "no database" in err


def test_explain_says_how_the_query_was_read(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "あの推論の話", "--db", str(database), "--explain", "--limit", "1")
    assert code == 0
    assert out.splitlines()[:8] == [
        "query: あの推論の話",
        "word: あの推論の話",
        "  content word: 推論  (bigrams: 推論)",
        "    variant tokens: 推論〓",
        "  dropped: あの の 話",
        "  bigrams  推論: 2 documents",
        "  variants 推論〓: 0 documents",
        "matched: strict (every word), 1 hits or more",
    ]
    code, out, _ = run(capsys, "search", "しゅみれーしょん 推論", "--db", str(database), "--explain")
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == [
        "query: しゅみれーしょん 推論",
        "word: しゅみれーしょん",
        "  content word: シュミレーション  (bigrams: シュ ュミ ミレ レー ーシ ショ ョン"
        " | シミ ミュ ュレ レー ーシ ショ ョン)",
    ]
    assert "    variant tokens: シミュレーション〓" in lines
    assert "  variants シミュレーション〓: 0 documents" in lines
    assert "matched: relaxed (some of the words), 2 hits" in lines
    code, out, _ = run(capsys, "search", "がぞうせいせい", "--db", str(database), "--explain")
    assert code == 0
    lines = out.splitlines()
    assert "  content word: 画像生成  (bigrams: ガゾ ゾウ ウセ セイ イセ セイ | 画像 像生 生成)" in lines
    assert "    not in the archive as typed; by reading: 画像生成" in lines
    assert "#2" in out  # the topic 画像生成
