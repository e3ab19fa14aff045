"""Slack takes about one chat.postMessage per second per channel: the outbox gives each
conversation one post a second, however many processes deliver, holds a conversation (or
a whole method) Slack answered 429 for, and holds up no other conversation meanwhile.

The fake Slack here refuses, like Slack, a post that comes too soon after the last one
in its channel; every test also checks that it never had to.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.briefings.posts import post_row
from bot.cards.blocks import SlackMessage, message, section
from bot.core.clock import SystemClock
from bot.core.deps import Deps, open_deps
from bot.core.policy_book import PolicyBook
from bot.outbox.delivery import Delivery
from bot.outbox.work import POST_INTERVAL, Work, new_row
from bot.slack.gateway import SlackGateway, web_client
from bot.slack.sender import SlackSender
from store import outbox
from store.db import Database
from store.models import OutboxMessage, Person
from tests.support.fake_slack import Call, FakeSlack

CHANNEL, OTHER = "C0DEALDESK", "C0SALES"
PEOPLE = ("U0LISA", "U0PRIYA", "U0OMAR")
EPSILON = 0.02
"""Seconds of slack for the fake's clock against the app's."""


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        for channel in (CHANNEL, OTHER):
            fake.add_channel(channel)
        for person in PEOPLE:
            fake.add_user(person, name=person)
        fake.pace_posts(POST_INTERVAL)
        yield fake


@pytest.fixture
async def deps(database_url: str, policy_file: Path) -> AsyncIterator[Deps]:
    async with open_deps(database_url, policy_file, SystemClock()) as opened:
        yield opened


async def queue(deps: Deps, *rows: outbox.NewRow) -> None:
    async with deps.db.transaction() as session:
        await outbox.add_many(session, rows)


def posts_to(channel: str, count: int) -> list[outbox.NewRow]:
    """``count`` digest-like posts to ``channel``, each once (its own subject)."""
    now = SystemClock().now()
    return [
        post_row(Work.DIGEST, f"{channel}:{n}", f"{channel}:{n}", note(n), now, channel=channel)
        for n in range(count)
    ]


def dms_to(person: str, count: int) -> list[outbox.NewRow]:
    now = SystemClock().now()
    return [
        post_row(Work.BRIEFING, f"b:{person}:{n}", f"b:{person}:{n}", note(n), now, user=person)
        for n in range(count)
    ]


def note(n: int) -> SlackMessage:
    text = f"message {n}"
    return message(text, [section(text)])


async def delivering(stack: AsyncExitStack, db: Database, deps: Deps, slack: FakeSlack) -> Delivery:
    """A delivery worker as a ``serve`` process runs it, on its own connection to ``db``."""
    gateway = SlackGateway(web_client("xoxb-test", slack.api_url))
    stack.push_async_callback(gateway.close)
    senders = SlackSender(db, PolicyBook(deps.policies.current), deps.clock, gateway)
    worker = Delivery(db, deps.clock, senders, interval=POST_INTERVAL)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))

    async def stopped() -> None:
        stop.set()
        worker.wake()
        await task

    stack.push_async_callback(stopped)
    return worker


async def drained(deps: Deps, timeout: float = 20.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        async with deps.db.read() as session:
            left = await outbox.backlog(session)
        if not left:
            return
        assert time.monotonic() < deadline, f"{left} rows still open"
        await asyncio.sleep(0.02)


def arrivals(slack: FakeSlack, channel: str) -> list[float]:
    return [c.at for c in slack.delivered("chat.postMessage") if c.params["channel"] == channel]


def gaps(times: Sequence[float]) -> list[float]:
    return [later - earlier for earlier, later in pairwise(times)]


def texts(calls: list[Call]) -> list[str]:
    return [str(call.params["text"]) for call in calls]


async def test_posts_to_one_channel_reach_slack_a_second_apart_in_order(
    deps: Deps, slack: FakeSlack
) -> None:
    await queue(deps, *posts_to(CHANNEL, 3))
    async with AsyncExitStack() as stack:
        await delivering(stack, deps.db, deps, slack)
        await drained(deps)

    assert texts(slack.delivered("chat.postMessage")) == [f"message {n}" for n in range(3)]
    assert all(gap >= POST_INTERVAL - EPSILON for gap in gaps(arrivals(slack, CHANNEL)))
    assert slack.rate_limited == []


async def test_other_conversations_are_not_held_up(deps: Deps, slack: FakeSlack) -> None:
    await queue(deps, *posts_to(CHANNEL, 5), *dms_to("U0LISA", 1), *posts_to(OTHER, 1))
    started = time.monotonic()
    async with AsyncExitStack() as stack:
        await delivering(stack, deps.db, deps, slack)
        await slack.wait_for("chat.postMessage", 3)
        first_three = time.monotonic() - started
        await drained(deps)

    assert first_three < POST_INTERVAL / 2  # one post in each of three conversations at once
    assert len(arrivals(slack, CHANNEL)) == 5
    assert slack.rate_limited == []


async def test_two_processes_keep_one_pace_and_send_each_post_once(
    database_url: str, deps: Deps, slack: FakeSlack
) -> None:
    await queue(deps, *posts_to(CHANNEL, 4), *dms_to("U0LISA", 3), *dms_to("U0PRIYA", 3))
    async with AsyncExitStack() as stack:
        other = Database.connect(database_url)
        stack.push_async_callback(other.dispose)
        await delivering(stack, deps.db, deps, slack)
        await delivering(stack, other, deps, slack)
        await drained(deps)

    posted = slack.delivered("chat.postMessage")
    assert len(posted) == len({(c.params["channel"], c.params["text"]) for c in posted}) == 10
    for channel in (CHANNEL, "DU0LISA", "DU0PRIYA"):
        assert all(gap >= POST_INTERVAL - EPSILON for gap in gaps(arrivals(slack, channel)))
    assert slack.rate_limited == []


async def test_a_429_holds_that_conversation_for_its_retry_after_and_no_other(
    deps: Deps, slack: FakeSlack
) -> None:
    slack.rate_limit("chat.postMessage", retry_after=3, times=1)  # the first post meets it
    await queue(deps, *dms_to("U0LISA", 2), *posts_to(CHANNEL, 2))
    async with AsyncExitStack() as stack:
        await delivering(stack, deps.db, deps, slack)
        await drained(deps)

    [refused] = slack.rate_limited
    held = refused.params["channel"]
    [other] = {"DU0LISA", CHANNEL} - {held}
    assert arrivals(slack, held)[0] - refused.at >= 3 - EPSILON  # as long as Slack asked
    assert arrivals(slack, other)[0] - refused.at < 1  # the other one went meanwhile
    assert len(arrivals(slack, held)) == len(arrivals(slack, other)) == 2


async def test_a_429_on_a_method_holds_that_method_for_every_row(
    deps: Deps, slack: FakeSlack
) -> None:
    """views.publish is limited per workspace: after its 429 no Home tab is published until
    Retry-After has passed, while posts go on."""
    slack.rate_limit("views.publish", retry_after=2, times=1)
    now = SystemClock().now()
    async with deps.db.transaction() as session:
        for person in PEOPLE:  # they all looked at Home lately, so theirs is kept fresh
            session.add(_seen_home(person, now))
    homes = [new_row(Work.HOME, f"home:{p}", now, lane=None, user=p) for p in PEOPLE]
    await queue(deps, homes[0])
    async with AsyncExitStack() as stack:
        worker = await delivering(stack, deps.db, deps, slack)
        await slack.wait_for("views.publish", 1)
        await queue(deps, *homes[1:], *dms_to("U0LISA", 1))
        worker.wake()  # as a commit through the workflow does
        await drained(deps)

    first, *published = slack.calls_to("views.publish")
    assert first.status == 429
    assert len(published) == 3
    assert min(call.at for call in published) - first.at >= 2 - EPSILON
    [dm] = slack.delivered("chat.postMessage")
    assert dm.at - first.at < 1


def _seen_home(person: str, now: datetime) -> Person:
    return Person(user_id=person, briefing_enabled=True, home_seen_at=now, updated_at=now)


async def test_rows_queued_before_lanes_existed_are_still_delivered(
    deps: Deps, slack: FakeSlack
) -> None:
    """A row from before the upgrade has no lane: it goes, unpaced, once."""
    async with deps.db.transaction() as session:
        [row] = posts_to(CHANNEL, 1)
        await outbox.add_many(session, [row])
        await session.execute(update(OutboxMessage).values(lane=None))
    async with AsyncExitStack() as stack:
        await delivering(stack, deps.db, deps, slack)
        await drained(deps)

    assert len(slack.delivered("chat.postMessage")) == 1
