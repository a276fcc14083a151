"""Episode sources: a folder of post files (incremental rescans) and a feed (conditional HTTP polls)."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import aiohttp
import xxhash

from bot.episodes.feed import MAX_FEED_BYTES, FeedError, parse_feed
from bot.episodes.model import Episode
from bot.episodes.post_worker import Job, Parsed, parse_jobs
from bot.episodes.posts import READER_VERSION, PostError, read_post_bytes
from bot.episodes.site import Site
from bot.version import VERSION

POST_SUFFIXES = (".md", ".markdown")
USER_AGENT = f"zundabot/{VERSION} (+https://github.com/zundabot)"
MAX_REDIRECTS = 5
#: Feed bodies are compared by XXH3-128: a change check, not a security boundary (whoever controls the
#: feed controls its content anyway), and five times cheaper than SHA-256 on a multi-megabyte feed.
HASH_PREFIX = "xxh3-128:"


def body_hash(body: bytes) -> str:
    """The digest a feed body is recognised by between polls."""
    return HASH_PREFIX + xxhash.xxh3_128_hexdigest(body)


@dataclass(frozen=True, slots=True)
class Validators:
    """What a feed poll learned about the body, recorded once its episodes are safely stored."""

    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None


class Outcome(StrEnum):
    """What reading a post file gave."""

    EPISODE = "episode"
    FAILED = "failed"
    UNPUBLISHED = "unpublished"
    #: The file could not even be stat'ed (a broken symbolic link...).
    UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class SeenFile:
    """What the folder source learned from one post file: its signature (mtime, size), the hash of the bytes
    it read (:func:`body_hash`), and what they gave (an episode's key, or the reason it gave none)."""

    mtime_ns: int
    size: int
    content_hash: str | None
    outcome: Outcome
    episode_key: str | None = None
    reason: str = ""

    @property
    def signature(self) -> tuple[int, int]:
        return (self.mtime_ns, self.size)


#: The signature of a post file that cannot be stat'ed: it is reported as failed once, and its episode is
#: kept, as for a post that no longer parses.
UNREADABLE = (-1, -1)


@dataclass(slots=True)
class Poll:
    """The outcome of one poll of one source.

    ``episodes`` are those to upsert (a folder reports only new and changed files; a feed every
    item of a changed body). ``unchanged`` is true when nothing needed reading at all.
    """

    source: str
    episodes: list[Episode] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    #: Post files marked ``published: false``: not episodes; one stored before is withdrawn as if deleted.
    unpublished: list[str] = field(default_factory=list)
    skipped: int = 0
    unchanged: bool = False
    validators: Validators | None = None
    #: A folder's files as this scan left them (what :meth:`FolderSource.commit` keeps), and those of them
    #: that differ from what the folder source knew before (what the ingestor writes to the store).
    files: dict[str, SeenFile] | None = field(default=None, repr=False)
    remember: dict[str, SeenFile] = field(default_factory=dict, repr=False)


class SourceFailed(Exception):
    """The whole source could not be read this time (network, HTTP status, not a feed...)."""


class Source(Protocol):
    name: str
    rank: int

    async def poll(self, known: Validators) -> Poll: ...

    def commit(self, poll: Poll) -> None:
        """Called once the poll's episodes are stored: the next poll may skip what this one read."""


class FolderSource:
    """A folder of Jekyll posts.

    A rescan rereads only files whose size or mtime changed since the last committed scan, and parses
    only those whose bytes changed too, so a scan whose episodes could not be stored is simply repeated.
    What it has seen survives a restart when the ingestor primes it from the store (:meth:`prime`):
    the first scan after that parses only what changed while the bot was stopped, withdraws what was
    deleted, and reports the posts that failed or are unpublished again without parsing them.
    """

    rank = 0

    def __init__(self, folder: Path, site: Site) -> None:
        self.folder = folder.resolve()
        self.site = site
        self.name = f"folder:{self.folder}"
        #: What a remembered file was read by: files remembered by another reader are read again.
        self.reader = f"{READER_VERSION} {VERSION} {site.url} {site.permalink} {site.zone.key}"
        self.primed = False
        self._seen: dict[str, SeenFile] = {}
        self._replay = False  # the next scan reports remembered failures and unpublished posts again
        self.failures: dict[str, str] = {}
        self._lock = threading.Lock()

    def prime(self, files: Mapping[str, SeenFile]) -> None:
        """Start from the files a previous process saw (as stored by the ingestor)."""
        with self._lock:
            self._seen = dict(files)
            self._replay = bool(files)
            self.primed = True

    async def poll(self, known: Validators | None = None) -> Poll:
        return await asyncio.to_thread(self.scan)

    def scan(self) -> Poll:
        """Stat every post file; parse the new and changed ones; report deleted ones."""
        with self._lock:
            try:
                entries = [
                    entry
                    for entry in os.scandir(self.folder)
                    if entry.name.endswith(POST_SUFFIXES) and not entry.name.startswith((".", "_"))
                ]
            except FileNotFoundError as exc:
                raise SourceFailed(f"the posts folder {self.folder} does not exist") from exc
            except OSError as exc:
                raise SourceFailed(f"cannot read the posts folder {self.folder}: {exc.strerror or exc}") from exc
            poll = Poll(self.name)
            current: dict[str, SeenFile] = {}
            to_parse: list[tuple[Job, tuple[int, int], str]] = []
            for entry in entries:
                looked = self._look(entry, self._seen.get(entry.path), poll)
                if isinstance(looked, SeenFile):
                    current[entry.path] = looked
                else:
                    to_parse.append(looked)
            parsed = parse_jobs([job for job, _, _ in to_parse], self.site)
            for (job, signature, digest), result in zip(to_parse, parsed, strict=True):
                current[job.path] = self._parsed(job, signature, digest, result, poll)
            for path, seen in current.items():
                if seen != self._seen.get(path):
                    poll.remember[path] = seen
                if seen.outcome in (Outcome.FAILED, Outcome.UNREADABLE):
                    self.failures[path] = seen.reason
                else:
                    self.failures.pop(path, None)
            poll.deleted = sorted(set(self._seen) - set(current))
            for path in poll.deleted:
                self.failures.pop(path, None)
            poll.unchanged = not (poll.episodes or poll.failures or poll.deleted or poll.unpublished)
            poll.files = current
            return poll

    def _look(
        self, entry: os.DirEntry[str], known: SeenFile | None, poll: Poll
    ) -> SeenFile | tuple[Job, tuple[int, int], str]:
        """What post file ``entry`` is now, its news in ``poll``; or, when it must be parsed, what to parse
        (the bytes read, its signature and content hash)."""
        try:
            stat = entry.stat()
        except OSError as exc:
            reason = unreadable_reason(entry, exc)
            if known is None or known.signature != UNREADABLE or self._replay:
                poll.failures.append((entry.name, reason))
            return SeenFile(*UNREADABLE, None, Outcome.UNREADABLE, reason=reason)
        signature = (stat.st_mtime_ns, stat.st_size)
        if known is not None and known.signature == signature:
            return self._unchanged(entry, known, poll)
        try:
            data = read_post_bytes(Path(entry.path))
        except PostError as exc:
            poll.failures.append((entry.name, exc.reason))
            return SeenFile(*signature, None, Outcome.FAILED, reason=exc.reason)
        digest = body_hash(data)
        if known is not None and known.content_hash == digest:  # touched, copied or checked out again
            return self._unchanged(entry, replace(known, mtime_ns=signature[0], size=signature[1]), poll, again=True)
        return Job(entry.name, entry.path, data), signature, digest

    def _unchanged(self, entry: os.DirEntry[str], known: SeenFile, poll: Poll, *, again: bool = False) -> SeenFile:
        """A file whose content is known, counted unchanged; when the file was written again or the bot
        restarted, a failed or unpublished one is reported again, as reading it again would."""
        news = again or self._replay
        if known.outcome is Outcome.UNPUBLISHED:
            if news:
                poll.unpublished.append(entry.path)
        elif known.outcome is Outcome.EPISODE or not news:
            poll.skipped += 1
        else:
            poll.failures.append((entry.name, known.reason))
        return known

    def _parsed(self, job: Job, signature: tuple[int, int], digest: str, result: Parsed, poll: Poll) -> SeenFile:
        """Record what parsing post file ``job`` gave in ``poll``."""
        if result.episode is not None:
            poll.episodes.append(result.episode)
            return SeenFile(*signature, digest, Outcome.EPISODE, result.episode.key)
        if result.unpublished:
            poll.unpublished.append(job.path)
            return SeenFile(*signature, digest, Outcome.UNPUBLISHED)
        poll.failures.append((job.name, result.reason))
        return SeenFile(*signature, digest, Outcome.FAILED, reason=result.reason)

    def commit(self, poll: Poll) -> None:
        if poll.files is not None:
            with self._lock:
                self._seen = poll.files
                self._replay = False


def unreadable_reason(entry: os.DirEntry[str], exc: OSError) -> str:
    """Why a post file cannot be stat'ed, worded like :func:`~bot.episodes.posts.read_post`'s reasons."""
    error = exc.strerror or exc.__class__.__name__
    return (
        f"cannot read the file (broken symbolic link: {error})"
        if entry.is_symlink()
        else f"cannot read the file ({error})"
    )


class FeedSource:
    """A podcast feed, by URL (conditional GET) or local file; parsed off the event loop."""

    rank = 1

    def __init__(
        self,
        location: str,
        site: Site | None = None,
        *,
        timeout: float = 20.0,
        max_bytes: int = MAX_FEED_BYTES,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.location = location
        self.site = site
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.name = f"feed:{location}"
        self._session = session

    @property
    def is_remote(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    async def poll(self, known: Validators) -> Poll:
        if self.is_remote:
            fetched = await self._download(known)
            if fetched is None:
                return Poll(self.name, unchanged=True)
            chunks, digest, etag, last_modified = fetched
        else:
            chunks, digest = await asyncio.to_thread(self._read_file)
            etag = last_modified = None
        validators = Validators(etag, last_modified, digest)
        if digest == known.content_hash:
            return Poll(self.name, unchanged=True, validators=validators)
        body = b"".join(chunks)
        try:
            result = await asyncio.to_thread(
                parse_feed, body, url=self.location, site=self.site, max_bytes=self.max_bytes
            )
        except FeedError as exc:
            raise SourceFailed(f"{self.location}: {exc}") from exc
        return Poll(
            self.name,
            episodes=result.episodes,
            failures=[(self.location, problem) for problem in result.problems],
            validators=validators,
        )

    def commit(self, poll: Poll) -> None:
        """Nothing to do: the ingestor stores the validators with the source state."""

    def _read_file(self) -> tuple[list[bytes], str]:
        path = Path(self.location.removeprefix("file://"))
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                raise SourceFailed(f"{path}: the feed is {size:,} bytes, over the {self.max_bytes:,}-byte limit")
            body = path.read_bytes()
            return [body], body_hash(body)
        except OSError as exc:
            raise SourceFailed(f"cannot read feed file {path}: {exc.strerror or exc}") from exc

    async def _download(self, known: Validators) -> tuple[list[bytes], str, str | None, str | None] | None:
        """The body's chunks and :func:`body_hash` (hashed as it arrives), ETag and Last-Modified; ``None`` on 304."""
        headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, */*;q=0.5"}
        if known.etag:
            headers["If-None-Match"] = known.etag
        if known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        session = self._session or aiohttp.ClientSession()
        try:
            async with session.get(
                self.location,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                max_redirects=MAX_REDIRECTS,
            ) as response:
                if response.status == 304:
                    return None
                if response.status != 200:
                    raise SourceFailed(f"{self.location}: HTTP {response.status} {response.reason or ''}".rstrip())
                if (response.content_length or 0) > self.max_bytes:
                    raise SourceFailed(self._too_big())
                chunks: list[bytes] = []
                digest = xxhash.xxh3_128()
                size = 0
                async for chunk in response.content.iter_any():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise SourceFailed(self._too_big())
                    digest.update(chunk)
                    chunks.append(chunk)
                etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
                return chunks, HASH_PREFIX + digest.hexdigest(), etag, modified
        except TimeoutError as exc:
            raise SourceFailed(f"{self.location}: no complete answer within {self.timeout:g} s") from exc
        except aiohttp.TooManyRedirects as exc:
            raise SourceFailed(f"{self.location}: more than {MAX_REDIRECTS} redirects") from exc
        except aiohttp.ClientError as exc:
            raise SourceFailed(f"{self.location}: {exc.__class__.__name__}: {exc}") from exc
        finally:
            if self._session is None:
                await session.close()

    def _too_big(self) -> str:
        return f"{self.location}: the feed is larger than the {self.max_bytes:,}-byte limit (FEED_MAX_BYTES)"
