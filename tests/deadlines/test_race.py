"""A click that races the timeout: exactly one of them wins, and a click that lost is told
plainly why nothing happened."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cards.ids import CardAction
from sandbox.objects import Message
from sandbox.requests import SlackReply
from store.models import Approval
from tests.deadlines.steps import MARCUS, approvals, events, submit_deals
from tests.slack.flows import cards, eventually, hook_name, settled
from tests.support.app_server import RunningApp, running_app
from tests.support.fake_slack import FakeSlack

PRECISION = timedelta(seconds=2)
OFFSETS = (-1.0, -0.05, 0.0, 0.0, 0.05, 1.0)
"""When each click is fired, in seconds from its approval's due time: well before (the
click wins), right at it (either may win), well after (the timeout wins)."""


@pytest.fixture
async def app(
    database_url: str, deadline_policy: Callable[..., Path], slack: FakeSlack
) -> AsyncIterator[RunningApp]:
    """Marcus has 3s; Lisa, his backup, an hour (nothing else happens meanwhile)."""
    async with running_app(database_url, deadline_policy(cfo_sla="1h"), slack) as running:
        yield running


async def click_at(app: RunningApp, card: Message, moment: datetime) -> SlackReply:
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))
    return await app.requests.click(card, CardAction.APPROVE, user=MARCUS)


async def test_a_click_racing_the_timeout_either_wins_or_is_told_it_lost(
    app: RunningApp,
) -> None:
    slack = app.slack
    deals = await submit_deals(app, len(OFFSETS))
    await eventually(lambda: len(cards(slack, MARCUS)) == len(OFFSETS), "Marcus's cards")
    rows = [(await approvals(app, deal.deal_id))[-1] for deal in deals]
    by_value = {str(row.id): row for row in rows}
    clicks: list[tuple[Approval, Message, datetime]] = []
    for card in cards(slack, MARCUS):
        [value] = {e["value"] for b in card.blocks for e in b.get("elements", []) if "value" in e}
        row = by_value[value]
        assert row.due_at is not None
        clicks.append((row, card, row.due_at))

    replies = await asyncio.gather(
        *(
            click_at(app, card, due + timedelta(seconds=offset))
            for (_, card, due), offset in zip(clicks, OFFSETS, strict=True)
        )
    )

    assert all(reply.status == 200 for reply in replies)
    await settled(app)
    decided = {e.details["approval_id"] for e in await events(app, "approval_decided")}
    timeouts = await events(app, "approval_reassigned")
    moved = {e.details["approval_id"] for e in timeouts}
    due = {row.id: due for row, _, due in clicks}
    late = [e.at - due[e.details["approval_id"]] for e in timeouts]
    assert all(timedelta(0) <= lateness < PRECISION for lateness in late), late
    outcomes = []
    for (row, card, _), reply in zip(clicks, replies, strict=True):
        won, lost = row.id in decided, row.id in moved
        assert won != lost, f"approval {row.id}: decided {won}, reassigned {lost}"
        told = [r for r in slack.responses if r.name == hook_name(reply)]
        now = slack.message(card.channel, card.ts)
        if won:
            assert told == []
            assert "Approved by <@U0MARCUS>" in now.visible_text
        else:
            [notice] = told
            assert notice.body["response_type"] == "ephemeral"
            assert notice.body["text"].startswith("⚠️ Too late: this approval moved on at ")
            assert (
                "(Marcus Thompson did not answer within the 3s SLA), so your click changed nothing."
                in notice.body["text"]
            )
            assert "Reassigned to <@U0LISA> (Lisa Wong)" in now.visible_text
        outcomes.append("click" if won else "timeout")
    assert outcomes[0] == "click"
    assert outcomes[-1] == "timeout"
    assert len(slack.dm("U0LISA")) == outcomes.count("timeout")
