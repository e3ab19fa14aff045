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
