"""The declared dependencies: everything bot/ and cogs/ import is declared in pyproject.toml, and nothing more."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Declared for what they provide without being imported: tzdata is zoneinfo's time zone database
#: on systems without one (Windows).
INDIRECT = {"tzdata"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_distributions() -> dict[str, set[str]]:
    """Third-party distribution -> the modules of bot/, cogs/ and the studio (zundabot studio) that import it."""
    providers = packages_distributions()
    found: dict[str, set[str]] = {}
    shipped = [*ROOT.glob("bot/**/*.py"), *ROOT.glob("cogs/**/*.py"), *ROOT.glob("discord_emulator/studio/*.py")]
    for path in sorted(shipped):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in {"bot", "cogs", "discord_emulator"}:
                    continue
                for distribution in providers.get(top, [top]):
                    found.setdefault(normalise(distribution), set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_import_is_declared_and_every_dependency_used() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {normalise(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}
    imported = imported_distributions()
    assert {name: sorted(modules) for name, modules in imported.items() if name not in declared} == {}
    assert sorted(declared - set(imported) - INDIRECT) == []
    assert "python-frontmatter" in imported  # the posts reader splits front matter with it
    pinned = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pins = {normalise(line.split("==")[0]) for line in pinned if "==" in line}
    assert sorted(declared - pins) == []
