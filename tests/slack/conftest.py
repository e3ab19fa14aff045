"""The real app over real HTTP against a FakeSlack workspace with the bundled policy's people."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.clock import VirtualClock
from tests.api.conftest import with_people
from tests.slack.flows import DEAL_CHANNEL, ESCALATION_CHANNEL
from tests.support.app_server import RunningApp, running_app
from tests.support.fake_slack import FakeSlack

PEOPLE = {
    "U0LISA": ("Lisa Wong", "America/Los_Angeles"),
    "U0PRIYA": ("Priya Patel", "America/New_York"),
    "U0SARAH": ("Sarah Chen", "America/New_York"),
    "U0REVOPS": ("RevOps Admin", "America/Chicago"),
    "U0DANIEL": ("Daniel Kim", "America/New_York"),
    "U0OMAR": ("Omar Haddad", "Europe/London"),
}


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        for user, (name, tz) in PEOPLE.items():
            fake.add_user(user, name=name, tz=tz)
        fake.add_channel(DEAL_CHANNEL)
        fake.add_channel(ESCALATION_CHANNEL)
        yield fake


@pytest.fixture
async def app(
    database_url: str, policy_file: Path, slack: FakeSlack, clock: VirtualClock
) -> AsyncIterator[RunningApp]:
    async with running_app(database_url, policy_file, slack, clock=clock) as running:
        yield running


@pytest.fixture
async def live_app(database_url: str, policy_file: Path) -> AsyncIterator[RunningApp]:
    """The app on the real clock, as a fresh process (Slack has sent it nothing yet), for
    tests where time must pass for real: the outbox's retries and backoff."""
    async with (
        FakeSlack() as fake,
        running_app(database_url, policy_file, with_people(fake)) as app,
    ):
        yield app
