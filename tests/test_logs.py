"""Logging for operators: text or JSON lines, colour only on a terminal, the token never shown, quiet scheduler."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import retry_delay
from bot.config import SettingsError, load_settings
from bot.logs import setup_logging
from discord_emulator import DiscordEmulator
from tests.harness import BotRunner, Community


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("apscheduler", "aiosqlite")}
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)


def test_json_lines_for_log_shippers() -> None:
    stream = io.StringIO()
    setup_logging("INFO", "json", token="tok.en", stream=stream)
    logging.getLogger("zundabot").info("ready: %s in %d server(s), token %s", "ずんだもん", 3, "tok.en")
    try:
        raise ValueError("boom tok.en")
    except ValueError:
        logging.getLogger("zundabot.errors").exception("failed")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "INFO"
    assert first["logger"] == "zundabot"
    assert first["message"] == "ready: ずんだもん in 3 server(s), token [token]"
    assert first["time"]
    assert second["level"] == "ERROR"
    assert "ValueError: boom [token]" in second["exc_info"]
    assert "tok.en" not in stream.getvalue()


def test_text_has_colour_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    redirected = io.StringIO()
    setup_logging("INFO", "text", stream=redirected)
    logging.getLogger("zundabot").warning("disk almost full")
    assert "\x1b[" not in redirected.getvalue()
    assert "WARNING  zundabot: disk almost full" in redirected.getvalue()

    terminal = Terminal()
    setup_logging("INFO", "text", stream=terminal)
    logging.getLogger("zundabot").warning("disk almost full")
    assert "\x1b[33mWARNING\x1b[0m" in terminal.getvalue()

    monkeypatch.setenv("NO_COLOR", "1")
    plain = Terminal()
    setup_logging("INFO", "text", stream=plain)
    logging.getLogger("zundabot").warning("disk almost full")
    assert "\x1b[" not in plain.getvalue()


def test_the_token_is_redacted_in_tracebacks_too() -> None:
    stream = io.StringIO()
    setup_logging("INFO", "text", token="secret-123", stream=stream)
    try:
        raise RuntimeError("bad secret-123")
    except RuntimeError:
        logging.getLogger("discord.client").exception("oops %s", "secret-123")
    assert "secret-123" not in stream.getvalue()
    assert "RuntimeError: bad [token]" in stream.getvalue()


@pytest.mark.parametrize(("level", "shown"), [("INFO", False), ("DEBUG", True)])
async def test_scheduler_runs_are_logged_only_at_debug_with_the_jobs_name(level: str, shown: bool) -> None:
    stream = io.StringIO()
    setup_logging(level, "text", stream=stream)
    scheduler = AsyncIOScheduler()
    scheduler.start()
    ran = asyncio.Event()

    async def tick() -> None:
        ran.set()

    scheduler.add_job(tick, "date", id="announce.poll", name="announce.poll")
    await ran.wait()
    scheduler.shutdown(wait=False)
    logging.getLogger("zundabot").info("still here")
    text = stream.getvalue()
    assert ("announce.poll" in text) is shown
    assert "still here" in text


def test_log_format_setting_is_validated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert load_settings().log_format == "json"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        load_settings()


def test_start_retries_back_off_up_to_a_minute() -> None:
    assert [retry_delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


async def test_debug_logs_show_events_and_requests_without_their_data_or_tokens(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    stream = io.StringIO()
    setup_logging("DEBUG", "text", token="tok.en", stream=stream)
    await bot_runner.start()
    opened = await emulator.slash(community.listener, community.general, "otayori write")
    assert opened.modal is not None
    body = "デバッグログに残ってはいけない秘密のお便りです"
    sent = await emulator.submit_modal(community.listener, community.general, opened.modal, {"body": body})
    assert "#1" in sent.content
    logged = stream.getvalue()
    assert "WebSocket Event: op=0 t=INTERACTION_CREATE" in logged  # the event is still traced at DEBUG
    assert "(data hidden" in logged
    assert "/[token]/callback has returned status code 200" in logged  # the answer is traced, not its token
    assert " with (data hidden" in logged  # REST requests are traced without their bodies
    assert body not in logged
    assert sent.record.token not in logged
    assert opened.record.token not in logged
