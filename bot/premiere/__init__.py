"""Scheduled premieres: a Discord scheduled event for each episode dated in the future (no Discord here).

:mod:`bot.premiere.model` says what the event of an episode looks like; :mod:`bot.premiere.sync` keeps a
server's events in step with the store, exactly once across crashes.
"""
