"""The real app on a free port with a fake Slack, for the HTTP endpoints beside Slack's."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from store.db import Database
from tests.support.app_server import RunningApp, running_app
from tests.support.deals import TECHCORP_JSON
from tests.support.fake_slack import FakeSlack

PEOPLE = {
    "U0SARAH": "Sarah Chen",
    "U0LISA": "Lisa Wong",
    "U0PRIYA": "Priya Patel",
    "U0OMAR": "Omar Haddad",
    "U0DANIEL": "Daniel Kim",
    "U0REVOPS": "RevOps",
}
"""The people of the bundled policy (and the deals' owner)."""


def with_people(slack: FakeSlack) -> FakeSlack:
    for user_id, name in PEOPLE.items():
        slack.add_user(user_id, name=name)
    slack.add_channel("C0DEALDESK")
    slack.add_channel("C0ESCALATE")
    return slack


def deal(**changes: Any) -> dict[str, Any]:
    """The TechCorp deal of CONTRACT.md as a CRM sends it, with ``changes``."""
    return {**TECHCORP_JSON, **changes}


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield with_people(fake)


@pytest.fixture
async def app(database_url: str, policy_file: Path, slack: FakeSlack) -> AsyncIterator[RunningApp]:
    async with running_app(database_url, policy_file, slack) as running:
        yield running


def unreachable_like(url: str, tmp_path: Path) -> str:
    """A database URL of the same kind as ``url`` that cannot be reached."""
    if url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{tmp_path / 'no-such-directory' / 'dealdesk.db'}"
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql+asyncpg://dealdesk@127.0.0.1:{port}/dealdesk"


@pytest.fixture
async def broken_database(
    app: RunningApp, database_url: str, tmp_path: Path
) -> AsyncIterator[None]:
    """The app's database stops answering (the workers keep their own connection)."""
    working, broken = app.deps.db, Database.connect(unreachable_like(database_url, tmp_path))
    app.deps.db = broken
    try:
        yield
    finally:
        app.deps.db = working
        await broken.dispose()
