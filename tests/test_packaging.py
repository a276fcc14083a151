"""The declared dependencies: everything bot/, cogs/ and discord_emulator/ import is declared in pyproject.toml,
and nothing more."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Declared for what they provide without being imported: tzdata is zoneinfo's time zone database
#: on systems without one (Windows); sudachidict-core is the dictionary SudachiPy loads by name ("core").
INDIRECT = {"tzdata", "sudachidict-core"}
#: The emulator ships with the project (``zundabot studio`` runs it); only its pytest side needs the dev extra.
SHIPPED = ("bot", "cogs", "discord_emulator")
TEST_ONLY = ("discord_emulator/tests/", "discord_emulator/pytest_plugin.py")
#: Imported inside a function, only when a client asks for what it provides (declared in the dev extra):
#: zstandard for a gateway client that asks for zstd-stream compression.
OPTIONAL = {"zstandard"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_distributions() -> dict[str, set[str]]:
    """Third-party distribution -> the shipped modules that import it."""
    providers = packages_distributions()
    found: dict[str, set[str]] = {}
    paths = sorted(path for folder in SHIPPED for path in ROOT.glob(f"{folder}/**/*.py"))
    for path in paths:
        if str(path.relative_to(ROOT)).startswith(TEST_ONLY):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in SHIPPED:
                    continue
                for distribution in providers.get(top, [top]):
                    found.setdefault(normalise(distribution), set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_import_is_declared_and_every_dependency_used() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {normalise(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}
    extras = {
        normalise(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0])
        for specs in project["optional-dependencies"].values()
        for spec in specs
    }
    imported = imported_distributions()
    undeclared = {name: sorted(modules) for name, modules in imported.items() if name not in declared}
    assert {name: modules for name, modules in undeclared.items() if name not in OPTIONAL} == {}
    assert sorted(set(undeclared) - extras) == []
    assert sorted(declared - set(imported) - INDIRECT) == []
    assert "python-frontmatter" in imported  # the posts reader splits front matter with it
    assert "jsonschema" in imported  # the emulator validates request bodies with it
    pinned = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pins = {normalise(line.split("==")[0]) for line in pinned if "==" in line}
    assert sorted(declared - pins) == []
