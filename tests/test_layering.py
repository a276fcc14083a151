"""The import graph of bot/, cogs/ and discord_emulator/: no circles anywhere, and the layers only import downwards.

Every ``import`` statement counts, wherever it is (module level, inside a function, under
``TYPE_CHECKING``): a lazy import hides a circle, it does not remove it. An edge goes to the module
named, or to the module a ``from package import name`` names when ``name`` is a submodule.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "cogs", "discord_emulator")

#: The pure domain: no Discord, no storage, no Discord glue, and none of the services below.
DOMAIN = (
    "bot.announce",
    "bot.backoff",
    "bot.clock",
    "bot.coalesce",
    "bot.episodes",
    "bot.follow",
    "bot.i18n",
    "bot.letters",
    "bot.markdown_split",
    "bot.output",
    "bot.premiere",
    "bot.render",
    "bot.search",
    "bot.text",
)
#: The application services that run the domain against the store (they may import it, never Discord).
SERVICES = (
    "bot.announce.announcer",
    "bot.announce.ledger",
    "bot.follow.outbox",
    "bot.ingest",
    "bot.letters.outbox",
    "bot.premiere.sync",
)
STORE = ("bot.store",)
SHELL = ("discord", "bot.ui", "cogs", "bot.app", "bot.cli")

#: Layering violations that are known and being removed; each names why it is still here.
#: Empty when the layout is clean — an entry that no longer occurs fails the test, so it goes too.
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()
#: Import circles that are known and being removed (none now).
KNOWN_CIRCLES: list[list[str]] = []


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _resolve(module: str, names: Iterable[str], known: dict[str, Path]) -> set[str]:
    targets = set()
    for name in names:
        candidate = f"{module}.{name}"
        targets.add(candidate if candidate in known else module)
    return targets


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found |= _resolve(module, (alias.name for alias in node.names), known)
    return found


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def _within(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _violations(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    bad: set[tuple[str, str]] = set()
    for source, targets in graph.items():
        for target in targets:
            if _within(source, DOMAIN) and not _within(source, SERVICES):
                forbidden = (*SHELL, *STORE, *SERVICES)
            elif _within(source, (*SERVICES, *STORE)):
                forbidden = SHELL
            else:
                continue
            if _within(target, forbidden):
                bad.add((source, target))
    return bad


def test_no_import_circle_in_bot_or_cogs() -> None:
    cycles = _cycles(_graph())
    new = [cycle for cycle in cycles if cycle not in KNOWN_CIRCLES]
    assert new == [], "import circles: " + "; ".join(" → ".join(cycle) for cycle in new)
    gone = [cycle for cycle in KNOWN_CIRCLES if cycle not in cycles]
    assert gone == [], f"fixed, remove from KNOWN_CIRCLES: {gone}"


def test_domain_and_store_import_only_downwards() -> None:
    violations = _violations(_graph())
    assert violations - KNOWN_VIOLATIONS == set(), sorted(violations - KNOWN_VIOLATIONS)
    assert KNOWN_VIOLATIONS - violations == set(), "fixed, remove from KNOWN_VIOLATIONS: " + repr(
        sorted(KNOWN_VIOLATIONS - violations)
    )


def test_the_check_sees_a_circle_and_a_violation() -> None:
    graph = {"bot.a": {"bot.b"}, "bot.b": {"bot.c"}, "bot.c": {"bot.a"}, "bot.d": set()}
    assert _cycles(graph) == [["bot.a", "bot.b", "bot.c"]]
    layered = {
        "bot.episodes.x": {"discord", "bot.store.db", "bot.ingest"},
        "bot.store.db": {"bot.ui.answer"},
        "bot.ingest": {"bot.store.db"},
        "cogs.x": {"discord"},
    }
    assert _violations(layered) == {
        ("bot.episodes.x", "discord"),
        ("bot.episodes.x", "bot.store.db"),
        ("bot.episodes.x", "bot.ingest"),
        ("bot.store.db", "bot.ui.answer"),
    }


def test_relative_and_package_imports_resolve_to_modules(tmp_path: Path) -> None:
    known = {"bot.store": tmp_path, "bot.store.db": tmp_path, "bot.store.search": tmp_path}
    source = tmp_path / "migrations.py"
    source.write_text("from . import search\nfrom .db import Database\nimport discord\n", encoding="utf-8")
    assert _imports("bot.store.migrations", source, known) == {"bot.store.search", "bot.store.db", "discord"}
