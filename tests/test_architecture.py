"""The shape of dealdesk holds: imports point one way, handlers → bot → {policies, store}.

``policies`` is pure (no Slack, no database, no web); ``store`` knows nothing of Slack
or of the application; only the composition root (``bot/app``) imports ``handlers``, to
wire them, and ``handlers`` never import it. Inside ``bot``: the cards take plain data
(neither the ORM nor the workflow), ``bot/slack`` only delivers (never the workflow),
the outbox (``bot/outbox``) knows neither of its senders, and webhooks are not Slack's,
every query is written in ``store`` (elsewhere SQLAlchemy is a session type, an error
or a URL), and no two subpackages import each other, however indirectly. What a card may
not import it may not reach either: the rules for ``bot.cards`` hold for everything it
imports, and everything that imports, transitively. The sandbox (``sandbox/``, beside
the bot) stands in for Slack: it reaches the app only over HTTP, and only the
composition root knows it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "policies": (
        "bot",
        "handlers",
        "store",
        "slack_sdk",
        "slack_bolt",
        "sqlalchemy",
        "aiohttp",
        "alembic",
        "apscheduler",
    ),
    "store": ("bot", "handlers", "slack_sdk", "slack_bolt", "aiohttp", "apscheduler"),
    "bot": ("handlers",),
    "bot.cards": ("store", "bot.workflow", "sqlalchemy"),
    "bot.slack": ("bot.workflow",),
    "bot.outbox": ("bot.slack", "bot.webhooks", "bot.workflow"),
    "bot.webhooks": ("bot.slack",),
    "sandbox": (
        "store",
        "sqlalchemy",
        "bot.workflow",
        "bot.interactions",
        "bot.commands",
        "bot.slack",
        "bot.cards",
        "bot.read_models",
    ),
    "handlers": ("bot.app",),
}
SQLALCHEMY_OUTSIDE_STORE = ("sqlalchemy.ext.asyncio", "sqlalchemy.exc", "sqlalchemy.engine")
"""What code outside ``store`` may take from SQLAlchemy: no query building."""
OURS = ("bot", "handlers", "policies", "store", "sandbox")
COMPOSITION_ROOT = ROOT / "bot" / "app"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(f"{package}.") for package in packages)


def modules(package: str) -> list[Path]:
    return sorted(ROOT.joinpath(*package.split(".")).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str:
    """The part of the tree a module belongs to: a subpackage of bot, else its package."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "bot" and len(parts) > 1 else parts[0]


def unit_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for package in OURS:
        for path in modules(package):
            unit = unit_of(module_name(path))
            targets = graph.setdefault(unit, set())
            for name in imports_of(path):
                if name.split(".")[0] in OURS and unit_of(name) != unit:
                    targets.add(unit_of(name))
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph (its nodes in order, the first repeated at the end), or []."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


TRANSITIVE = ("bot.cards", "policies", "bot.outbox", "bot.webhooks")
"""Packages whose rules hold for every module they reach, by any path."""


def path_of(module: str) -> Path | None:
    """Our module's file (a package's ``__init__.py``), or None for someone else's."""
    if module.split(".")[0] not in OURS:
        return None
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def reached_from(start: Path) -> dict[str, str]:
    """Every module ``start`` imports, however indirectly (ours and others' top-level
    names), each with the module of ours that imports it."""
    reached: dict[str, str] = {}
    todo = [start]
    seen = {start}
    while todo:
        path = todo.pop()
        here = module_name(path)
        for name in imports_of(path):
            # importing a.b.c runs a/__init__.py and a/b/__init__.py first
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):
                module = ".".join(parts[:depth])
                reached.setdefault(module, here)
                found = path_of(module)
                if found is not None and found not in seen:
                    seen.add(found)
                    todo.append(found)
    return reached


@pytest.mark.parametrize("package", TRANSITIVE)
def test_what_a_package_may_not_import_it_does_not_reach(package: str) -> None:
    offenders = sorted(
        {
            f"{path.relative_to(ROOT)} reaches {name} (imported by {by})"
            for path in modules(package)
            for name, by in reached_from(path).items()
            if _within(name, FORBIDDEN[package])
        }
    )
    assert offenders == [], "\n".join(offenders)


def test_the_transitive_checker_follows_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bot.cards.ids imports nothing of store; through a module of ours that does, it would."""
    reached = reached_from(ROOT / "bot" / "read_models" / "loaders.py")
    assert reached["store"] == "bot.read_models.loaders"
    assert "sqlalchemy.ext.asyncio" in reached


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(package)
        if COMPOSITION_ROOT not in path.parents
        for name in sorted(imports_of(path))
        if name.split(".")[0] in FORBIDDEN[package] or _within(name, FORBIDDEN[package])
    ]
    assert offenders == [], "\n".join(offenders)


def test_only_the_composition_root_uses_the_sandbox() -> None:
    """The sandbox stands in for Slack: the app never knows it is there."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for package in ("bot", "handlers", "policies", "store")
        for path in modules(package)
        if COMPOSITION_ROOT not in path.parents
        for name in sorted(imports_of(path))
        if _within(name, ("sandbox",))
    ]
    assert offenders == [], "\n".join(offenders)


def test_the_checker_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import slack_sdk\nfrom bot.core.deps import Deps\nfrom . import local\n")
    assert imports_of(sample) == {"slack_sdk", "bot.core.deps"}


def test_every_package_has_modules() -> None:
    for package in ("bot", "handlers", "policies", "store", "sandbox"):
        assert len(modules(package)) > 1, package


def test_only_store_builds_queries() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for package in ("bot", "handlers", "policies")
        for path in modules(package)
        for name in sorted(imports_of(path))
        if _within(name, ("sqlalchemy",)) and not _within(name, SQLALCHEMY_OUTSIDE_STORE)
    ]
    assert offenders == [], "\n".join(offenders)


def test_no_cycles_between_subpackages() -> None:
    cycle = find_cycle(unit_graph())
    assert cycle == [], " → ".join(cycle)


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


LONGEST = 400
"""Lines a module of the product may have: past it, it holds more than one job."""


def test_no_module_is_longer_than_its_one_job() -> None:
    too_long = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for package in OURS
        for path in modules(package)
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST
    ]
    assert too_long == [], "\n".join(too_long)
