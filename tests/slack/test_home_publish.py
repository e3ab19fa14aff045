"""Two publishes of one person's Home racing (a bulk approval's notice and the outbox's
refresh of the same Home): whichever state is newer is the one left showing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.slack.gateway import SlackGateway, web_client
from tests.support.fake_slack import FakeSlack

LISA = "U0LISA"
DANIEL = "U0DANIEL"


@pytest.fixture
async def gateway(slack: FakeSlack) -> AsyncIterator[SlackGateway]:
    gateway = SlackGateway(web_client("xoxb-test", slack.api_url))
    yield gateway
    await gateway.close()


def _view(text: str) -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


async def test_a_slow_render_of_older_state_never_lands_last(
    slack: FakeSlack, gateway: SlackGateway
) -> None:
    state = {"notice": "no notice yet"}
    first_read = asyncio.Event()

    async def render_slowly() -> dict[str, Any]:
        seen = state["notice"]
        first_read.set()
        await asyncio.sleep(0.2)  # building a big inbox, say
        return _view(seen)

    async def render() -> dict[str, Any]:
        return _view(state["notice"])

    refresh = asyncio.create_task(gateway.publish_home(LISA, render_slowly))
    await first_read.wait()
    state["notice"] = "✅ Approved 2."
    await gateway.publish_home(LISA, render)
    await refresh

    shown = slack.home(LISA)["blocks"][0]["text"]["text"]
    assert shown == "✅ Approved 2."


async def test_homes_of_different_people_do_not_wait_for_each_other(
    slack: FakeSlack, gateway: SlackGateway
) -> None:
    release = asyncio.Event()

    async def render_held() -> dict[str, Any]:
        await release.wait()
        return _view("Lisa's")

    async def render() -> dict[str, Any]:
        return _view("Daniel's")

    held = asyncio.create_task(gateway.publish_home(LISA, render_held))
    await asyncio.wait_for(gateway.publish_home(DANIEL, render), timeout=5)
    release.set()
    await held

    assert slack.home(DANIEL)["blocks"][0]["text"]["text"] == "Daniel's"
    assert slack.home(LISA)["blocks"][0]["text"]["text"] == "Lisa's"
