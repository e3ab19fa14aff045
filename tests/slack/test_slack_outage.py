"""Slack's Web API down while people keep clicking: every signed request from Slack is
answered 200 within Slack's 3 seconds, decisions are applied, what needs the Web API waits
in the outbox and goes out afterwards, and /healthz says degraded (not down) meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from bot.cards.ids import CardAction
from store.models import Approval
from tests.api.test_lookup import created
from tests.slack.flows import LISA, OWNER, card_for, eventually, settled
from tests.support.app_server import RunningApp

COMMANDS = [
    ("status D-1001", OWNER),
    ("inbox", LISA),
    ("audit D-1001", "U0REVOPS"),
    ("help", LISA),
    ("new", LISA),  # opens a modal: needs views.open, which is down
    ("preview", LISA),
]


async def test_clicks_and_commands_are_answered_and_nothing_is_lost(live_app: RunningApp) -> None:
    await created(live_app)
    card = await card_for(live_app.slack, LISA)
    live_app.slack.outage(60)

    started = time.monotonic()
    click = await live_app.requests.click(card, CardAction.APPROVE, user=LISA)
    replies = [await live_app.requests.command("/deal", text, user=user) for text, user in COMMANDS]
    answered_within = time.monotonic() - started

    assert click.status == 200
    assert [reply.status for reply in replies] == [200] * len(COMMANDS)
    assert answered_within < 3 * (1 + len(COMMANDS))
    assert "TechCorp" in replies[0].text
    assert "Slack is not answering dealdesk just now" in replies[4].text
    assert "reinstall" not in " ".join(reply.text for reply in replies)

    async def decided() -> str | None:
        async with live_app.deps.db.read() as session:
            statuses = await session.scalars(
                select(Approval.status).where(Approval.assignee == LISA)
            )
            return next((s for s in statuses if s == "approved"), None)

    assert await _poll(decided), "Lisa's click was applied during the outage"
    health = await eventually_json(live_app, "/healthz", lambda h: h["status"] == "degraded")
    assert any("Slack's Web API is failing" in reason for reason in health["reasons"])

    live_app.slack.clear_faults()
    await eventually(
        lambda: [c for c in live_app.slack.delivered("chat.update") if c.params["ts"] == card.ts],
        "Lisa's card updated once Slack is back",
        timeout=20,
    )
    await settled(live_app)
    assert (await eventually_json(live_app, "/healthz", lambda h: h["status"] == "ok"))[
        "status"
    ] == "ok"


async def _poll(probe: Callable[[], Awaitable[str | None]]) -> str | None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if found := await probe():
            return found
        await asyncio.sleep(0.05)
    return None


async def eventually_json(
    live_app: RunningApp, path: str, good: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """``path``'s JSON once ``good`` says so (or as it is after 20 seconds)."""
    deadline = time.monotonic() + 20
    while True:
        async with live_app.session.get(live_app.api(path)) as response:
            body: dict[str, Any] = await response.json()
        if good(body) or time.monotonic() > deadline:
            return body
        await asyncio.sleep(0.1)
