"""``zundabot preview`` prints the layout the channel uses: the V2 card where /settings card chose it."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from bot.card import CARD_FLAG, CardStyle
from bot.cli import main
from bot.store.store import Store
from tests.conftest import CONTENT_DIR

POST = "content/episodes/2026-06-16-6.md"
CHANNEL = 123456789012345678


@pytest.fixture(autouse=True)
def clone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    shutil.copytree(CONTENT_DIR, tmp_path / "content" / "episodes")
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_PATH", "CONTENT_DIR", "FEED_URL", "ANNOUNCE_CHANNEL_IDS", "ANNOUNCE_ROLE_ID"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_preview_prints_the_card_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "preview", POST, "--card", "v2")
    assert (code, err) == (0, "")
    assert "main: V2 card, 20 component(s)" in out
    assert "**1. [LLMアプリの評価データを少人数で作る方法](https://example.com/articles/eval-dataset)**" in out
    assert "[お便りを送る]" in out
    assert "thread 1: 3 embed(s)" in out  # the thread keeps the summaries as embeds
    code, out, _ = run(capsys, "preview", POST, "--card", "v2", "--json", "--channel", str(CHANNEL))
    [main_body, *thread] = json.loads(out)["messages"]
    assert main_body["flags"] == CARD_FLAG
    assert "content" not in main_body
    assert "embeds" not in main_body
    assert main_body["nonce"].startswith("zb")
    assert all("embeds" in body for body in thread)


def test_preview_follows_the_channels_choice_in_the_store(capsys: pytest.CaptureFixture[str], clone: Path) -> None:
    assert run(capsys, "ingest")[0] == 0

    async def choose() -> None:
        async with await Store.open(clone / "data" / "zundabot.sqlite3") as store:
            await store.cards.set(CHANNEL, 1, CardStyle.V2, by=2)

    asyncio.run(choose())
    code, out, _ = run(capsys, "preview", "6", "--channel", str(CHANNEL))
    assert code == 0
    assert "main: V2 card" in out
    code, out, _ = run(capsys, "preview", "6", "--channel", "42")
    assert "main: 1 embed(s)" in out  # a channel that never chose
    code, out, _ = run(capsys, "preview", "6", "--channel", str(CHANNEL), "--card", "embed")
    assert "main: 1 embed(s)" in out
