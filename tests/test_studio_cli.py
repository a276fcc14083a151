"""``zundabot studio`` as the operator runs it, and the pointer to it when there is no token."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ANNOUNCE_", "FEED_", "CONTENT_"))}
    return env | {"PYTHONPATH": str(ROOT), "DATABASE_PATH": str(tmp_path / "operator.sqlite3")}


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_run_without_token_says_how_to_open_the_studio(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run")
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr
    assert "python3 run.py studio" in result.stderr


def test_studio_refuses_a_non_loopback_address_and_bad_options(tmp_path: Path) -> None:
    remote = run_cli(tmp_path, "studio", "--host", "0.0.0.0")
    assert remote.returncode == 1
    assert "refusing to listen on 0.0.0.0" in remote.stderr
    assert "--allow-remote" in remote.stderr
    missing = run_cli(tmp_path, "studio", "--content-dir", str(tmp_path / "nowhere"))
    assert missing.returncode == 1
    assert "is not a folder" in missing.stderr
    assert run_cli(tmp_path, "studio", "--port", "70000").returncode == 1


def test_studio_serves_the_seeded_server_and_leaves_the_operators_files_alone(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    sample = ROOT / "content" / "episodes" / "2026-06-16-6.md"
    (posts / sample.name).write_bytes(sample.read_bytes())
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "studio", "--port", "0", "--content-dir", str(posts), "--feed", "off"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=clean_env(tmp_path),
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("zundabot studio: http://127.0.0.1:")
        url = first.split(": ", 1)[1].strip()
        lines = [process.stdout.readline() for _ in range(5)]
        assert any("本物の Discord には接続しません" in line for line in lines)
        copy = Path(next(line for line in lines if "posts (a copy)" in line).split(": ", 1)[1].strip())
        assert copy != posts
        assert (copy / sample.name).exists()
        with urllib.request.urlopen(url + "api/state", timeout=10) as response:
            state = json.loads(response.read())
        assert [v["label"]["ja"] for v in state["viewers"]] == ["リスナー", "ホスト", "管理者"]
        names = [c["name"] for c in state["guilds"][0]["channels"]]
        assert names == ["雑談", "お知らせ", "番組フォーラム"]  # the hosts' channel is hidden from listeners
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    assert sorted(p.name for p in posts.iterdir()) == [sample.name]  # the operator's folder is untouched
    assert not copy.exists()  # the copies are removed at the end
    assert not (tmp_path / "operator.sqlite3").exists()  # the studio used a temporary database
