#!/usr/bin/env python3
"""Bootstrap: create or reuse ``.venv``, install what is needed, then run the bot or the tests.

    python3 run.py studio [studio options]      # the bot in a local page: an emulated Discord, no token
    python3 run.py bot [zundabot run options]   # run the bot (reads .env)
    python3 run.py test [pytest options]        # run the whole test suite
    python3 run.py lint                         # ruff and mypy, as CI runs them
    python3 run.py zundabot ARGS...             # any other CLI command (ingest, search, ...)

Only the standard library is used here, so it works on a fresh machine with Python 3.11+.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("ZUNDABOT_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".zundabot-installed"
USAGE = __doc__ or ""


def _fingerprint(extra: str) -> str:
    digest = hashlib.sha256(extra.encode())
    for name in ("pyproject.toml", "constraints.txt"):
        path = ROOT / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _installed_extras() -> set[str]:
    if not STAMP.exists():
        return set()
    return set(STAMP.read_text().split())


def ensure_venv(extra: str) -> None:
    """Create the virtual environment and install the project (with ``extra``) when anything changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be started by an older python3
        sys.exit(f"zundabot needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating virtual environment in {VENV} ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = _fingerprint(extra)
    if wanted in _installed_extras():
        return
    target = f".[{extra}]" if extra else "."
    print(f"Installing zundabot{f'[{extra}]' if extra else ''} into {VENV} ...", file=sys.stderr)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    constraints = ROOT / "constraints.txt"
    if constraints.exists():
        pip += ["-c", str(constraints)]
    subprocess.run([*pip, "-e", target], cwd=ROOT, check=True)
    STAMP.write_text("\n".join(sorted(_installed_extras() | {wanted})) + "\n")


def main(argv: list[str]) -> int:
    command, *rest = argv or ["bot"]
    if command in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    if command == "bot":
        ensure_venv("")
        return subprocess.call([str(BIN / "zundabot"), "run", *rest], cwd=ROOT)
    if command == "studio":
        ensure_venv("")
        return subprocess.call([str(BIN / "zundabot"), "studio", *rest], cwd=ROOT)
    if command == "test":
        ensure_venv("dev")
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT)
    if command == "lint":
        ensure_venv("dev")
        checks = [
            [str(PYTHON), "-m", "ruff", "check", "."],
            [str(PYTHON), "-m", "ruff", "format", "--check", "."],
            [str(PYTHON), "-m", "mypy"],
        ]
        return max(subprocess.call(check, cwd=ROOT) for check in checks)
    if command == "zundabot":
        ensure_venv("")
        return subprocess.call([str(BIN / "zundabot"), *rest], cwd=ROOT)
    print(f"unknown command {command!r}\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(f"setup failed: {' '.join(map(str, exc.cmd))} exited with {exc.returncode}")
    except KeyboardInterrupt:
        sys.exit(130)
