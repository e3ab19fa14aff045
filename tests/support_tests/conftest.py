"""Fixtures for the tests of the Slack test kit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.fake_slack import FakeSlack


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U0LISA", name="Lisa Wong", tz="America/Los_Angeles", title="CFO")
        fake.add_user("U0SARAH", name="Sarah Chen")
        fake.add_channel("C0DEALDESK")
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    """How dealdesk calls Slack: slack_sdk's async client pointed at the fake."""
    return AsyncWebClient(token="xoxb-test", base_url=slack.api_url)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
