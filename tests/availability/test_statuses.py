"""Slack statuses are read from users.info, kept a few minutes, and never hold a card up:
a burst asks once, a status that expires is asked again, a 429 is waited out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.availability.statuses import KEPT_FOR, StatusBook
from bot.core.clock import VirtualClock
from bot.slack.gateway import SlackGateway, web_client
from policies.away import SlackStatus
from tests.support.fake_slack import FakeSlack

PRIYA = "U0PRIYA"
START = datetime(2026, 12, 4, 15, tzinfo=UTC)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user(PRIYA, name="Priya Patel", tz="America/Chicago")
        yield fake


@pytest.fixture
async def gateway(slack: FakeSlack) -> AsyncIterator[SlackGateway]:
    gateway = SlackGateway(web_client("xoxb-test", slack.api_url))
    yield gateway
    await gateway.close()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


async def test_a_burst_of_cards_asks_slack_once(
    slack: FakeSlack, gateway: SlackGateway, clock: VirtualClock
) -> None:
    slack.set_status(PRIYA, "Vacation", ":palm_tree:")
    slack.set_latency(0.1, "users.info")
    statuses = StatusBook(gateway, clock)

    found = await asyncio.gather(*(statuses.presence(PRIYA) for _ in range(20)))

    assert {p.status if p else None for p in found} == {SlackStatus("Vacation", ":palm_tree:")}
    assert found[0] is not None
    assert (found[0].person.name, found[0].person.tz) == ("Priya Patel", "America/Chicago")
    assert len(slack.calls_to("users.info")) == 1


async def test_a_status_is_kept_a_few_minutes_unless_asked_fresh_or_expired(
    slack: FakeSlack, gateway: SlackGateway, clock: VirtualClock
) -> None:
    statuses = StatusBook(gateway, clock)
    await statuses.presence(PRIYA)
    slack.set_status(PRIYA, "OOO", expires_at=START + KEPT_FOR * 2)

    kept = await statuses.presence(PRIYA)
    assert kept is not None
    assert kept.status == SlackStatus()  # what was read a moment ago
    fresh = await statuses.presence(PRIYA, fresh=True)
    assert fresh is not None
    assert fresh.status.text == "OOO"
    slack.set_status(PRIYA)
    clock.advance(KEPT_FOR + timedelta(seconds=1))
    later = await statuses.presence(PRIYA)
    assert later is not None
    assert later.status == SlackStatus()
    assert len(slack.calls_to("users.info")) == 3


async def test_while_slack_rate_limits_the_last_known_status_stands(
    slack: FakeSlack, gateway: SlackGateway, clock: VirtualClock
) -> None:
    statuses = StatusBook(gateway, clock)
    slack.set_status(PRIYA, "Vacation")
    await statuses.presence(PRIYA)
    slack.rate_limit("users.info", retry_after=30)

    during = await statuses.presence(PRIYA, fresh=True)
    again = await statuses.presence(PRIYA, fresh=True)
    assert during is not None
    assert again is not None
    assert during.status.text == again.status.text == "Vacation"
    assert len(slack.calls_to("users.info")) == 2  # the 429, then quiet as Slack asked
    clock.advance(timedelta(seconds=31))
    slack.set_status(PRIYA)
    after = await statuses.presence(PRIYA, fresh=True)
    assert after is not None
    assert after.status == SlackStatus()


async def test_someone_slack_does_not_know_is_unknown_not_an_error(
    gateway: SlackGateway, clock: VirtualClock
) -> None:
    assert await StatusBook(gateway, clock).presence("U0NOBODY") is None
