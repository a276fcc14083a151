"""Search index values computed ahead on the parse workers: the same index, bounded, and taken once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.episodes import post_worker
from bot.episodes.posts import read_post
from bot.episodes.site import Site
from bot.episodes.sources import FolderSource
from bot.ingest.ingestor import Ingestor
from bot.search import document
from bot.store.store import Store
from tests.conftest import CORPUS_DIR

SAMPLES = Path(__file__).resolve().parent.parent / "content" / "episodes"
SITE = Site()


async def _index_of(folder: Path, db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Ingest ``folder`` into a new store, flush the index, and return its FTS5 pages and the mined pairs."""
    async with await Store.open(db) as store:
        await Ingestor(store, [FolderSource(folder, SITE)]).ingest_all()
        await store.search.flush()
        pages = await store.db.fetchall("SELECT id, block FROM search_fts_data ORDER BY id")
        pairs = await store.db.fetchall("SELECT name_key, other FROM search_pairs ORDER BY name_key, other")
        return [tuple(row) for row in pages], [tuple(row) for row in pairs]


async def test_a_scan_on_two_cores_builds_the_very_index_one_core_builds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "posts"
    shutil.copytree(SAMPLES, folder)
    monkeypatch.setattr(post_worker, "MIN_POSTS", 10**9)
    alone = await _index_of(folder, tmp_path / "alone.sqlite3")
    assert document.waiting() == 0  # a small scan computes nothing ahead

    monkeypatch.setattr(post_worker, "MIN_POSTS", 1)
    monkeypatch.setattr(post_worker, "CHUNK", 2)
    taken: list[str] = []
    real_take = document.take

    def counting(kind: str, text: str) -> str | None:
        value = real_take(kind, text)
        if value is not None:
            taken.append(kind)
        return value

    monkeypatch.setattr(document, "take", counting)
    shared = await _index_of(folder, tmp_path / "shared.sqlite3")
    assert shared == alone  # byte for byte: the same pages, the same pairs
    assert alone[0]
    episodes = [read_post(path, site=SITE) for path in sorted(SAMPLES.glob("*.md"))]
    documents = sum(1 + len(episode.topics) for episode in episodes)
    assert taken.count("body") == documents
    assert taken.count("pairs") == documents
    assert document.waiting() == 0  # every value was taken by the flush


@pytest.mark.skipif(not CORPUS_DIR.is_dir(), reason="needs ../shared/corpus/zundamon-episodes")
async def test_the_shows_archive_gets_the_same_index_on_two_cores(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(post_worker, "MIN_POSTS", 10**9)
    alone = await _index_of(CORPUS_DIR, tmp_path / "alone.sqlite3")
    monkeypatch.setattr(post_worker, "MIN_POSTS", 1)
    assert await _index_of(CORPUS_DIR, tmp_path / "shared.sqlite3") == alone
    assert alone[1]  # names the archive writes in both scripts
    assert document.waiting() == 0


def test_values_waiting_are_bounded_oldest_dropped_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "MAX_AHEAD_CHARS", 100)
    ahead = document._Ahead()
    ahead.remember([("body", f"text {n}", "v" * 20) for n in range(10)])  # 26 characters each
    assert len(ahead) == 3
    assert ahead.take("body", "text 0") is None  # dropped
    assert ahead.take("body", "text 9") == "v" * 20
    assert ahead.take("body", "text 9") is None  # taken once
    assert ahead.take("title", "text 8") is None  # by function and text


def test_prepared_values_are_what_the_flush_would_compute() -> None:
    episode = read_post(sorted(SAMPLES.glob("*.md"))[0], site=SITE)
    prepared = document.prepare(episode)
    for kind, text, value in prepared:
        compute = {"title": document.title_text, "body": document.body_text, "pairs": document.name_pairs}[kind]
        assert value == compute(text)
    bodies = [text for kind, text, _ in prepared if kind == "body"]
    assert bodies == [f"{episode.title}\n{episode.description}", *(topic.summary for topic in episode.topics)]


async def test_what_a_flush_did_not_take_is_dropped_after_it(tmp_path: Path) -> None:
    document.remember([("body", "never indexed", "token")])
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        await Ingestor(store, [FolderSource(SAMPLES, SITE)]).ingest_all()
        await store.search.flush()
    assert document.waiting() == 0
