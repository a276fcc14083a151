"""Following a topic: listeners' words, matching them against an announced episode, the DM outbox.

Pure domain: nothing here knows Discord. The store is :mod:`bot.store.follows`; the Discord side
(``/follow``, the DM transport) is :mod:`cogs.follow`.
"""
