"""Parsing many posts with a helper process: the same results as in one thread."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from bot import two_cores
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
    helper = subprocess.Popen([sys.executable, "-m", "bot.two_cores"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert helper.stdin is not None
    assert helper.stdout is not None
    try:
        pickle.dump((parse_job, SITE), helper.stdin)
        two_cores.send(helper.stdin, sent)
        two_cores.send(helper.stdin, sent[:2])  # sent before the first answer is read, as the scan does
        answer = two_cores.receive(helper.stdout, len(sent))
        again = two_cores.receive(helper.stdout, 2)
    finally:
        helper.stdin.close()
        assert helper.wait(10) == 0  # ends with its input
    assert answer == [parse_job(job, SITE) for job in sent]
    assert again == answer[:2]
    assert answer[3].reason.startswith("invalid YAML")
    assert answer[5] == Parsed(unpublished=True)
    assert answer[0].episode is not None
    assert answer[0].episode.source == "/posts/2026-03-02-1.md"


def test_many_posts_parsed_on_two_cores_come_back_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    many = jobs(120)
    monkeypatch.setattr(post_worker, "MIN_POSTS", 10)
    monkeypatch.setattr(two_cores, "CHUNK", 4)
    assert parse_jobs(many, SITE) == [parse_job(job, SITE) for job in many]
