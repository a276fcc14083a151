"""``zundabot letters export`` from the command line."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.common import CommandError
from bot.cli.common import main as cli_main
from bot.cli.letters import configure, letters
from bot.config import load_settings
from bot.letters.model import Status, Submission
from bot.letters.ratelimit import RateLimits
from bot.store.store import Store

T0 = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
LOOSE = RateLimits(short=100, daily=100)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    configure(parser)
    return parser.parse_args(list(argv))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.sqlite3"

    async def fill() -> None:
        async with await Store.open(path) as store:
            for guild, author, days in ((1, 10, 0), (1, 11, 2), (2, 12, 3)):
                body = f'="本文" @everyone {author}\n二行目'
                await store.letters.submit(
                    Submission(guild, author, f"名前{author}", body), LOOSE, now=T0 + timedelta(days=days)
                )
            await store.letters.set_status(1, 2, Status.ADOPTED, actor_id=99)

    asyncio.run(fill())
    return path


def run(args: argparse.Namespace) -> int:
    return asyncio.run(letters(args, load_settings(content_dir=None)))


def test_json_to_stdout_has_raw_text(db: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert run(parse("export", "--db", str(db))) == 0
    data = json.loads(capsysbinary.readouterr().out)
    assert [(x["guild_id"], x["number"]) for x in data["letters"]] == [(1, 1), (1, 2), (2, 1)]
    assert data["letters"][0]["body"] == '="本文" @everyone 10\n二行目'


def test_filters_and_csv_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "letters.csv"
    args = parse("export", "--db", str(db), "--format", "csv", "--guild", "1", "--since", "2026-03-02", "-o", str(out))
    assert run(args) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    expected = ("2", "adopted", '\'="本文" @everyone 11\n二行目')
    assert [(r["number"], r["status"], r["body"]) for r in rows] == [expected]


def test_status_filter_markdown(db: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert run(parse("export", "--db", str(db), "--format", "markdown", "--status", "adopted")) == 0
    text = capsysbinary.readouterr().out.decode()
    assert "## #2 名前11" in text
    assert "名前10" not in text


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no database"):
        run(parse("export", "--db", str(tmp_path / "nope.sqlite3")))


def test_bad_arguments_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["export", "--format", "pdf"], ["export", "--since", "tomorrow"], ["export", "--status", "x"]):
        with pytest.raises(SystemExit):
            parse(*argv)
    assert "not a date" in capsys.readouterr().err


def test_through_the_zundabot_command(db: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert cli_main(["letters", "export", "--db", str(db), "--format", "json", "--guild", "2"]) == 0
    data = json.loads(capsysbinary.readouterr().out)
    assert [(x["guild_id"], x["number"]) for x in data["letters"]] == [(2, 1)]
    assert cli_main(["letters", "export", "--db", str(db.parent / "missing.sqlite3")]) == 1


@pytest.mark.parametrize(
    ("output", "reason"),
    [("missing-folder/letters.json", "No such file or directory"), (".", "it is a folder")],
)
def test_unwritable_output_is_a_clear_error(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str, reason: str
) -> None:
    target = tmp_path / output
    assert cli_main(["letters", "export", "--db", str(db), "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"zundabot: cannot write letters to {target}: ")
    assert reason in err
    assert "Traceback" not in err
    assert not (tmp_path / "missing-folder").exists()
