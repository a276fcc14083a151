"""Episode sources: incremental folder rescans and conditional, capped, off-loop feed polls."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import web

from bot.cli import main as cli_main
from bot.episodes import post_worker
from bot.episodes.model import Episode
from bot.episodes.site import Site
from bot.episodes.sources import FeedSource, FolderSource, SourceFailed, Validators
from bot.ingest.ingestor import Ingestor
from bot.store.store import Store

SITE = Site()

POST = """---
actor_ids:
  - ずんだもん
audio_file_path: /audio/sample_{n}.mp3
date: 2026-03-{day:02d} 05:00:00 +0900
description: 'サンプル{n}'
title: サンプル放送 {n}
---

## 関連リンク

- [話題{n}](https://example.com/{n})

要約{n}です。{extra}

引用元: https://example.com/{n}

- [お便り投稿フォーム](https://forms.gle/example)
"""


def write_post(folder: Path, n: int, *, extra: str = "") -> Path:
    path = folder / f"2026-03-{n:02d}-{n}.md"
    path.write_text(POST.format(n=n, day=n, extra=extra), encoding="utf-8")
    return path


def rss(*numbers: int) -> bytes:
    items = "".join(
        f"""<item><title>Episode {n}</title><link>https://zund-arm-on.com/episode/{n}</link>
        <guid isPermaLink="true">https://zund-arm-on.com/episode/{n}</guid>
        <pubDate>Mon, 0{n} Mar 2026 05:00:00 +0900</pubDate><description>Episode {n} notes</description>
        <enclosure url="https://zund-arm-on.com/audio/{n}.mp3" length="1" type="audio/mpeg"/></item>"""
        for n in numbers
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test show</title>'
        f"<link>https://zund-arm-on.com/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def test_folder_rescan_is_incremental(tmp_path: Path) -> None:
    for n in (1, 2, 3):
        write_post(tmp_path, n)
    (tmp_path / "README.txt").write_text("not a post")
    source = FolderSource(tmp_path, SITE)

    first = source.scan()
    assert sorted(e.number for e in first.episodes) == ["1", "2", "3"]
    assert first.failures == []
    source.commit(first)

    second = source.scan()
    assert second.unchanged
    assert second.skipped == 3
    source.commit(second)

    changed = write_post(tmp_path, 2, extra="追記あり。")
    os.utime(changed, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    write_post(tmp_path, 4)
    (tmp_path / "2026-03-01-1.md").unlink()
    (tmp_path / "2026-03-05-5.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    third = source.scan()
    assert sorted(e.number for e in third.episodes) == ["2", "4"]
    assert third.deleted == [str(tmp_path.resolve() / "2026-03-01-1.md")]
    assert [name for name, _ in third.failures] == ["2026-03-05-5.md"]
    assert third.skipped == 1


def test_broken_symlink_post_is_a_failure_reported_once(tmp_path: Path) -> None:
    write_post(tmp_path, 1)
    post = write_post(tmp_path, 2)
    source = FolderSource(tmp_path, SITE)
    source.commit(source.scan())
    moved = post.rename(tmp_path / "elsewhere.txt")
    post.symlink_to(tmp_path / "gone.md")

    broken = source.scan()
    assert broken.failures == [(post.name, "cannot read the file (broken symbolic link: No such file or directory)")]
    assert broken.deleted == []  # its episode stays, as for a post that stopped parsing
    source.commit(broken)
    assert source.scan().unchanged  # reported once

    post.unlink()
    post.symlink_to(moved)
    assert [e.number for e in source.scan().episodes] == ["2"]


def test_uncommitted_scan_is_repeated(tmp_path: Path) -> None:
    write_post(tmp_path, 1)
    source = FolderSource(tmp_path, SITE)
    assert len(source.scan().episodes) == 1  # not committed: e.g. the store write failed
    assert len(source.scan().episodes) == 1


def test_missing_folder_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(SourceFailed, match=r"the posts folder .* does not exist"):
        FolderSource(tmp_path / "nope", SITE).scan()


async def test_ingest_reports_new_changed_unchanged_and_withdrawn(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    for n in (1, 2):
        write_post(posts, n)
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        ingestor = Ingestor(store, [FolderSource(posts, SITE)])
        [report] = await ingestor.ingest_all()
        assert (len(report.new), len(report.changed), report.unchanged) == (2, 0, 0)
        [report] = await ingestor.ingest_all()
        assert report.not_modified
        assert (len(report.new), len(report.changed), report.unchanged) == (0, 0, 2)
        edited = write_post(posts, 2, extra="追記あり。")
        os.utime(edited, ns=(time.time_ns(), time.time_ns() + 1_000_000))
        (posts / "2026-03-01-1.md").unlink()
        [report] = await ingestor.ingest_all()
        assert [u.number for u in report.changed] == ["2"]
        assert report.withdrawn == ["https://zund-arm-on.com/episode/1"]
        assert await store.episodes.count() == 1
        # a fresh process (new source object) rereads, but stores nothing new
        [report] = await Ingestor(store, [FolderSource(posts, SITE)]).ingest_all()
        assert (len(report.new), len(report.changed), report.unchanged) == (0, 0, 1)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the post files the folder source parses, in order."""
    names: list[str] = []
    real = post_worker.parse_post

    def counting(data: bytes, *, filename: str, site: Site, source: str | None = None) -> Episode:
        names.append(filename)
        return real(data, filename=filename, site=site, source=source)

    monkeypatch.setattr(post_worker, "parse_post", counting)
    return names


def test_a_post_written_again_with_the_same_bytes_is_not_parsed_again(tmp_path: Path, parsed: list[str]) -> None:
    post = write_post(tmp_path, 1)
    broken = tmp_path / "2026-03-05-5.md"
    broken.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    source = FolderSource(tmp_path, SITE)
    source.commit(source.scan())
    assert sorted(parsed) == [post.name, broken.name]
    for path in (post, broken):
        os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))  # a checkout or copy: new mtime
    again = source.scan()
    assert sorted(parsed) == [post.name, broken.name]  # read and hashed, not parsed
    assert again.episodes == []
    assert again.skipped == 1
    assert [name for name, _ in again.failures] == [broken.name]  # reported again, as a fresh read would
    source.commit(again)
    assert source.scan().unchanged


async def test_a_new_source_object_on_the_same_store_parses_nothing_and_withdraws_what_went(
    tmp_path: Path, parsed: list[str]
) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    for n in (1, 2, 3):
        write_post(posts, n)
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        await Ingestor(store, [FolderSource(posts, SITE)]).ingest_all()
        assert len(parsed) == 3
        (posts / "2026-03-03-3.md").unlink()  # while no process was running
        [report] = await Ingestor(store, [FolderSource(posts, SITE)]).ingest_all()
        assert len(parsed) == 3
        assert report.unchanged == 2
        assert report.withdrawn == ["https://zund-arm-on.com/episode/3"]
        # a posts reader for another site reads every file again, and still knows what was deleted
        (posts / "2026-03-02-2.md").unlink()
        other = Site(url="https://example.org")
        [report] = await Ingestor(store, [FolderSource(posts, other)]).ingest_all()
        assert parsed[3:] == ["2026-03-01-1.md"]
        assert report.withdrawn == ["https://zund-arm-on.com/episode/2"]
        assert [u.number for u in report.new] == ["1"]  # its page is on the other site: another episode


class FeedServer:
    """A tiny feed host on loopback that records requests and answers as told."""

    def __init__(self) -> None:
        self.body = rss(1, 2)
        self.etag: str | None = '"v1"'
        self.last_modified: str | None = None
        self.requests: list[web.Request] = []
        self.statuses: list[int] = []
        self.handler: Callable[[web.Request], web.StreamResponse] | None = None
        self.app = web.Application()
        self.app.router.add_get("/feed.xml", self.feed)
        self.app.router.add_get("/redirect/{n}", self.redirect)
        self.app.router.add_get("/slow", self.slow)
        self.url = ""

    async def feed(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        response = self.answer(request)
        self.statuses.append(response.status)
        return response

    def answer(self, request: web.Request) -> web.StreamResponse:
        if self.handler is not None:
            return self.handler(request)
        if self.etag and request.headers.get("If-None-Match") == self.etag:
            return web.Response(status=304)
        if self.last_modified and request.headers.get("If-Modified-Since") == self.last_modified:
            return web.Response(status=304)
        headers = {"ETag": self.etag} if self.etag else {}
        if self.last_modified:
            headers["Last-Modified"] = self.last_modified
        return web.Response(body=self.body, content_type="application/rss+xml", headers=headers)

    async def redirect(self, request: web.Request) -> web.StreamResponse:
        n = int(request.match_info["n"])
        raise web.HTTPFound(f"/redirect/{n + 1}" if n < 20 else "/feed.xml")

    async def slow(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(5)
        return web.Response(body=self.body)


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    runner = web.AppRunner(server.app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}"
    yield server
    await runner.cleanup()


async def test_feed_conditional_requests(feed_server: FeedServer) -> None:
    source = FeedSource(f"{feed_server.url}/feed.xml", SITE)
    first = await source.poll(Validators())
    assert [e.number for e in first.episodes] == ["1", "2"]
    assert first.validators is not None
    assert first.validators.etag == '"v1"'
    second = await source.poll(first.validators)
    assert second.unchanged
    assert feed_server.requests[-1].headers["If-None-Match"] == '"v1"'

    feed_server.etag = None  # a server without validators: the body hash decides
    third = await source.poll(Validators(content_hash=first.validators.content_hash))
    assert third.unchanged
    assert third.episodes == []
    feed_server.body = rss(1, 2, 3)
    fourth = await source.poll(Validators(content_hash=first.validators.content_hash))
    assert [e.number for e in fourth.episodes] == ["1", "2", "3"]


async def test_feed_unchanged_body_is_not_parsed(feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    source = FeedSource(f"{feed_server.url}/feed.xml", SITE)
    feed_server.etag = None
    first = await source.poll(Validators())
    assert first.validators is not None

    def explode(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed an unchanged feed")

    monkeypatch.setattr("bot.episodes.sources.parse_feed", explode)
    assert (await source.poll(first.validators)).unchanged


async def test_feed_last_modified_without_etag(
    feed_server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Last-Modified without ETag: the next ``zundabot ingest`` sends If-Modified-Since, gets 304, parses nothing."""
    feed_server.etag = None
    feed_server.last_modified = "Mon, 02 Mar 2026 05:00:00 GMT"
    url = f"{feed_server.url}/feed.xml"
    args = ["ingest", "--feed", url, "--db", str(tmp_path / "db.sqlite3")]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONTENT_DIR", raising=False)

    assert await asyncio.to_thread(cli_main, args) == 0
    assert "new 2, changed 0, unchanged 0, failed 0" in capsys.readouterr().out
    first = feed_server.requests[-1].headers
    assert "If-Modified-Since" not in first
    assert "If-None-Match" not in first

    def explode(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed a feed the server said was not modified")

    monkeypatch.setattr("bot.episodes.sources.parse_feed", explode)
    assert await asyncio.to_thread(cli_main, args) == 0
    assert "new 0, changed 0, unchanged 2, failed 0" in capsys.readouterr().out
    second = feed_server.requests[-1].headers
    assert second["If-Modified-Since"] == "Mon, 02 Mar 2026 05:00:00 GMT"
    assert "If-None-Match" not in second
    assert feed_server.statuses == [200, 304]


async def test_feed_failures_are_clear(feed_server: FeedServer) -> None:
    feed_server.handler = lambda request: web.Response(status=500)
    with pytest.raises(SourceFailed, match="HTTP 500"):
        await FeedSource(f"{feed_server.url}/feed.xml", SITE).poll(Validators())
    feed_server.handler = None
    with pytest.raises(SourceFailed, match="byte limit"):
        await FeedSource(f"{feed_server.url}/feed.xml", SITE, max_bytes=100).poll(Validators())
    with pytest.raises(SourceFailed, match="redirects"):
        await FeedSource(f"{feed_server.url}/redirect/0", SITE).poll(Validators())
    with pytest.raises(SourceFailed, match=r"within 0\.2 s"):
        await FeedSource(f"{feed_server.url}/slow", SITE, timeout=0.2).poll(Validators())
    feed_server.handler = lambda request: web.Response(body=b"<html><body>hello</body></html>")
    with pytest.raises(SourceFailed, match="feed"):
        await FeedSource(f"{feed_server.url}/feed.xml", SITE).poll(Validators())
    with pytest.raises(SourceFailed, match=r"ClientConnectorError|Connect"):
        await FeedSource("http://127.0.0.1:9/feed.xml", SITE, timeout=2).poll(Validators())


async def test_feed_redirects_within_limit_are_followed(feed_server: FeedServer) -> None:
    poll = await FeedSource(f"{feed_server.url}/redirect/17", SITE).poll(Validators())
    assert len(poll.episodes) == 2


async def test_ingest_records_failures_and_recovery(feed_server: FeedServer, tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        ingestor = Ingestor(store, [FeedSource(f"{feed_server.url}/feed.xml", SITE)])
        feed_server.handler = lambda request: web.Response(status=502)
        for expected in (1, 2):
            [report] = await ingestor.ingest_all()
            assert report.failures_in_row == expected
            assert report.error is not None
        feed_server.handler = None
        [report] = await ingestor.ingest_all()
        assert len(report.new) == 2
        state = await store.sources.get(ingestor.sources[0].name)
        assert (state.failures, state.last_error, state.etag) == (0, None, '"v1"')
        [report] = await ingestor.ingest_all()
        assert report.not_modified


async def test_feed_parsing_does_not_stall_the_loop(tmp_path: Path) -> None:
    big = rss(*range(1, 10)).replace(b"Episode 1 notes", b"x" * 3_000_000)
    path = tmp_path / "feed.xml"
    path.write_bytes(big)
    worst = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            worst = max(worst, time.perf_counter() - start - 0.01)

    task = asyncio.create_task(ticker())
    poll = await FeedSource(str(path), SITE).poll(Validators())
    done.set()
    await task
    assert len(poll.episodes) == 9
    assert worst < 0.2, f"event loop stalled {worst * 1000:.0f} ms"
