"""deploy/: the systemd unit and the container image recipe, checked with the real tools where they exist, and
the heartbeat that the image's healthcheck reads."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from bot import health
from bot.cli import main
from discord_emulator import DiscordEmulator
from tests.harness import BotRunner, Community

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in dockerfile.splitlines() if not line.startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined.splitlines() if line.strip()]


def docker_works() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=20, check=False).returncode == 0


def test_dockerfile_builds_on_the_official_slim_image_as_a_non_root_user() -> None:
    steps = instructions((DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    [base] = [args for name, args in steps if name == "FROM"]
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    match = re.fullmatch(r"python:(3\.\d+)-slim", base)
    assert match, base  # the official image (no registry or user prefix), slim variant
    assert requires == f">={match.group(1)}"  # the oldest Python the project supports
    [user] = [args for name, args in steps if name == "USER"]
    assert user not in {"root", "0"}
    assert [name for name, _ in steps].index("USER") < [name for name, _ in steps].index("CMD")
    env = " ".join(args for name, args in steps if name == "ENV")
    [volume] = [args for name, args in steps if name == "VOLUME"]
    database = re.search(r"DATABASE_PATH=(\S+)", env)
    assert database
    assert str(Path(database.group(1)).parent) in volume  # the database lives on the volume
    [check] = [args for name, args in steps if name == "HEALTHCHECK"]
    assert re.search(r"CMD \[\"zundabot\", \"health\"\]", check)
    assert "HEALTH_FILE=" in env
    installs = [args for name, args in steps if name == "RUN" and "pip install" in args]
    assert installs
    assert all("-c constraints.txt" in args for args in installs)  # the pinned versions, as run.py installs
    for name, args in steps:
        if name == "COPY":
            *sources, _ = args.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                assert ".env" not in source  # the token comes from the environment at run time
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignored
    assert ".venv/" in ignored


@pytest.mark.skipif(not docker_works(), reason="no container engine running here")
def test_dockerfile_passes_the_builders_checks() -> None:
    result = subprocess.run(
        ["docker", "build", "--check", "-f", str(DEPLOY / "Dockerfile"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def unit() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "zundabot.service").read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def test_systemd_unit_restarts_on_failure_but_not_on_a_configuration_error() -> None:
    values = unit()
    assert values["ExecStart"] == ["/opt/zundabot/.venv/bin/zundabot run"]
    assert values["Restart"] == ["on-failure"]
    assert values["RestartPreventExitStatus"] == ["2"]  # bad settings or a rejected token: restarting won't help
    assert values["After"] == values["Wants"] == ["network-online.target"]
    assert values["DynamicUser"] == ["yes"]  # never root
    assert values["StateDirectory"] == ["zundabot"]
    assert "DATABASE_PATH=/var/lib/zundabot/zundabot.sqlite3" in values["Environment"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    """Verified as installed: the unit's /opt/zundabot is this checkout's virtual environment."""
    venv_bin = Path(sys.executable).parent
    assert (venv_bin / "zundabot").exists()
    installed = tmp_path / "zundabot.service"
    text = (DEPLOY / "zundabot.service").read_text(encoding="utf-8")
    installed.write_text(text.replace("/opt/zundabot/.venv/bin", str(venv_bin)), encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(installed)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "zundabot.service" not in result.stderr, result.stderr  # no warning about the unit either


def test_heartbeat_is_healthy_while_fresh(tmp_path: Path) -> None:
    path = tmp_path / "state" / "health"
    assert "not connected to Discord yet" in (health.problem(path) or "")
    health.beat(path)
    assert health.problem(path) is None
    assert "not connected" in (health.problem(path, now=time.time() + health.MAX_AGE + 5) or "")
    path.write_text("garbage", encoding="ascii")
    assert "cannot read" in (health.problem(path) or "")


def test_health_command(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HEALTH_FILE", raising=False)
    assert main(["health"]) == 1
    assert "HEALTH_FILE is not set" in capsys.readouterr().err
    monkeypatch.setenv("HEALTH_FILE", str(tmp_path / "health"))
    assert main(["health"]) == 1
    assert "not connected to Discord yet" in capsys.readouterr().err
    health.beat(tmp_path / "health")
    assert main(["health"]) == 0
    assert "healthy" in capsys.readouterr().out


async def test_the_running_bot_writes_its_heartbeat(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner, tmp_path: Path
) -> None:
    path = tmp_path / "health"
    bot = await bot_runner.start(health_file=path)
    await emulator.wait_until(path.exists, 10, "the first heartbeat")
    assert health.problem(path) is None
    assert bot.scheduler.get_job("health.heartbeat") is not None
    assert bot.scheduler.get_job("health.heartbeat").name == "health.heartbeat"
