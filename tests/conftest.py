"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os

# pytest-xdist's workers run with COLUMNS=80, which rich would fix as the CLI consoles'
# width when they are created (at import): the tests choose their width per command.
os.environ.pop("COLUMNS", None)

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import VirtualClock
from bot.core.deps import Deps, open_deps
from policies.loader import bundled_policy_path
from tests.postgres import postgres_url_or_skip
from tests.support.databases import sqlite_url

START = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
"""A Monday afternoon, New York morning."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deal the slow tests out to the workers: pytest-xdist's ``--dist worksteal`` first
    gives each worker one contiguous block of the tests, so each block here starts with
    its share of the slow ones and the short ones fill in around them (left in file
    order, one worker would run them all, one after another, while the others idle)."""
    workers: int = getattr(config, "workerinput", {}).get("workercount", 1)
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    rest = [item for item in items if item.get_closest_marker("slow") is None]
    share = -(-len(rest) // workers)
    items[:] = [
        item
        for worker in range(workers)
        for item in slow[worker::workers] + rest[worker * share : (worker + 1) * share]
    ]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database test runs on a fresh SQLite file, and again on PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return postgres_url_or_skip()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def policy_file() -> Path:
    """The bundled example policy (the seeds' five personas)."""
    return bundled_policy_path()


@pytest.fixture
def write_policy(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "policy.yml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
async def deps(database_url: str, policy_file: Path, clock: VirtualClock) -> AsyncIterator[Deps]:
    async with open_deps(database_url, policy_file, clock) as opened:
        yield opened
