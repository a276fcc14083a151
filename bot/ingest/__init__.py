"""Ingestion, without Discord: reading the sources (posts folder, feed) into the store.

* :mod:`.ingestor` — one pass over the sources: upserts, withdrawals, what changed (``zundabot ingest``);
* :mod:`.polling` — polling the sources with per-source backoff, and when to warn hosts about a failing feed.

The announcer (:mod:`bot.announce`) then announces what became due; the announcements cog runs both in turn.
"""
