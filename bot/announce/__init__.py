"""Episode announcements, without Discord: targets, the due rule, the crash-safe delivery ledger.

* :mod:`.planner` — when an episode is due in a channel, backoff delays, the clock;
* :mod:`.port` — what the announcer needs from Discord (implemented by ``cogs.announce``);
* :mod:`.ledger` — delivering one episode to one channel exactly once, resumable after any crash;
* :mod:`.announcer` — one announcement cycle over every channel, concurrently, with per-channel backoff;
* :mod:`.polling` — polling the sources with backoff, and when to warn hosts about a failing feed;
* :mod:`.pacing` — spacing requests under Discord's global rate limit;
* :mod:`.wording` — a server's language and headline template for its announcements.
"""
