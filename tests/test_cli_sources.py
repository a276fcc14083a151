"""``zundabot ingest`` as an operator runs it: default sources, bad dates, unpublished posts, bad options."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import bot.episodes.posts as posts_module
from bot.cli import main
from bot.episodes.blocks import Block
from tests.conftest import CONTENT_DIR

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Show</title><link>https://zund-arm-on.com/</link><description>d</description>
<item><title>本物の第1回</title><link>https://zund-arm-on.com/episode/1</link>
<pubDate>Mon, 02 Mar 2026 05:00:00 +0900</pubDate>
<enclosure url="https://zund-arm-on.com/audio/1.mp3" length="1" type="audio/mpeg"/></item>
<item><title>本物の第2回</title><link>https://zund-arm-on.com/episode/2</link>
<pubDate>Tue, 03 Mar 2026 05:00:00 +0900</pubDate>
<enclosure url="https://zund-arm-on.com/audio/2.mp3" length="1" type="audio/mpeg"/></item>
</channel></rss>
"""


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run in an empty folder with no .env and no zundabot settings in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_PATH", "CONTENT_DIR", "FEED_URL", "DISCORD_TOKEN", "SITE_URL", "PERMALINK"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def stored(capsys: pytest.CaptureFixture[str], db: str) -> dict[str, str]:
    """Number -> title of the episodes in the store, read with ``zundabot episodes --json``."""
    code, out, err = run(capsys, "episodes", "--db", db, "--json")
    assert code == 0, err
    return {record["number"]: record["title"] for record in map(json.loads, out.splitlines())}


def test_feed_url_alone_does_not_bring_in_the_sample_posts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator of the quickstart sets only FEED_URL, in a checkout holding the samples (episodes 1-6)."""
    shutil.copytree(CONTENT_DIR, tmp_path / "content" / "episodes")
    (tmp_path / "feed.xml").write_text(FEED, encoding="utf-8")
    monkeypatch.setenv("FEED_URL", "feed.xml")
    code, out, err = run(capsys, "ingest", "--db", "z.sqlite3")
    assert code == 0, err
    assert "folder:" not in out
    assert "feed:feed.xml:\n  new 2, changed 0, unchanged 0, failed 0" in out
    assert stored(capsys, "z.sqlite3") == {"1": "本物の第1回", "2": "本物の第2回"}


def test_without_feed_url_the_samples_are_the_posts_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copytree(CONTENT_DIR, tmp_path / "content" / "episodes")
    code, out, err = run(capsys, "ingest", "--db", "z.sqlite3")
    assert code == 0, err
    assert f"new {len(list(CONTENT_DIR.glob('*.md')))}, " in out


GOOD = "---\ntitle: 良い回 {n}\ndate: 2026-03-0{n} 05:00:00 +0900\n---\n\n本文\n"


@pytest.mark.parametrize(
    "date",
    ["0001-01-01 00:00:00 +0900", "9999-12-31 23:00:00 -0500", "9999-12-31 23:59:59", "0001-01-01"],
)
def test_a_post_with_an_impossible_date_fails_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, date: str
) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    for n in (1, 2):
        (posts / f"2026-03-0{n}-{n}.md").write_text(GOOD.format(n=n), encoding="utf-8")
    (posts / "2026-03-05-5.md").write_text(f"---\ntitle: 壊れた日付\ndate: {date}\n---\n\n本文\n", encoding="utf-8")
    code, out, err = run(capsys, "ingest", "--content-dir", "posts", "--db", "z.sqlite3")
    assert code == 1
    assert "new 2, changed 0, unchanged 0, failed 1" in out
    assert f"failed: 2026-03-05-5.md: date '{date}' in the front matter is out of range (years 1000-9000)" in out
    assert "Traceback" not in out + err
    for command in (["episodes", "posts"], ["preview", "posts/2026-03-05-5.md"]):
        code, out, err = run(capsys, *command)
        assert code == 1
        assert "2026-03-05-5.md: date " in err
        assert "Traceback" not in out + err


def test_a_feed_item_with_an_impossible_date_is_skipped_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    feed = FEED.replace("Tue, 03 Mar 2026 05:00:00 +0900", "Fri, 31 Dec 9999 23:00:00 -0500")
    (tmp_path / "feed.xml").write_text(feed, encoding="utf-8")
    code, out, err = run(capsys, "ingest", "--feed", "feed.xml", "--db", "z.sqlite3")
    assert code == 1
    assert "new 1, changed 0, unchanged 0, failed 1" in out
    assert "item 2 (本物の第2回): its date 9999-12-31T23:00:00-05:00 is out of range" in out
    assert "Traceback" not in out + err


def test_an_unexpected_error_in_one_post_is_that_posts_failure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug or hostile input that raises something else than a post error (simulated here)."""
    posts = tmp_path / "posts"
    posts.mkdir()
    for n in (1, 2, 3):
        (posts / f"2026-03-0{n}-{n}.md").write_text(GOOD.format(n=n).replace("本文", f"本文{n}"), encoding="utf-8")
    real = posts_module.parse_blocks

    def parse_blocks(body: str, *, base: str | None = None) -> list[Block]:
        if "本文2" in body:
            raise MemoryError("simulated")
        return real(body, base=base)

    monkeypatch.setattr(posts_module, "parse_blocks", parse_blocks)
    code, out, err = run(capsys, "ingest", "--content-dir", "posts", "--db", "z.sqlite3")
    assert code == 1
    assert "new 2, changed 0, unchanged 0, failed 1" in out
    assert "failed: 2026-03-02-2.md: cannot be read (MemoryError: simulated)" in out
    assert "Traceback" not in out + err


UNPUBLISHED = "---\ntitle: 下書き\ndate: 2026-03-04 05:00:00 +0900\npublished: false\n---\n\n本文\n"


def test_unpublished_posts_are_skipped_and_withdrawn(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    for n in (1, 2, 3):
        (posts / f"2026-03-0{n}-{n}.md").write_text(GOOD.format(n=n), encoding="utf-8")
    (posts / "2026-03-04-4.md").write_text(UNPUBLISHED, encoding="utf-8")
    code, out, err = run(capsys, "ingest", "--content-dir", "posts", "--db", "z.sqlite3")
    assert code == 0, out + err
    assert "new 3, changed 0, unchanged 0, failed 0, withdrawn 0, skipped 1" in out
    assert "  skipped: 2026-03-04-4.md: not published (published: false)" in out
    assert "failed:" not in out
    assert sorted(stored(capsys, "z.sqlite3")) == ["1", "2", "3"]

    # a stored episode whose post is then marked published: false is withdrawn, as if deleted
    text = (posts / "2026-03-02-2.md").read_text(encoding="utf-8")
    (posts / "2026-03-02-2.md").write_text(text.replace("---\n\n", "published: false\n---\n\n", 1), encoding="utf-8")
    code, out, err = run(capsys, "ingest", "--content-dir", "posts", "--db", "z.sqlite3")
    assert code == 0, out + err
    assert "new 0, changed 0, unchanged 2, failed 0, withdrawn 1, skipped 2" in out
    assert sorted(stored(capsys, "z.sqlite3")) == ["1", "3"]

    # published again: restored
    (posts / "2026-03-02-2.md").write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "ingest", "--content-dir", "posts", "--db", "z.sqlite3")
    assert "new 0, changed 1, unchanged 2, failed 0, withdrawn 0, skipped 1" in out
    assert sorted(stored(capsys, "z.sqlite3")) == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--content-dir", "/nonexistent"], "the posts folder /nonexistent does not exist"),
        (["--content-dir", ""], "--content-dir is empty"),
        (["--content-dir", "  "], "--content-dir is empty"),
        (["--feed", "ftp://x/y"], "--feed: unsupported URL scheme 'ftp'"),
        (["--feed", "https:///feed.xml"], "--feed: the URL has no host"),
        (["--feed", ""], "--feed: empty"),
        (["--feed", "off"], "nothing to ingest"),
        (["--content-dir", "off", "--feed", "off"], "nothing to ingest"),
        (["--feed", "."], "--feed: the feed file . is a folder"),
    ],
)
def test_bad_sources_are_clear_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "2026-03-01-1.md").write_text(GOOD.format(n=1), encoding="utf-8")  # never scanned
    code, _, err = run(capsys, "ingest", *args, "--db", "z.sqlite3")
    assert code == 1
    assert err.startswith("zundabot: ")
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "z.sqlite3").exists()


def test_feed_off_with_a_folder_reads_only_the_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "ingest", "--content-dir", str(CONTENT_DIR), "--feed", "off", "--db", "z.sqlite3")
    assert code == 0, err
    assert "feed:" not in out
