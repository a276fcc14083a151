"""The helper process of :mod:`bot.episodes.post_worker`: ``python -m bot.episodes.post_helper``."""

import sys

from bot.episodes.post_worker import serve

if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
