"""Work shared with a helper process: the same results as in one thread, whatever the helper does."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import two_cores
from bot.two_cores import share


def square_slowly_here(job: int, parent: int) -> int:
    """The work of these tests: slow in the calling process only, so the helper surely gets chunks."""
    if os.getpid() == parent:
        time.sleep(0.02)
    return job * job


def shared(count: int) -> list[int]:
    return share(list(range(count)), square_slowly_here, os.getpid(), min_jobs=10, what="squares")


def test_many_jobs_are_shared_with_the_helper_and_come_back_in_order(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(two_cores, "CHUNK", 4)
    with caplog.at_level(logging.DEBUG, logger="bot.two_cores"):
        assert shared(120) == [n * n for n in range(120)]
    [done] = [record.args for record in caplog.records if record.getMessage().startswith("helper process did")]
    assert isinstance(done, tuple)
    assert done[0] > 0  # chunks the helper did
    assert done[1] == "squares"


def test_few_jobs_stay_in_the_calling_thread(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="bot.two_cores"):
        assert shared(9) == [n * n for n in range(9)]
    assert not caplog.records


def test_a_helper_that_cannot_start_leaves_the_whole_work_to_the_calling_thread(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    assert shared(30) == [n * n for n in range(30)]
    assert any("the helper process for squares failed" in record.getMessage() for record in caplog.records)


def test_a_helper_that_answers_garbage_or_dies_is_replaced_by_the_calling_thread(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    liar = tmp_path / "liar.py"
    liar.write_text("import sys\nsys.stdin.buffer.read(10)\nsys.stdout.buffer.write(b'garbage')\n")
    real_popen = subprocess.Popen

    def popen(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        return real_popen([sys.executable, str(liar)], **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(two_cores.subprocess, "Popen", popen)
    assert shared(30) == [n * n for n in range(30)]


def test_a_helper_that_hangs_is_stopped_and_its_chunks_done_by_the_calling_thread(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(two_cores, "CHUNK", 4)
    monkeypatch.setattr(two_cores, "LAST_CHUNK_WAIT", 0.5)
    sleeper = tmp_path / "sleeper.py"
    sleeper.write_text("import sys, time\nsys.stdin.buffer.read(1)\ntime.sleep(60)\n")  # takes work, never answers
    real_popen = subprocess.Popen

    def popen(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        return real_popen([sys.executable, str(sleeper)], **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(two_cores.subprocess, "Popen", popen)
    started = time.perf_counter()
    assert shared(60) == [n * n for n in range(60)]
    assert time.perf_counter() - started < 20


def test_a_helper_whose_input_ends_before_the_work_exits_cleanly() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.two_cores"], input=b"", capture_output=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
