"""The shape of dealdesk holds: imports point one way, handlers → bot → {policies, store}.

``policies`` is pure (no Slack, no database, no web); ``store`` knows nothing of Slack
or of the application; only the composition root (``bot/app``) imports ``handlers``, to
wire them, and ``handlers`` never import it.
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
    "handlers": ("bot.app",),
}
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
    return sorted((ROOT / package).rglob("*.py"))


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


def test_the_checker_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import slack_sdk\nfrom bot.core.deps import Deps\nfrom . import local\n")
    assert imports_of(sample) == {"slack_sdk", "bot.core.deps"}


def test_every_package_has_modules() -> None:
    for package in ("bot", "handlers", "policies", "store"):
        assert len(modules(package)) > 1, package
