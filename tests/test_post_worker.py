"""Parsing many posts with a helper process: the same results as in one thread, whatever the helper does."""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.episodes import post_worker
from bot.episodes.post_worker import Job, Parsed, parse_job, parse_jobs
from bot.episodes.site import Site
from tests.test_sources import POST

SITE = Site()


def jobs(count: int) -> list[Job]:
    names = [f"2026-03-{n % 28 + 1:02d}-{n}.md" for n in range(1, count + 1)]
    texts = [POST.format(n=n, day=n % 28 + 1, extra="追記。" * (n % 5)) for n in range(1, count + 1)]
    texts[3] = "---\ntitle: [unclosed\n---\n"  # a broken post
    texts[5] = texts[5].replace("title:", "published: false\ntitle:")  # an unpublished one
    return [Job(name, f"/posts/{name}", text.encode()) for name, text in zip(names, texts, strict=True)]


def test_the_helper_process_parses_what_it_is_sent_as_the_scan_thread_would() -> None:
    sent = jobs(8)
    command = [sys.executable, "-m", "bot.episodes.post_helper"]
    helper = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert helper.stdin is not None
    assert helper.stdout is not None
    try:
        pickle.dump(SITE, helper.stdin)
        post_worker.send(helper.stdin, sent)
        post_worker.send(helper.stdin, sent[:2])  # sent before the first answer is read, as the scan does
        answer = post_worker.receive(helper.stdout, len(sent))
        again = post_worker.receive(helper.stdout, 2)
    finally:
        helper.stdin.close()
        assert helper.wait(10) == 0  # ends with its input
    assert answer == [parse_job(job, SITE) for job in sent]
    assert again == answer[:2]
    assert answer[3].reason.startswith("invalid YAML")
    assert answer[5] == Parsed(unpublished=True)
    assert answer[0].episode is not None
    assert answer[0].episode.source == "/posts/2026-03-02-1.md"


def test_many_posts_are_shared_with_the_helper_and_come_back_in_order(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    many = jobs(120)
    monkeypatch.setattr(post_worker, "MIN_POSTS", 10)
    monkeypatch.setattr(post_worker, "CHUNK", 4)
    real = post_worker.parse_job

    def slow(job: Job, site: Site) -> Parsed:  # the scan thread is slow: the helper surely gets chunks
        time.sleep(0.02)
        return real(job, site)

    monkeypatch.setattr(post_worker, "parse_job", slow)
    with caplog.at_level(logging.DEBUG, logger="bot.episodes.post_worker"):
        result = parse_jobs(many, SITE)
    assert result == [real(job, SITE) for job in many]
    [done] = [record.args for record in caplog.records if record.getMessage().startswith("helper process parsed")]
    assert isinstance(done, tuple)
    assert done[0] > 0  # chunks the helper parsed


def test_a_helper_that_cannot_start_leaves_the_whole_work_to_the_scan_thread(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    many = jobs(30)
    monkeypatch.setattr(post_worker, "MIN_POSTS", 10)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    assert parse_jobs(many, SITE) == [parse_job(job, SITE) for job in many]
    assert any("parsing in one process" in record.getMessage() for record in caplog.records)


def test_a_helper_that_answers_garbage_or_dies_is_replaced_by_the_scan_thread(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    many = jobs(30)
    monkeypatch.setattr(post_worker, "MIN_POSTS", 10)
    liar = tmp_path / "liar.py"
    liar.write_text("import sys\nsys.stdin.buffer.read(10)\nsys.stdout.buffer.write(b'garbage')\n")
    real_popen = subprocess.Popen

    def popen(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        return real_popen([sys.executable, str(liar)], **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(post_worker.subprocess, "Popen", popen)
    assert parse_jobs(many, SITE) == [parse_job(job, SITE) for job in many]


def test_a_helper_that_hangs_is_stopped_and_its_chunks_parsed_by_the_scan_thread(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    many = jobs(60)
    monkeypatch.setattr(post_worker, "MIN_POSTS", 10)
    monkeypatch.setattr(post_worker, "CHUNK", 4)
    monkeypatch.setattr(post_worker, "LAST_CHUNK_WAIT", 0.5)
    sleeper = tmp_path / "sleeper.py"
    sleeper.write_text("import sys, time\nsys.stdin.buffer.read(1)\ntime.sleep(60)\n")  # takes work, never answers
    real_popen = subprocess.Popen

    def popen(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        return real_popen([sys.executable, str(sleeper)], **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(post_worker.subprocess, "Popen", popen)
    started = time.perf_counter()
    assert parse_jobs(many, SITE) == [parse_job(job, SITE) for job in many]
    assert time.perf_counter() - started < 20


def test_a_helper_whose_input_ends_before_the_site_exits_cleanly() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.episodes.post_helper"], input=b"", capture_output=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
