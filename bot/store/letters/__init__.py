"""Letters (お便り): per-server numbering, status history, blocks, rate-limit ledger, tombstones, outbox.

Every read and write is scoped by ``guild_id``: a server's letters are never visible from another.
One module per idea: ``submit`` (group-commit batcher), ``queries``, ``transitions``, ``blocks``,
``outbox``; ``rows`` maps rows to the domain types of :mod:`bot.letters`.
"""

from __future__ import annotations

from bot.clock import Clock, system_clock
from bot.store.db import Database
from bot.store.letters.blocks import Blocks
from bot.store.letters.outbox import Outbox
from bot.store.letters.queries import Queries
from bot.store.letters.submit import MAX_BATCH, Submissions
from bot.store.letters.transitions import Transitions

__all__ = ["MAX_BATCH", "LetterStore"]


class LetterStore(Submissions, Queries, Transitions, Blocks, Outbox):
    """Letters of every server, each query scoped by server."""

    def __init__(self, db: Database, now: Clock = system_clock, *, max_batch: int = MAX_BATCH) -> None:
        super().__init__(db, max_batch=max_batch)
        self.now = now
