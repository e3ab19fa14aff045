"""The app on a fresh SQLite file and the real clock, with the fake Slack's people."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api.conftest import with_people
from tests.support.app_server import RunningApp, running_app
from tests.support.databases import sqlite_url
from tests.support.fake_slack import FakeSlack


@pytest.fixture
async def app(tmp_path: Path, policy_file: Path) -> AsyncIterator[RunningApp]:
    async with (
        FakeSlack() as slack,
        running_app(sqlite_url(tmp_path), policy_file, with_people(slack)) as running,
    ):
        yield running
