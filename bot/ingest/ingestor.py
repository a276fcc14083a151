"""Ingestion: poll sources, store what they give, remember what was read."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.episodes.sources import FolderSource, Poll, Source, SourceFailed, Validators
from bot.store.episodes import Change, Upserted
from bot.store.store import Store

log = logging.getLogger(__name__)

#: kv key prefix: how many episodes a source held when it was last read, for polls that read nothing.
ITEMS_KEY = "ingest.items:"


@dataclass(slots=True)
class IngestReport:
    """What one poll of one source changed in the store."""

    source: str
    new: list[Upserted] = field(default_factory=list)
    changed: list[Upserted] = field(default_factory=list)
    unchanged: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    #: Post files skipped as not published (``published: false``); not failures.
    unpublished: list[str] = field(default_factory=list)
    not_modified: bool = False
    error: str | None = None
    failures_in_row: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None and not self.failures


class Ingestor:
    """Runs sources against the store. Safe to call repeatedly; one poll per source at a time.

    Failed polls and posts are logged as warnings unless ``log_problems`` is false (the ``ingest``
    command prints them from the report instead).
    """

    def __init__(self, store: Store, sources: Sequence[Source], *, log_problems: bool = True) -> None:
        self.store = store
        self.sources = list(sources)
        self.log_problems = log_problems

    async def ingest_all(self) -> list[IngestReport]:
        return [await self.ingest(source) for source in self.sources]

    async def ingest(self, source: Source) -> IngestReport:
        state = await self.store.sources.get(source.name)
        known = Validators(state.etag, state.last_modified, state.content_hash)
        if isinstance(source, FolderSource) and not source.primed:
            source.prime(await self.store.post_files.load(source.name, source.reader))
        try:
            poll = await source.poll(known)
        except SourceFailed as exc:
            failures = await self.store.sources.failed(source.name, str(exc))
            if self.log_problems:
                log.warning("polling %s failed (%d in a row): %s", source.name, failures, exc)
            return IngestReport(source.name, error=str(exc), failures_in_row=failures)
        report = await self._store(source, poll)
        source.commit(poll)
        return report

    async def _store(self, source: Source, poll: Poll) -> IngestReport:
        report = IngestReport(source.name, not_modified=poll.unchanged, failures=list(poll.failures))
        report.unchanged = poll.skipped
        for result in await self.store.episodes.upsert_many(poll.episodes, source_rank=source.rank):
            if result.change is Change.NEW:
                report.new.append(result)
            elif result.change is Change.CHANGED:
                report.changed.append(result)
            else:
                report.unchanged += 1
        items_key = ITEMS_KEY + source.name
        if poll.unchanged and not poll.skipped:
            # a feed answering 304 or the same body: its episodes are those of the last read
            report.unchanged = int(await self.store.kv.get(items_key) or 0)
        else:
            await self.store.kv.set(items_key, str(len(report.new) + len(report.changed) + report.unchanged))
        # an unpublished post is withdrawn as a deleted one is (when it was stored before)
        report.withdrawn = await self.store.episodes.withdraw([*poll.deleted, *poll.unpublished])
        report.unpublished = [os.path.basename(path) for path in poll.unpublished]
        if isinstance(source, FolderSource):  # last: a crash before this only makes the next start read again
            await self.store.post_files.save(source.name, source.reader, poll.remember, poll.deleted)
        validators = poll.validators or Validators()
        await self.store.sources.succeeded(
            source.name,
            etag=validators.etag,
            last_modified=validators.last_modified,
            content_hash=validators.content_hash,
        )
        if self.log_problems:
            for name, reason in poll.failures:
                log.warning("skipped %s: %s", name, reason)
        if report.new or report.changed or report.withdrawn:
            log.info(
                "%s: %d new, %d changed, %d withdrawn",
                source.name,
                len(report.new),
                len(report.changed),
                len(report.withdrawn),
            )
        return report
