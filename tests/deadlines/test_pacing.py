"""Slack takes about one chat.postMessage per second per channel: the gateway paces posts
per channel, and the outbox's posts give way instead of waiting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.cards.blocks import SlackMessage, message, section
from bot.slack.gateway import POST_INTERVAL, ChannelPacer, Paced, SlackGateway, web_client
from tests.support.fake_slack import FakeSlack


def note(text: str) -> SlackMessage:
    return message(text, [section(text)])


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        for channel in ("C0ONE", "C0TWO", "C0THREE"):
            fake.add_channel(channel)
        yield fake


@pytest.fixture
async def gateway(slack: FakeSlack) -> AsyncIterator[SlackGateway]:
    gateway = SlackGateway(web_client("xoxb-test", slack.api_url), ChannelPacer())
    yield gateway
    await gateway.close()


async def test_two_posts_to_one_channel_reach_slack_a_second_apart(
    slack: FakeSlack, gateway: SlackGateway
) -> None:
    await asyncio.gather(
        gateway.post("C0ONE", note("first")), gateway.post("C0ONE", note("second"))
    )

    first, second = slack.delivered("chat.postMessage")
    assert [first.params["text"], second.params["text"]] == ["first", "second"]
    assert second.at - first.at >= POST_INTERVAL


async def test_other_channels_are_not_held_up(slack: FakeSlack, gateway: SlackGateway) -> None:
    await gateway.post("C0ONE", note("first"))
    started = time.monotonic()

    await asyncio.gather(gateway.post("C0TWO", note("two")), gateway.post("C0THREE", note("3")))

    assert time.monotonic() - started < POST_INTERVAL / 2
    assert len(slack.delivered("chat.postMessage")) == 3


async def test_a_deferrable_post_gives_way_and_sends_nothing(
    slack: FakeSlack, gateway: SlackGateway
) -> None:
    await gateway.post("C0ONE", note("first"))

    with pytest.raises(Paced) as paced:
        await gateway.post("C0ONE", note("too soon"), defer=True)

    assert paced.value.retryable
    assert 0 < (paced.value.retry_after or 0) <= POST_INTERVAL
    assert [c.params["text"] for c in slack.calls_to("chat.postMessage")] == ["first"]
    await gateway.post("C0TWO", note("elsewhere"), defer=True)  # another channel: at once
    assert len(slack.delivered("chat.postMessage")) == 2
