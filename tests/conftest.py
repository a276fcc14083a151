"""Shared fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.harness import bot_runner, community, running_bot  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = Path(os.environ.get("ZUNDABOT_CORPUS", ROOT.parent / "shared" / "corpus" / "zundamon-episodes"))
CONTENT_DIR = ROOT / "content" / "episodes"


def corpus_files() -> list[Path]:
    """The real episode posts, or an empty list when the corpus is not on this machine."""
    if not CORPUS_DIR.is_dir():
        return []
    return sorted(CORPUS_DIR.glob("*.md"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The folder of real episode posts; tests using it are skipped when it is absent."""
    if not corpus_files():
        pytest.skip(f"episode corpus not found at {CORPUS_DIR} (set ZUNDABOT_CORPUS)")
    return CORPUS_DIR
