"""Pure-Python work on two cores: the calling thread and one helper process share a list of jobs.

Threads do not help pure-Python work (one GIL), so for a long list of jobs :func:`share` starts one helper
process, a fresh interpreter (``python -m bot.two_cores``: nothing of the bot's state is copied into it), sends it
the work (a module-level function, pickled by reference, and its context) and then chunks of jobs from the back
of the list while the calling thread works from the front. Whatever goes wrong with the helper (it cannot start,
dies, hangs, answers garbage) only means the calling thread does those jobs itself: the results are the same.

Used to parse a large scan's posts (:mod:`bot.episodes.post_worker`) and to mine the names of a large index
flush (:mod:`bot.store.search.mining`).
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO, Any, Generic, TypeVar, cast

log = logging.getLogger(__name__)

J = TypeVar("J")
R = TypeVar("R")

#: Jobs per message to the helper, and messages sent ahead of its answers.
CHUNK = 8
IN_FLIGHT = 2
#: How long the calling thread, done with its part, waits for the helper's last chunk before doing it itself.
LAST_CHUNK_WAIT = 30.0


def share(
    jobs: Sequence[J], work: Callable[[J, Any], R], context: Any, *, min_jobs: int, what: str, here: bool = True
) -> list[R]:
    """``[work(job, context) for job in jobs]``, with a helper process on a second core from ``min_jobs`` jobs.

    ``work`` must be a module-level function (the helper imports it by name); ``what`` names the work in the log.
    Without ``here``, the calling thread leaves the jobs to the helper (while this process does other work) and
    does only those the helper did not.
    """
    if not helps(len(jobs), min_jobs):
        return [work(job, context) for job in jobs]
    return _Shared(jobs, work, context, what).run(here)


def helps(jobs: int, min_jobs: int) -> bool:
    """Whether :func:`share` starts a helper for ``jobs`` jobs: from ``min_jobs`` on, on two cores or more."""
    return jobs >= min_jobs and (os.cpu_count() or 1) >= 2


class _Shared(Generic[J, R]):
    """The calling thread takes jobs one by one from the front, the helper chunks from the back.

    A sender thread keeps :data:`IN_FLIGHT` chunks queued at the helper while the helper thread reads the
    answers back, so the helper never waits for this process (whose threads share one GIL) between chunks.
    """

    def __init__(self, jobs: Sequence[J], work: Callable[[J, Any], R], context: Any, what: str) -> None:
        self.jobs = jobs
        self.work = work
        self.context = context
        self.what = what
        self.results: list[R | None] = [None] * len(jobs)
        self.done = [False] * len(jobs)
        self.front = 0
        self.back = len(jobs)
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.sent: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
        self.slots = threading.Semaphore(IN_FLIGHT)
        self.stopped = threading.Event()

    def run(self, here: bool) -> list[R]:
        helper = threading.Thread(target=self._helper, name=f"{self.what}-helper", daemon=True)
        helper.start()
        while here:
            with self.lock:
                if self.front >= self.back:
                    break
                index = self.front
                self.front += 1
            self.results[index] = self.work(self.jobs[index], self.context)
            self.done[index] = True
        helper.join(LAST_CHUNK_WAIT)
        if helper.is_alive() and self.process is not None:
            self.process.kill()  # its reader then fails and gives its chunks back
            helper.join()
        return [
            cast(R, result) if done else self.work(job, self.context)
            for job, result, done in zip(self.jobs, self.results, self.done, strict=True)
        ]

    def _claim(self) -> tuple[int, int] | None:
        """The next chunk from the back for the helper, or None when the two ends have met."""
        with self.lock:
            if self.front >= self.back:
                return None
            start = max(self.front, self.back - CHUNK)
            end = self.back
            self.back = start
            return start, end

    def _helper(self) -> None:
        """Start the helper process and read its answers, chunk by chunk, in the order they were sent."""
        started = time.perf_counter()
        chunks = 0
        sender: threading.Thread | None = None
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.two_cores"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            assert self.process.stdin is not None
            assert self.process.stdout is not None
            sender = threading.Thread(
                target=self._send_all, args=(self.process.stdin,), name=f"{self.what}-sender", daemon=True
            )
            sender.start()
            while (span := self.sent.get()) is not None:
                start, end = span
                self.results[start:end] = receive(self.process.stdout, end - start)
                self.done[start:end] = [True] * (end - start)
                self.slots.release()
                chunks += 1
        except Exception as exc:  # the calling thread does whatever the helper did not
            log.warning("the helper process for %s failed (%s): working in one process", self.what, exc)
        finally:
            self.stopped.set()
            self.slots.release()  # a sender waiting for a slot sees ``stopped``
            if self.process is not None:
                self.process.kill()  # a sender blocked on the pipe gets an error
                self.process.wait()
            if sender is not None:
                sender.join()
            log.debug("helper process did %d chunks of %s in %.2f s", chunks, self.what, time.perf_counter() - started)

    def _send_all(self, stream: IO[bytes]) -> None:
        """Send the work, then chunks while there is work, at most :data:`IN_FLIGHT` unanswered."""
        try:
            pickle.dump((self.work, self.context), stream)
            while True:
                self.slots.acquire()
                if self.stopped.is_set() or (span := self._claim()) is None:
                    break
                self.sent.put(span)  # before sending: if sending fails, reading its answer fails too
                send(stream, list(self.jobs[span[0] : span[1]]))
        except Exception:
            pass  # the helper thread's read then fails as well, and reports it
        finally:
            self.sent.put(None)


def send(stream: IO[bytes], jobs: list[Any]) -> None:
    """Send one chunk of jobs to the helper."""
    pickle.dump(jobs, stream)
    stream.flush()


def receive(stream: IO[bytes], count: int) -> list[Any]:
    """The helper's answer to a chunk of ``count`` jobs."""
    done = pickle.load(stream)  # the helper is this program: its answers are trusted like its own
    if not (isinstance(done, list) and len(done) == count):
        raise ValueError("unexpected answer")
    return done


def serve(receive: IO[bytes], send: IO[bytes]) -> None:
    """The helper: do every chunk of jobs it is sent until its input ends."""
    try:
        work, context = pickle.load(receive)
    except EOFError:
        return
    while True:
        try:
            jobs = pickle.load(receive)
        except EOFError:
            return
        pickle.dump([work(job, context) for job in jobs], send)
        send.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
