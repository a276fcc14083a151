"""A heartbeat file for container healthchecks: the bot rewrites it while connected; ``zundabot health`` reads it."""

from __future__ import annotations

import os
import time
from pathlib import Path

#: Seconds between heartbeats while the bot is connected.
BEAT_EVERY = 30
#: A heartbeat older than this means the bot is not connected (or not running).
MAX_AGE = 120


def beat(path: Path) -> None:
    """Record that the bot is connected now (written whole, then renamed: a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(f"{time.time():.0f}\n", encoding="ascii")
    os.replace(partial, path)


def problem(path: Path, max_age: float = MAX_AGE, now: float | None = None) -> str | None:
    """Why the bot is not healthy, or None when its last heartbeat is at most ``max_age`` seconds old."""
    try:
        stamp = float(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        return f"no heartbeat in {path}: the bot has not connected to Discord yet"
    except (OSError, ValueError) as exc:
        return f"cannot read the heartbeat in {path}: {exc}"
    age = (time.time() if now is None else now) - stamp
    if age > max_age:
        return f"last heartbeat {age:.0f} seconds ago (more than {max_age:g}): not connected to Discord"
    return None
