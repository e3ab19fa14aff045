"""A quarter-end rush against real ``dealdesk serve`` processes: 1,000 deals at once, their
first approvals spread over 50 approvers, every deal also posting to the deal channel.

Every approval card arrives, once, the last within 25 s of the last submission: each
approver gets 20 cards and Slack takes one post a second in each DM, so that is the
bound; the deal channel's thousands of posts wait their turn and hold up none of them.
The fake Slack refuses posts that come faster than Slack takes them, and is never asked
to, with one process or with two on one PostgreSQL database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from bot.outbox.work import POST_INTERVAL
from tests.postgres import postgres_url_or_skip
from tests.support.burst import (
    BurstResult,
    add_people,
    burst_policy,
    measure,
    submit_burst,
    wait_for_cards,
)
from tests.support.fake_slack import FakeSlack
from tests.support.serving import serving

pytestmark = pytest.mark.slow

DEALS = 1000
APPROVERS = 50
CONCURRENCY = 20
BOUND = 25.0
"""Seconds after the last submission by which every card is there (20 cards a DM, 1/s)."""
PATIENCE = 180.0


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        add_people(fake, APPROVERS)
        fake.pace_posts(POST_INTERVAL)
        yield fake


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "burst.yml"
    path.write_text(burst_policy(APPROVERS), encoding="utf-8")
    return path


async def burst(
    tmp_path: Path, slack: FakeSlack, policy: Path, database_url: str, instances: int
) -> BurstResult:
    async with AsyncExitStack() as stack:
        servers = [
            await stack.enter_async_context(
                serving(tmp_path, slack, policy, database_url, name=f"serve-{n}")
            )
            for n in range(instances)
        ]
        submitted = await submit_burst([s.url for s in servers], DEALS, CONCURRENCY)
        await wait_for_cards(slack, DEALS, PATIENCE)
        return measure(slack, submitted)


def assert_every_card_in_time(result: BurstResult) -> None:
    assert (result.cards, result.missing, result.doubled) == (DEALS, 0, 0), result.summary()
    assert result.last_card_after_submissions <= BOUND, result.summary()
    assert result.posts_per_second == 1, result.summary()
    assert result.rate_limited == 0, result.summary()
    assert result.deal_channel_posts > 0, result.summary()  # it drains, at its pace
    assert result.deal_channel_in_order, result.summary()


@pytest.fixture
def postgres_url() -> str:
    return postgres_url_or_skip()


async def test_every_card_arrives_within_the_bound_during_a_burst(
    tmp_path: Path, slack: FakeSlack, policy: Path, database_url: str
) -> None:
    """On SQLite, and again on PostgreSQL (the ``database_url`` fixture)."""
    result = await burst(tmp_path, slack, policy, database_url, instances=1)

    assert_every_card_in_time(result)


@pytest.mark.postgres
async def test_two_processes_keep_one_pace_during_a_burst(
    tmp_path: Path, slack: FakeSlack, policy: Path, postgres_url: str
) -> None:
    result = await burst(tmp_path, slack, policy, postgres_url, instances=2)

    assert_every_card_in_time(result)
