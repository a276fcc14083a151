"""Parsing many post files on two cores: the scan thread and one helper process share the work.

Reading a post is pure Python (markdown-it-py), so threads do not help. For a large scan (a first start
over a big archive) the folder source starts one helper process, a fresh interpreter
(``python -m bot.episodes.post_helper``: nothing of the bot's state is copied into it), and sends it
chunks of posts from the back of the list while the scan thread parses from the front. Whatever goes
wrong with the helper (it cannot start, dies, hangs, answers garbage) only means the scan thread parses
those posts itself: the results are the same.
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
from dataclasses import dataclass
from typing import IO

from bot.episodes.model import Episode
from bot.episodes.posts import PostError, Unpublished, parse_post
from bot.episodes.site import Site

log = logging.getLogger(__name__)

#: Scans with fewer posts to parse stay in the scan thread: the helper takes about 0.1 s to start (its
#: imports), a sixth of the show's 484 posts. Measured on two idle cores, the 484 posts' cold ingest takes
#: 0.69-0.71 s with the helper and 0.78-0.80 s without (see bench/RESULTS.md, ingestion); on a loaded
#: machine the second core is not free and the helper gains less.
MIN_POSTS = 200
#: Posts per message to the helper, and messages sent ahead of its answers.
CHUNK = 8
IN_FLIGHT = 2
#: How long the scan thread, done with its part, waits for the helper's last chunk before parsing it itself.
LAST_CHUNK_WAIT = 30.0


@dataclass(frozen=True, slots=True)
class Job:
    """One post file to parse: its name, its path (the episode's source) and its bytes."""

    name: str
    path: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a post gave: an episode, or ``unpublished``, or the reason it cannot be read."""

    episode: Episode | None = None
    unpublished: bool = False
    reason: str = ""


def parse_job(job: Job, site: Site) -> Parsed:
    """Parse one post; whatever goes wrong is that post's failure only."""
    try:
        return Parsed(parse_post(job.data, filename=job.name, site=site, source=job.path))
    except Unpublished:
        return Parsed(unpublished=True)
    except PostError as exc:
        return Parsed(reason=exc.reason)
    except Exception as exc:  # a bug or hostile input in one post must not stop the scan
        return Parsed(reason=f"cannot be read ({exc.__class__.__name__}: {' '.join(str(exc).split())[:200]})")


def parse_jobs(jobs: list[Job], site: Site) -> list[Parsed]:
    """Parse every job, in order; with a helper process on a second core when there are many."""
    if len(jobs) < MIN_POSTS or (os.cpu_count() or 1) < 2:
        return [parse_job(job, site) for job in jobs]
    return _Shared(jobs, site).run()


class _Shared:
    """The scan thread takes jobs one by one from the front, the helper chunks from the back.

    A sender thread keeps :data:`IN_FLIGHT` chunks queued at the helper while the helper thread reads the
    answers back, so the helper never waits for this process (whose threads share one GIL) between chunks.
    """

    def __init__(self, jobs: list[Job], site: Site) -> None:
        self.jobs = jobs
        self.site = site
        self.results: list[Parsed | None] = [None] * len(jobs)
        self.front = 0
        self.back = len(jobs)
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.sent: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
        self.slots = threading.Semaphore(IN_FLIGHT)
        self.stopped = threading.Event()

    def run(self) -> list[Parsed]:
        helper = threading.Thread(target=self._helper, name="post-parser-helper", daemon=True)
        helper.start()
        while True:
            with self.lock:
                if self.front >= self.back:
                    break
                index = self.front
                self.front += 1
            self.results[index] = parse_job(self.jobs[index], self.site)
        helper.join(LAST_CHUNK_WAIT)
        if helper.is_alive() and self.process is not None:
            self.process.kill()  # its reader then fails and gives its chunks back
            helper.join()
        return [
            result if result is not None else parse_job(job, self.site)
            for job, result in zip(self.jobs, self.results, strict=True)
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
                [sys.executable, "-m", "bot.episodes.post_helper"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            assert self.process.stdin is not None
            assert self.process.stdout is not None
            sender = threading.Thread(
                target=self._send_all, args=(self.process.stdin,), name="post-parser-sender", daemon=True
            )
            sender.start()
            while (span := self.sent.get()) is not None:
                start, end = span
                self.results[start:end] = receive(self.process.stdout, end - start)
                self.slots.release()
                chunks += 1
        except Exception as exc:  # the scan thread parses whatever the helper did not
            log.warning("the helper process for parsing posts failed (%s): parsing in one process", exc)
        finally:
            self.stopped.set()
            self.slots.release()  # a sender waiting for a slot sees ``stopped``
            if self.process is not None:
                self.process.kill()  # a sender blocked on the pipe gets an error
                self.process.wait()
            if sender is not None:
                sender.join()
            log.debug("helper process parsed %d chunks in %.2f s", chunks, time.perf_counter() - started)

    def _send_all(self, stream: IO[bytes]) -> None:
        """Send the site, then chunks while there is work, at most :data:`IN_FLIGHT` unanswered."""
        try:
            pickle.dump(self.site, stream)
            while True:
                self.slots.acquire()
                if self.stopped.is_set() or (span := self._claim()) is None:
                    break
                self.sent.put(span)  # before sending: if sending fails, reading its answer fails too
                send(stream, self.jobs[span[0] : span[1]])
        except Exception:
            pass  # the helper thread's read then fails as well, and reports it
        finally:
            self.sent.put(None)


def send(stream: IO[bytes], jobs: list[Job]) -> None:
    """Send one chunk of jobs to the helper."""
    pickle.dump(jobs, stream)
    stream.flush()


def receive(stream: IO[bytes], count: int) -> list[Parsed]:
    """The helper's answer to a chunk of ``count`` jobs."""
    parsed = pickle.load(stream)  # the helper is this program: its answers are trusted like its own
    if not (isinstance(parsed, list) and len(parsed) == count and all(isinstance(p, Parsed) for p in parsed)):
        raise ValueError("unexpected answer")
    return parsed


def serve(receive: IO[bytes], send: IO[bytes]) -> None:
    """The helper: parse every chunk of jobs it is sent until its input ends."""
    try:
        site = pickle.load(receive)
    except EOFError:
        return
    while True:
        try:
            jobs = pickle.load(receive)
        except EOFError:
            return
        pickle.dump([parse_job(job, site) for job in jobs], send)
        send.flush()
