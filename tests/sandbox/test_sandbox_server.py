"""The sandbox server without a browser: what the page asks for and what it shows, the
clock moving reminders, timeouts and the morning briefing forward, and bad requests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from bot.app.sandbox import RunningSandbox
from sandbox.server import CLICKS_KEPT

LISA = "U0LISA"


async def page_call(sandbox: RunningSandbox, path: str, body: Any = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session:
        if body is None:
            async with session.get(f"{sandbox.url}{path}") as response:
                return response.status, await response.json()
        async with session.post(f"{sandbox.url}{path}", json=body) as response:
            return response.status, await response.json()


async def state(sandbox: RunningSandbox, user: str, where: str = "") -> dict[str, Any]:
    status, body = await page_call(sandbox, f"/sandbox/state?as={user}&in={where or 'D' + user}")
    assert status == 200
    return dict(body)


async def dm_texts(sandbox: RunningSandbox, user: str) -> list[str]:
    conversation = (await state(sandbox, user))["conversation"]
    return [message["text"] for message in conversation["messages"]]


async def until(probe: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait (up to 10 s) for the app's outbox to have delivered what ``probe`` looks for."""
    for _ in range(200):
        if await probe():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def dm_says(sandbox: RunningSandbox, user: str, words: str) -> bool:
    return any(words in text for text in await dm_texts(sandbox, user))


@pytest.fixture
async def techcorp(sandbox: RunningSandbox) -> dict[str, Any]:
    status, body = await page_call(sandbox, "/sandbox/deal", {"preset": "techcorp"})
    assert status == 200, body
    return dict(body["deal"])


async def test_two_hours_on_lisas_approval_has_moved_to_daniel(
    sandbox: RunningSandbox, techcorp: dict[str, Any]
) -> None:
    await until(lambda: dm_says(sandbox, LISA, "TechCorp"), "Lisa's card")

    await page_call(sandbox, "/sandbox/clock", {"advance": "1h"})
    assert not await dm_says(sandbox, "U0DANIEL", "TechCorp")  # her SLA is 2h
    await page_call(sandbox, "/sandbox/clock", {"advance": "1h"})

    await until(lambda: dm_says(sandbox, "U0DANIEL", "TechCorp"), "Daniel's card")
    await until(lambda: dm_says(sandbox, LISA, "Daniel Kim"), "Lisa's card saying where it went")


async def test_the_next_briefing_comes_at_the_policys_briefing_time(
    sandbox: RunningSandbox, techcorp: dict[str, Any]
) -> None:
    # Two hours first: the next 08:01 may be less than Lisa's 2h away (06:30 in New York).
    await page_call(sandbox, "/sandbox/clock", {"advance": "1h"})
    await page_call(sandbox, "/sandbox/clock", {"advance": "1h"})
    await until(lambda: dm_says(sandbox, "U0DANIEL", "TechCorp"), "Daniel's card (Lisa's 2h)")

    status, moved = await page_call(sandbox, "/sandbox/clock", {"advance": "briefing"})

    assert status == 200
    assert "08:01" in moved["said"]
    await until(lambda: dm_says(sandbox, "U0DANIEL", "briefing"), "Daniel's briefing")


@pytest.mark.parametrize(
    ("path", "body", "says"),
    [
        ("/sandbox/clock", {"advance": "1y"}, "advance by 1h, 1d or to the next briefing"),
        ("/sandbox/deal", {"preset": "nope"}, "no ready deal 'nope'"),
        ("/sandbox/command", {"as": LISA, "text": "/foo"}, "/foo is not a command here"),
        ("/sandbox/command", {"as": "U0NOBODY", "text": "/deal help"}, "nobody called"),
        ("/sandbox/submit", {"as": LISA, "view_id": "V0NONE"}, "no longer open"),
        (
            "/sandbox/act",
            {"as": LISA, "container": {"type": "message", "channel": "DU0LISA", "ts": "1.0"}},
            "that message is gone",
        ),
    ],
)
async def test_a_bad_request_from_the_page_says_what_is_wrong(
    sandbox: RunningSandbox, path: str, body: dict[str, Any], says: str
) -> None:
    status, answer = await page_call(sandbox, path, body)

    assert status == 400
    assert says in answer["error"]


async def test_a_slash_command_answers_only_the_person_who_typed_it(
    sandbox: RunningSandbox, techcorp: dict[str, Any]
) -> None:
    status, _ = await page_call(
        sandbox, "/sandbox/command", {"as": LISA, "channel": "DU0LISA", "text": "/deal inbox"}
    )

    assert status == 200
    mine = (await state(sandbox, LISA))["conversation"]["ephemerals"]
    assert mine
    assert any("TechCorp" in str(item) for item in mine), mine
    assert (await state(sandbox, "U0PRIYA", "DU0LISA"))["conversation"]["ephemerals"] == []


async def test_a_vacation_status_set_on_the_page_sends_lisas_card_to_daniel(
    sandbox: RunningSandbox,
) -> None:
    status, body = await page_call(sandbox, "/sandbox/status", {"as": LISA, "status": "vacation"})
    assert (status, body) == (200, {"said": "Lisa Wong's status: :palm_tree: On vacation."})
    lisa = next(p for p in (await state(sandbox, LISA))["people"] if p["id"] == LISA)
    assert lisa["status"]["emoji"] == ":palm_tree:"
    assert lisa["status"]["text"] == "On vacation"

    await page_call(sandbox, "/sandbox/deal", {"preset": "techcorp"})

    await until(lambda: dm_says(sandbox, "U0DANIEL", "TechCorp"), "Daniel's card")
    assert not await dm_says(sandbox, LISA, "TechCorp")

    async def thread_says_why() -> bool:
        channel = (await state(sandbox, LISA, "C0DEALDESK"))["conversation"]["messages"]
        replies = [reply["text"] for message in channel for reply in message["replies"]]
        return any("Lisa Wong's Slack status: On vacation" in reply for reply in replies)

    await until(thread_says_why, "the thread saying she is on vacation")

    status, body = await page_call(sandbox, "/sandbox/status", {"as": LISA, "status": "clear"})
    assert body == {"said": "Lisa Wong's status is cleared."}
    lisa = next(p for p in (await state(sandbox, LISA))["people"] if p["id"] == LISA)
    assert lisa["status"] is None


async def test_a_status_the_page_does_not_offer_is_refused_by_name(
    sandbox: RunningSandbox,
) -> None:
    status, body = await page_call(sandbox, "/sandbox/status", {"as": LISA, "status": "gone"})
    assert status == 400
    assert body["error"] == "no status 'gone'; there are vacation, sick, meeting, clear"


async def test_only_the_latest_clicks_response_urls_are_kept(sandbox: RunningSandbox) -> None:
    """Every click makes a response URL (Slack's expire in 30 minutes): a sandbox left
    running keeps the latest thousand, not all of them."""
    urls = [sandbox.sandbox.response_url(LISA, f"D{LISA}") for _ in range(CLICKS_KEPT + 1)]
    reply = {"text": "Noted."}
    async with aiohttp.ClientSession() as session:
        async with session.post(urls[0], json=reply) as oldest:
            assert (oldest.status, await oldest.text()) == (404, "expired_url")
        async with session.post(urls[-1], json=reply) as latest:
            assert latest.status == 200
