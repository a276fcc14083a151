"""The command line as a new operator meets it: the Japanese quickstart's checks on a fresh clone, and the rough
edges of issue 14 (preview of folders, readable preview, failing feeds, option case, search hints)."""

from __future__ import annotations

import asyncio
import re
import shlex
import shutil
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli import main
from bot.episodes.model import Topic
from bot.store.store import Store
from tests.conftest import CONTENT_DIR, ROOT
from tests.factories import make_episode

SETTINGS = ("DATABASE_PATH", "CONTENT_DIR", "FEED_URL", "DISCORD_TOKEN", "SITE_URL", "LOG_LEVEL", "HEALTH_FILE")


@pytest.fixture(autouse=True)
def fresh_clone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A folder laid out as a fresh clone (the sample posts, no .env, no data/), as the working directory."""
    shutil.copytree(CONTENT_DIR, tmp_path / "content" / "episodes")
    monkeypatch.chdir(tmp_path)
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def quickstart_commands() -> list[list[str]]:
    """The ``python3 run.py zundabot ...`` lines of the Japanese quickstart, as the arguments zundabot gets."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## クイックスタート", 1)[1].split("\n## ", 1)[0]
    commands = []
    for line in section.splitlines():
        for match in re.finditer(r"python3 run\.py zundabot ([^`#\n]+)", line):
            commands.append(shlex.split(match.group(1)))
    return commands


def test_the_japanese_quickstarts_checks_work_as_written(capsys: pytest.CaptureFixture[str], fresh_clone: Path):
    commands = quickstart_commands()
    assert ["preview", "6"] in commands  # an episode the sample posts have
    assert ["ingest"] in commands
    for args in commands:
        code, out, err = run(capsys, *args)
        assert code == 0, (args, out, err)
        assert out, args
        assert "Traceback" not in out + err
    assert (fresh_clone / "data" / "zundabot.sqlite3").exists()  # DATABASE_PATH's default, in the clone


def test_preview_of_a_folder_previews_each_post(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "preview", "content/episodes")
    assert code == 0, err
    headers = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert headers == ["1", "2", "3", "4", "5", "6"]  # oldest first


def test_preview_of_a_folder_names_the_posts_it_cannot_read(capsys: pytest.CaptureFixture[str]) -> None:
    (Path("content/episodes") / "2026-07-01-7.md").write_text("---\ntitle: [broken\n---\n", encoding="utf-8")
    code, out, err = run(capsys, "preview", "content/episodes")
    assert code == 1
    assert "skipped 2026-07-01-7.md: invalid YAML" in err
    assert len([line for line in out.splitlines() if not line.startswith(" ")]) == 6


def test_plain_preview_shows_what_the_announcement_says(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "preview", "content/episodes/2026-06-16-6.md")
    assert code == 0
    assert "main: 1 embed(s)" in out  # the sizes, as before
    assert "■ ずんだ研究所テックラジオ 20260616  <https://zund-arm-on.com/episode/6>" in out
    assert "MC: ずんだもん" in out
    assert "[お便りを送る]" in out
    assert "■ 1. LLMアプリの評価データを少人数で作る方法" in out  # the thread's topics too


def test_preview_of_a_number_not_stored_says_how_many_are(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "ingest")[0] == 0
    code, _, err = run(capsys, "preview", "389")
    assert code == 1
    assert "389: no such file or folder, and no episode with that number in the store (6 stored" in err


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_failing_feed_in_ingest_still_prints_its_counts(capsys: pytest.CaptureFixture[str]) -> None:
    feed = f"http://127.0.0.1:{closed_port()}/feed.xml"
    code, out, err = run(capsys, "ingest", "--content-dir", "content/episodes", "--feed", feed, "--db", "z.sqlite3")
    assert code == 1
    feed_part = out.split(f"feed:{feed}:", 1)[1]
    assert "new 0, changed 0, unchanged 0, failed 0, withdrawn 0, skipped 0" in feed_part
    assert "not read: " in feed_part
    assert "new 6, changed 0" in out  # the folder was read all the same
    assert "6 episodes in store" in err


@pytest.mark.parametrize("level", ["debug", "Debug", "DEBUG"])
def test_log_level_option_takes_any_case_like_the_setting(capsys: pytest.CaptureFixture[str], level: str) -> None:
    code, _, err = run(capsys, "run", "--log-level", level)
    assert code == 2  # parsed; then the missing token stops it, as without the option
    assert "DISCORD_TOKEN" in err


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
def database(tmp_path: Path) -> str:
    path = tmp_path / "search.sqlite3"
    asyncio.run(fill(path))
    return str(path)


def test_a_dash_word_after_the_query_gets_a_hint(capsys: pytest.CaptureFixture[str], database: str) -> None:
    for argv in (["search", "推論", "-モデル"], ["search", "-モデル"]):
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, "--db", database])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert "usage: zundabot search" in err
        assert 'put the query after "--" (zundabot search 推論 -- -モデル)' in err


@pytest.mark.parametrize(
    "site", ["zenn.dev", "https://zenn.dev/", "http://www.zenn.dev", "ZENN.dev/articles", "//zenn.dev"]
)
def test_site_filter_takes_a_url_too(capsys: pytest.CaptureFixture[str], database: str, site: str) -> None:
    code, out, _ = run(capsys, "search", "推論", "--site", site, "--db", database)
    assert code == 0
    assert out.startswith("#1 ")


def test_since_after_until_is_refused(capsys: pytest.CaptureFixture[str], database: str) -> None:
    code, out, err = run(capsys, "search", "推論", "--since", "2024-02-01", "--until", "2024-01-01", "--db", database)
    assert (code, out) == (1, "")
    assert "--since 2024-02-01 is after --until 2024-01-01" in err


def test_an_unknown_mc_lists_the_mcs(capsys: pytest.CaptureFixture[str], database: str) -> None:
    code, out, err = run(capsys, "search", "推論", "--mc", "nobody", "--db", database)
    assert (code, out) == (1, "")
    assert "no MC named 'nobody'" in err
    assert "ずんだもん (1)" in err
    assert "春日部つむぎ (1)" in err


def test_text_output_ends_with_the_hit_count(capsys: pytest.CaptureFixture[str], database: str) -> None:
    _, out, _ = run(capsys, "search", "推論", "--db", database)
    assert out.splitlines()[-1] == "2 hit(s)"
    _, out, _ = run(capsys, "search", "推論", "--limit", "1", "--db", database)
    assert out.splitlines()[-1] == "1 hit(s) (the first 1: more with --limit)"


def test_an_emoji_query_says_emoji_are_not_searched(capsys: pytest.CaptureFixture[str], database: str) -> None:
    code, _, err = run(capsys, "search", "🐱", "--db", database)
    assert code == 1
    assert "emoji and symbols are not searched" in err
    assert "not excluded" not in err
    code, _, err = run(capsys, "search", "--db", database, "--", "-推論")
    assert "give at least one word that is not excluded" in err
