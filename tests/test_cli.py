"""The command line: ingest and episodes, as an operator runs them."""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.episodes import post_worker
from tests.conftest import CONTENT_DIR, ROOT
from tests.jekyll import render_post, rss_feed


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run in an empty folder with no .env and no zundabot settings in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_PATH", "CONTENT_DIR", "FEED_URL", "DISCORD_TOKEN", "SITE_URL"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_sample_content_then_nothing_changes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    samples = len(list(CONTENT_DIR.glob("*.md")))
    db = str(tmp_path / "z.sqlite3")
    code, out, err = run(capsys, "ingest", "--content-dir", str(CONTENT_DIR), "--db", db)
    assert code == 0, err
    assert f"new {samples}, changed 0, unchanged 0, failed 0" in out
    assert f"{samples} episodes in store" in err
    code, out, _ = run(capsys, "ingest", "--content-dir", str(CONTENT_DIR), "--db", db)
    assert code == 0
    assert f"new 0, changed 0, unchanged {samples}, failed 0" in out


def test_ingest_defaults_come_from_settings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTENT_DIR", str(CONTENT_DIR))
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "data" / "env.sqlite3"))
    code, out, _ = run(capsys, "ingest")
    assert code == 0
    assert "new " in out
    assert (tmp_path / "data" / "env.sqlite3").exists()


def test_ingest_reports_broken_posts_with_reasons(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    shutil.copytree(CONTENT_DIR, posts)
    (posts / "2026-02-30-99.md").write_text("---\ntitle: 日付なし\n---\n本文\n", encoding="utf-8")
    (posts / "2026-03-01-98.md").write_bytes(b"\x00\xff\xfe garbage")
    (posts / "2024-01-02-2.md").symlink_to(tmp_path / "moved-away.md")
    code, out, _ = run(capsys, "ingest", "--content-dir", str(posts), "--db", str(tmp_path / "z.sqlite3"))
    assert code == 1
    assert "failed 3" in out
    assert "failed: 2026-02-30-99.md: " in out
    assert "failed: 2026-03-01-98.md: " in out
    assert "failed: 2024-01-02-2.md: cannot read the file (broken symbolic link: No such file or directory)" in out


@pytest.mark.corpus
def test_second_ingest_of_an_unchanged_feed_counts_its_episodes_unchanged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, corpus_dir: Path
) -> None:
    posts = sorted(corpus_dir.glob("*.md"))
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss_feed(render_post(path) for path in posts))
    db = str(tmp_path / "z.sqlite3")
    code, out, _ = run(capsys, "ingest", "--feed", str(feed), "--db", db)
    assert code == 0
    assert f"new {len(posts)}, changed 0, unchanged 0, failed 0" in out
    code, out, _ = run(capsys, "ingest", "--feed", str(feed), "--db", db)
    assert code == 0
    assert f"new 0, changed 0, unchanged {len(posts)}, failed 0" in out  # 484 for the show's corpus


def zundabot(*args: str, cwd: Path) -> str:
    """``zundabot ARGS`` in its own process, as on a terminal: stdout and stderr together."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_PATH", "CONTENT_DIR", "FEED_URL"}}
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        timeout=60,
        check=False,
    )
    return result.stdout


def test_ingest_prints_each_problem_once(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    shutil.copytree(CONTENT_DIR, posts)
    (posts / "2026-02-30-99.md").write_text("---\ntitle: 日付なし\n---\n本文\n", encoding="utf-8")
    (posts / "2026-03-01-98.md").write_bytes(b"\x00\xff\xfe garbage")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{probe.getsockname()[1]}/feed.xml"
    output = zundabot("ingest", "--content-dir", str(posts), "--feed", nowhere, "--db", "z.sqlite3", cwd=tmp_path)
    assert "failed 2" in output
    assert output.count("2026-02-30-99.md") == 1, output
    assert output.count("2026-03-01-98.md") == 1, output
    assert output.count(f"zundabot: {nowhere}: ") == 1, output
    assert "WARNING" not in output


def test_ingest_feed_file_gives_the_same_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss_feed(render_post(path) for path in sorted(CONTENT_DIR.glob("*.md"))))
    db = str(tmp_path / "z.sqlite3")
    assert run(capsys, "ingest", "--content-dir", str(CONTENT_DIR), "--db", db)[0] == 0
    code, out, _ = run(capsys, "ingest", "--feed", str(feed), "--db", db)
    assert code == 0
    assert "new 0" in out  # the feed's items are the same episodes as the posts


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "--content-dir", "nowhere"], "does not exist"),
        (["ingest", "--feed", "missing.xml"], "--feed: the feed file missing.xml does not exist"),
        (["episodes", "no/such/file.md"], "no such file, folder or URL"),
        (["episodes"], "no database at"),
    ],
)
def test_bad_input_is_a_clear_error(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, _, err = run(capsys, *args)
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_not_a_database(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"definitely not sqlite" * 50)
    code, _, err = run(capsys, "episodes", "--db", str(bad))
    assert code == 1
    assert "not a usable SQLite database" in err


def test_feed_that_is_not_a_feed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>hello</p></body></html>")
    code, _, err = run(capsys, "episodes", str(page))
    assert code == 1
    assert "page.html" in err


def test_episodes_json_from_every_kind_of_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    posts = sorted(CONTENT_DIR.glob("*.md"))
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss_feed(render_post(path) for path in posts))
    db = str(tmp_path / "z.sqlite3")
    run(capsys, "ingest", "--content-dir", str(CONTENT_DIR), "--db", db)

    outputs = {}
    for name, args in {
        "folder": [str(CONTENT_DIR)],
        "files": [str(path) for path in posts],
        "feed": [str(feed)],
        "store": ["--db", db],
    }.items():
        code, out, err = run(capsys, "episodes", *args, "--json")
        assert code == 0, err
        outputs[name] = [json.loads(line) for line in out.splitlines()]

    folder = outputs["folder"]
    assert len(folder) == len(posts)
    for record in folder:
        assert {"key", "number", "title", "published", "actors", "page_url", "audio_url", "youtube_url"} <= set(record)
        assert record["published"].endswith("+09:00")
        assert record["page_url"] == f"https://zund-arm-on.com/episode/{record['number']}"
        assert all(set(topic) == {"title", "url", "summary"} for topic in record["topics"])
    by_key = {record["key"]: record for record in folder}
    assert {r["key"]: r for r in outputs["files"]} == by_key
    assert {r["key"]: r for r in outputs["store"]} == by_key
    for record in outputs["feed"]:
        assert record["topics"] == by_key[record["key"]]["topics"]


def test_episodes_human_listing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "episodes", str(CONTENT_DIR))
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(list(CONTENT_DIR.glob("*.md")))
    assert "topics)" in lines[0]


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert "zundabot" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["no-such-command"])
    assert exit_info.value.code == 2


RELATIVE_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Show</title><link>/</link><description>d</description>
<item><title>Episode A</title><link>/rel/a</link><guid isPermaLink="false">episode-a</guid>
<pubDate>Mon, 02 Mar 2026 05:00:00 +0900</pubDate><enclosure url="/audio/a.mp3" length="1" type="audio/mpeg"/>
<description>&lt;p&gt;notes&lt;/p&gt;</description></item>
<item><title>Episode B</title><link>b</link><pubDate>Tue, 03 Mar 2026 05:00:00 +0900</pubDate>
<enclosure url="audio/b.mp3" length="1" type="audio/mpeg"/></item>
</channel></rss>
"""


def test_relative_urls_of_a_feed_file_resolve_against_the_site(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = tmp_path / "rss2.xml"
    feed.write_text(RELATIVE_RSS, encoding="utf-8")
    monkeypatch.setenv("SITE_URL", "https://example.org/podcast/")
    code, out, err = run(capsys, "episodes", str(feed), "--json")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    got = [(r["key"], r["page_url"], r["audio_url"]) for r in records]
    assert got == [
        ("https://example.org/rel/a", "https://example.org/rel/a", "https://example.org/audio/a.mp3"),
        ("https://example.org/podcast/b", "https://example.org/podcast/b", "https://example.org/podcast/audio/b.mp3"),
    ]


@pytest.mark.corpus
def test_ingest_of_the_shows_posts_folder_shares_the_parsing_and_stores_what_one_process_stores(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    corpus_dir: Path,
) -> None:
    """484 posts are over the helper's threshold: ``zundabot ingest`` parses them on two cores, and the stored
    episodes and topics are exactly those of a parse in one process."""

    def stored(db: Path) -> list[list[tuple[object, ...]]]:
        with sqlite3.connect(db) as conn:
            return [
                conn.execute(
                    "SELECT key, number, title, published, page_url, actors, description, information, audio_url, "
                    "youtube_url, image_url, source, fingerprint FROM episodes ORDER BY key"
                ).fetchall(),
                conn.execute("SELECT * FROM topics ORDER BY episode_key, position").fetchall(),
            ]

    posts = len(list(corpus_dir.glob("*.md")))
    assert posts >= post_worker.MIN_POSTS
    with caplog.at_level(logging.DEBUG, logger="bot.two_cores"):
        code, out, _ = run(capsys, "ingest", "--content-dir", str(corpus_dir), "--db", str(tmp_path / "two.sqlite3"))
    assert code == 0
    assert f"new {posts}, changed 0, unchanged 0, failed 0" in out
    [chunks] = [r.args for r in caplog.records if r.getMessage().startswith("helper process did")]
    assert isinstance(chunks, tuple)
    assert chunks[0] > 0  # the helper took part
    monkeypatch.setattr(post_worker, "MIN_POSTS", 10**9)
    code, out, _ = run(capsys, "ingest", "--content-dir", str(corpus_dir), "--db", str(tmp_path / "one.sqlite3"))
    assert code == 0
    assert stored(tmp_path / "two.sqlite3") == stored(tmp_path / "one.sqlite3")
