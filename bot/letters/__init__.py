"""Listener letters (お便り): validation, rate limits, statuses, notifications, delivery and exports.

Pure domain code: nothing here imports discord.
"""
